import type { MetadataDatabase, MetadataDb } from './metadata-database.js';

/** Anything that holds an open metadata database: the platform, or a database opened on its own. */
export interface HoldsDatabase {
  readonly database: MetadataDatabase;
}

/** A capability's operations with their first parameter, the database handle, already given. */
export type BoundToDatabase<Operations> = {
  readonly [Name in keyof Operations]: Operations[Name] extends (
    db: MetadataDb,
    ...args: infer Args
  ) => infer Result
    ? (...args: Args) => Result
    : never;
};

/**
 * Binds a capability's operations to the database it owns tables in, so that routes and commands call
 * `registry.getRegisteredModel(name)` and never hold the raw handle (they cannot write SQL or reach
 * another capability's tables by accident).
 */
export function bindDatabase<
  Operations extends Record<string, (db: MetadataDb, ...args: never[]) => unknown>,
>(holder: HoldsDatabase, operations: Operations): BoundToDatabase<Operations> {
  const db = holder.database.db;
  const bound: Record<string, unknown> = {};
  for (const [name, operation] of Object.entries(operations)) {
    bound[name] = (...args: never[]) => operation(db, ...args);
  }
  return bound as BoundToDatabase<Operations>;
}

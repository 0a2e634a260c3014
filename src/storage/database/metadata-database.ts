import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './schema.js';

export type MetadataDb = Kysely<DatabaseSchema>;

/** The metadata database: a Kysely handle plus what the platform needs to watch and close it. */
export interface MetadataDatabase {
  /** Which engine serves it: `pglite` (embedded) or `postgres`. */
  readonly backend: 'pglite' | 'postgres';
  /** Where the data lives, safe to show (no password). */
  readonly location: string;
  /** The query builder; every capability writes its SQL through it. */
  readonly db: MetadataDb;
  /** Runs a trivial query; resolves with the round-trip time in milliseconds, rejects when unreachable. */
  ping(): Promise<number>;
  /** Finishes queued queries and releases connections and files. Safe to call twice. */
  close(): Promise<void>;
}

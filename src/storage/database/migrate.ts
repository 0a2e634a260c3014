import { type MigrationInfo, type MigrationResultSet, Migrator, sql } from 'kysely';
import { describeError, MlopsError } from '../../errors/index.js';
import type { Logger } from '../../logging/index.js';
import { bindDatabase } from './bind-database.js';
import type { MetadataDatabase, MetadataDb } from './metadata-database.js';
import { MIGRATIONS } from './migrations/index.js';

export interface MigrationState {
  name: string;
  /** When it ran on this database; undefined while pending. */
  executedAt: Date | undefined;
}

function createMigrator(db: MetadataDb): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
  });
}

/**
 * Applies every pending migration, each in its own transaction, under Kysely's migration lock (safe when
 * several replicas start at once). Returns the names applied now; a failure leaves earlier ones applied.
 */
export async function migrateToLatest(db: MetadataDb, logger: Logger): Promise<string[]> {
  // Up to date, the common case at every start: one cheap query instead of the migrator's catalogue
  // introspection (several pg_catalog queries, ~0.2 s on PGlite, paid by every `mlops` command).
  if ((await currentSchemaVersion(db)) === LATEST_SCHEMA_VERSION) return [];
  const { error, results }: MigrationResultSet = await createMigrator(db).migrateToLatest();
  const applied = (results ?? [])
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName);
  for (const name of applied)
    logger.info({ action: 'MIGRATE', migration: name }, `applied migration ${name}`);
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new MlopsError(
      'MLOPS_ERR_STORAGE_UNAVAILABLE',
      `migration ${failed} failed: ${describeError(error)}`,
      {
        cause: error,
      },
    );
  }
  return applied;
}

/** Every known migration with the time it was applied, oldest first. */
export async function listMigrations(db: MetadataDb): Promise<MigrationState[]> {
  const migrations: readonly MigrationInfo[] = await createMigrator(db).getMigrations();
  return migrations.map((migration) => ({ name: migration.name, executedAt: migration.executedAt }));
}

/** The newest applied migration, or undefined on an empty database. */
export async function currentSchemaVersion(db: MetadataDb): Promise<string | undefined> {
  const exists = await sql<{
    table: string | null;
  }>`select to_regclass('schema_migrations')::text as table`.execute(db);
  if (exists.rows[0]?.table == null) return undefined;
  const newest = await sql<{
    name: string;
  }>`select name from schema_migrations order by name collate "C" desc limit 1`.execute(db);
  return newest.rows[0]?.name;
}

/** The newest migration this code knows. */
export const LATEST_SCHEMA_VERSION = Object.keys(MIGRATIONS).sort().at(-1);

/** The schema migrations of an open database, as `mlops db migrate|status` runs and lists them. */
export function schemaMigrations(database: MetadataDatabase) {
  return bindDatabase({ database }, { migrateToLatest, listMigrations });
}

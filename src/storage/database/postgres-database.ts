import { Kysely, PostgresDialect, sql } from 'kysely';
import type { PostgresDatabaseConfig } from '../../config/index.js';
import { redactUrlPassword } from '../../config/index.js';
import { ConfigError, describeError } from '../../errors/index.js';
import type { MetadataDatabase } from './metadata-database.js';
import type { DatabaseSchema } from './schema.js';

/**
 * Connects to PostgreSQL (the `pg` driver is loaded only here, on demand) and checks the connection at
 * once, so a wrong URL stops start-up with a message that names the variable it came from.
 */
export async function openPostgresDatabase(config: PostgresDatabaseConfig): Promise<MetadataDatabase> {
  const { default: pg } = await import('pg');
  // Keep 64-bit integers and numerics as JavaScript numbers, as PGlite returns them.
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
  pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize,
    connectionTimeoutMillis: config.connectTimeoutMs,
    application_name: 'movie-mlops',
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const database = new PostgresDatabase(
    new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) }),
    config,
  );
  try {
    await database.ping();
  } catch (error) {
    await database.close();
    throw new ConfigError(
      `${config.urlSource}: cannot connect to PostgreSQL at ${redactUrlPassword(config.url)}: ${describeError(error)}`,
      { field: config.urlSource, cause: error },
    );
  }
  return database;
}

class PostgresDatabase implements MetadataDatabase {
  readonly backend = 'postgres' as const;
  readonly location: string;
  private closing: Promise<void> | undefined;

  constructor(
    readonly db: Kysely<DatabaseSchema>,
    config: PostgresDatabaseConfig,
  ) {
    this.location = redactUrlPassword(config.url);
  }

  async ping(): Promise<number> {
    const startedAt = performance.now();
    await sql`select 1`.execute(this.db);
    return performance.now() - startedAt;
  }

  close(): Promise<void> {
    this.closing ??= this.db.destroy();
    return this.closing;
  }
}

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/index.js';
import { maintainPglite } from '../../src/storage/database/pglite-maintenance.js';
import {
  currentSchemaVersion,
  LATEST_SCHEMA_VERSION,
  type MetadataDatabase,
  migrateToLatest,
  openDatabase,
} from '../../src/storage/index.js';
import {
  createPostgresDatabase,
  createTestHome,
  postgresDatabaseConfig,
  serviceValue,
} from '../helpers/services.js';
import { runDatabaseContract } from './database.contract.js';

const quiet = createLogger({ level: 'silent', format: 'json' });

async function plannerRows(database: MetadataDatabase, table: string): Promise<number> {
  const { rows } = await sql<{ rows: number }>`
    select reltuples::float8 as rows from pg_class where relname = ${table}`.execute(database.db);
  return rows[0]?.rows ?? Number.NaN;
}

async function deadRows(database: MetadataDatabase, table: string): Promise<number> {
  const { rows } = await sql<{ dead: number }>`
    select n_dead_tup::float8 as dead from pg_stat_user_tables where relname = ${table}`.execute(database.db);
  return rows[0]?.dead ?? Number.NaN;
}

/** PostgreSQL publishes a session's table counters at most once a second, when idle. */
async function settleStatistics(database: MetadataDatabase): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await sql`select 1`.execute(database.db);
}

let pgliteHome = '';
runDatabaseContract('pglite', {
  async openEmpty() {
    pgliteHome = mkdtempSync(path.join(tmpdir(), 'mlops-db-'));
    return openDatabase({ type: 'pglite', dataDir: path.join(pgliteHome, 'db'), autoMigrate: true }, quiet);
  },
  async dispose() {
    rmSync(pgliteHome, { recursive: true, force: true });
  },
});

let dropPostgres: (() => Promise<void>) | undefined;
runDatabaseContract('postgres', {
  async openEmpty() {
    const created = await createPostgresDatabase();
    dropPostgres = created.drop;
    return openDatabase(postgresConfig(created.url), quiet);
  },
  async dispose() {
    await dropPostgres?.();
  },
});

const postgresConfig = (url: string) => postgresDatabaseConfig(url);

describe('embedded database (pglite) specifics', () => {
  it('keeps data across close and reopen', async () => {
    const { home, remove } = createTestHome();
    const config = { type: 'pglite' as const, dataDir: path.join(home, 'db'), autoMigrate: true };
    const first = await openDatabase(config, quiet);
    await first.db.insertInto('platform_meta').values({ key: 'persisted', value: '"yes"' }).execute();
    await first.close();
    const second = await openDatabase(config, quiet);
    const row = await second.db
      .selectFrom('platform_meta')
      .select('value')
      .where('key', '=', 'persisted')
      .executeTakeFirst();
    expect(row?.value).toBe('yes');
    await second.close();
    remove();
  });

  it('refuses a second opener while the first holds the folder, naming MLOPS_HOME', async () => {
    const { home, remove } = createTestHome();
    const config = { type: 'pglite' as const, dataDir: path.join(home, 'db'), autoMigrate: true };
    const first = await openDatabase(config, quiet);
    await expect(openDatabase(config, quiet)).rejects.toMatchObject({
      code: 'MLOPS_ERR_HOME_LOCKED',
      field: 'MLOPS_HOME',
    });
    await first.close();
    const again = await openDatabase(config, quiet);
    await again.close();
    remove();
  });

  it('takes over a lock left by a process that was killed', async () => {
    const { home, remove } = createTestHome();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const deadPid = child.pid ?? 0;
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    writeFileSync(path.join(home, 'db.lock'), String(deadPid));
    const database = await openDatabase(
      { type: 'pglite', dataDir: path.join(home, 'db'), autoMigrate: true },
      quiet,
    );
    expect(await currentSchemaVersion(database.db)).toBe(LATEST_SCHEMA_VERSION);
    await database.close();
    remove();
  });

  it('deletes an abandoned half-created database folder and creates a fresh one', async () => {
    const { home, remove } = createTestHome({ withDatabase: false });
    mkdirSync(path.join(home, 'db.init-999999'), { recursive: true });
    writeFileSync(path.join(home, 'db.init-999999', 'partial'), 'half written');
    const database = await openDatabase(
      { type: 'pglite', dataDir: path.join(home, 'db'), autoMigrate: true },
      quiet,
    );
    expect(existsSync(path.join(home, 'db.init-999999'))).toBe(false);
    expect(existsSync(path.join(home, 'db', 'PG_VERSION'))).toBe(true);
    await database.close();
    remove();
  });

  it('measures its tables and reclaims updated rows itself, as autovacuum would (PGlite has none)', async () => {
    const { home, remove } = createTestHome();
    const database = await openDatabase(
      { type: 'pglite', dataDir: path.join(home, 'db'), autoMigrate: true },
      quiet,
    );
    const { db } = database;
    await sql`create table upkeep_probe (id integer primary key, score float8 not null)`.execute(db);
    await sql`insert into upkeep_probe select g, g from generate_series(1, 5000) g`.execute(db);
    // The planner knows nothing of a table never analyzed; PGlite never analyzes one by itself.
    expect(await plannerRows(database, 'upkeep_probe')).toBe(-1);
    await settleStatistics(database);
    const first = await maintainPglite(db);
    expect(first).toContainEqual(expect.objectContaining({ table: 'upkeep_probe' }));
    expect(await plannerRows(database, 'upkeep_probe')).toBe(5000);

    // Nothing changed since: nothing to do.
    await settleStatistics(database);
    expect((await maintainPglite(db)).map((upkeep) => upkeep.table)).not.toContain('upkeep_probe');

    // Every row updated once: the old versions are dead rows until a vacuum reclaims them.
    await sql`update upkeep_probe set score = score + 1`.execute(db);
    await settleStatistics(database);
    expect(await deadRows(database, 'upkeep_probe')).toBe(5000);
    expect(await maintainPglite(db)).toContainEqual(
      expect.objectContaining({ table: 'upkeep_probe', action: 'vacuum' }),
    );
    await settleStatistics(database);
    expect(await deadRows(database, 'upkeep_probe')).toBe(0);
    await database.close();
    remove();
  });

  it('runs that upkeep in the background when the configuration asks, and stops it at close', async () => {
    const { home, remove } = createTestHome();
    const config = {
      type: 'pglite' as const,
      dataDir: path.join(home, 'db'),
      autoMigrate: true,
      maintenanceIntervalMs: 200,
    };
    const database = await openDatabase(config, quiet);
    await sql`create table upkeep_probe (id integer primary key)`.execute(database.db);
    await sql`insert into upkeep_probe select g from generate_series(1, 3000) g`.execute(database.db);
    const deadline = Date.now() + 15_000;
    while ((await plannerRows(database, 'upkeep_probe')) !== 3000 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await plannerRows(database, 'upkeep_probe')).toBe(3000);
    await database.close();
    // Closed cleanly with the timer stopped: the folder opens again at once.
    const again = await openDatabase(config, quiet);
    expect(await plannerRows(again, 'upkeep_probe')).toBe(3000);
    await again.close();
    remove();
  });

  it('refuses a folder that is not a database instead of overwriting it', async () => {
    const { home, remove } = createTestHome({ withDatabase: false });
    mkdirSync(path.join(home, 'db'));
    writeFileSync(path.join(home, 'db', 'notes.txt'), 'precious');
    await expect(
      openDatabase({ type: 'pglite', dataDir: path.join(home, 'db'), autoMigrate: true }, quiet),
    ).rejects.toMatchObject({ code: 'MLOPS_ERR_STORAGE_CORRUPT' });
    expect(existsSync(path.join(home, 'db', 'notes.txt'))).toBe(true);
    remove();
  });
});

describe('postgres specifics', () => {
  it('applies migrations once when two replicas migrate at the same moment', async () => {
    const created = await createPostgresDatabase();
    const replicas: MetadataDatabase[] = await Promise.all([
      openDatabase(postgresConfig(created.url), quiet),
      openDatabase(postgresConfig(created.url), quiet),
    ]);
    const results = await Promise.all(replicas.map((replica) => migrateToLatest(replica.db, quiet)));
    expect(results.flat().filter((name) => name === LATEST_SCHEMA_VERSION)).toHaveLength(1);
    for (const replica of replicas) await replica.close();
    await created.drop();
  });

  it('names the variable and hides the password when the server refuses connections', async () => {
    const url = 'postgres://mlops:supersecret@127.0.0.1:9/mlops';
    const failure = openDatabase(postgresConfig(url), quiet);
    await expect(failure).rejects.toMatchObject({
      code: 'MLOPS_ERR_CONFIG_INVALID',
      field: 'MLOPS_DATABASE_URL',
    });
    await expect(failure).rejects.toThrow(
      /cannot connect to PostgreSQL at postgres:\/\/mlops:\*\*\*@127\.0\.0\.1:9\/mlops/,
    );
    await expect(failure).rejects.not.toThrow(/supersecret/);
  });

  it('reports a missing database by name', async () => {
    const good = new URL(serviceValue('MLOPS_TEST_POSTGRES_URL'));
    const wrongDatabase = new URL(good);
    wrongDatabase.pathname = '/no_such_database';
    await expect(openDatabase(postgresConfig(wrongDatabase.toString()), quiet)).rejects.toThrow(
      /MLOPS_DATABASE_URL: cannot connect.*no_such_database.*does not exist/,
    );
  });
});

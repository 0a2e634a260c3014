import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/index.js';
import {
  currentSchemaVersion,
  LATEST_SCHEMA_VERSION,
  listMigrations,
  type MetadataDatabase,
  migrateToLatest,
} from '../../src/storage/index.js';

export interface DatabaseHarness {
  /** A database with no tables yet. */
  openEmpty(): Promise<MetadataDatabase>;
  dispose?(): Promise<void>;
}

const quiet = createLogger({ level: 'silent', format: 'json' });

/** The behaviour the metadata database must show on every backend. */
export function runDatabaseContract(backend: string, harness: DatabaseHarness): void {
  describe(`metadata database contract: ${backend}`, () => {
    let database: MetadataDatabase;

    beforeAll(async () => {
      database = await harness.openEmpty();
    });
    afterAll(async () => {
      await database?.close();
      await harness.dispose?.();
    });

    it('starts empty, migrates to the latest schema, and a second migrate does nothing', async () => {
      expect(await currentSchemaVersion(database.db)).toBeUndefined();
      const applied = await migrateToLatest(database.db, quiet);
      expect(applied.at(-1)).toBe(LATEST_SCHEMA_VERSION);
      expect(await migrateToLatest(database.db, quiet)).toEqual([]);
      const migrations = await listMigrations(database.db);
      expect(migrations.every((migration) => migration.executedAt instanceof Date)).toBe(true);
      expect(await currentSchemaVersion(database.db)).toBe(LATEST_SCHEMA_VERSION);
    });

    it('records an instance id and creation time on first migration', async () => {
      const rows = await database.db.selectFrom('platform_meta').selectAll().orderBy('key').execute();
      const byKey = Object.fromEntries(rows.map((row) => [row.key, row.value]));
      expect(byKey.instance_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Date(String(byKey.created_at)).getTime()).toBeGreaterThan(Date.now() - 3_600_000);
      expect(rows[0]?.updated_at).toBeInstanceOf(Date);
    });

    it('round-trips JSON values and returns counts as numbers', async () => {
      const value = { nested: { list: [1, 2.5, 'three', null], flag: true }, text: '한국어' };
      await database.db
        .insertInto('platform_meta')
        .values({ key: 'contract_json', value: JSON.stringify(value) })
        .execute();
      const row = await database.db
        .selectFrom('platform_meta')
        .select('value')
        .where('key', '=', 'contract_json')
        .executeTakeFirstOrThrow();
      expect(row.value).toEqual(value);
      const { count } = await database.db
        .selectFrom('platform_meta')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      expect(typeof count).toBe('number');
      expect(count).toBeGreaterThanOrEqual(3);
    });

    it('rolls a failed transaction back completely', async () => {
      await expect(
        database.db.transaction().execute(async (trx) => {
          await trx.insertInto('platform_meta').values({ key: 'contract_rollback', value: '1' }).execute();
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      const row = await database.db
        .selectFrom('platform_meta')
        .select('key')
        .where('key', '=', 'contract_rollback')
        .executeTakeFirst();
      expect(row).toBeUndefined();
    });

    it('rejects a duplicate primary key and keeps the stored row', async () => {
      await database.db
        .insertInto('platform_meta')
        .values({ key: 'contract_unique', value: '"first"' })
        .execute();
      await expect(
        database.db
          .insertInto('platform_meta')
          .values({ key: 'contract_unique', value: '"second"' })
          .execute(),
      ).rejects.toThrow(/duplicate key/);
      const row = await database.db
        .selectFrom('platform_meta')
        .select('value')
        .where('key', '=', 'contract_unique')
        .executeTakeFirstOrThrow();
      expect(row.value).toBe('first');
    });

    it('answers a ping with a latency', async () => {
      expect(await database.ping()).toBeGreaterThanOrEqual(0);
      const { rows } = await sql<{ now: Date }>`select now() as now`.execute(database.db);
      expect(rows[0]?.now).toBeInstanceOf(Date);
    });
  });
}

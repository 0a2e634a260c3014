import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { EmbeddedOnlineStore } from '../../src/features/index.js';
import { RedisOnlineStore } from '../../src/features/online/redis-online-store.js';
import { createLogger } from '../../src/logging/index.js';
import { type MetadataDatabase, migrateToLatest, openDatabase } from '../../src/storage/index.js';
import { createPostgresDatabase, postgresDatabaseConfig, serviceValue } from '../helpers/services.js';
import { runOnlineStoreContract } from './online-store.contract.js';

const quiet = createLogger({ level: 'silent', format: 'json' });

let pglite: { database: MetadataDatabase; home: string } | undefined;
runOnlineStoreContract('embedded on PGlite', {
  async open() {
    const home = mkdtempSync(path.join(tmpdir(), 'mlops-online-'));
    const database = await openDatabase(
      { type: 'pglite', dataDir: path.join(home, 'db'), autoMigrate: true },
      quiet,
    );
    await migrateToLatest(database.db, quiet);
    pglite = { database, home };
    return EmbeddedOnlineStore.open(database.db, { syncIntervalMs: 50 });
  },
  // The same database, as a second store of the same process would see it.
  openAnother: async () =>
    EmbeddedOnlineStore.open((pglite as { database: MetadataDatabase }).database.db, { syncIntervalMs: 50 }),
  async dispose() {
    await pglite?.database.close();
    if (pglite) rmSync(pglite.home, { recursive: true, force: true });
  },
});

let postgres: { databases: MetadataDatabase[]; url: string; drop: () => Promise<void> } | undefined;
const postgresConfig = (url: string) => postgresDatabaseConfig(url);
runOnlineStoreContract('embedded on PostgreSQL', {
  async open() {
    const created = await createPostgresDatabase();
    const database = await openDatabase(postgresConfig(created.url), quiet);
    await migrateToLatest(database.db, quiet);
    postgres = { databases: [database], url: created.url, drop: created.drop };
    return EmbeddedOnlineStore.open(database.db, { syncIntervalMs: 50 });
  },
  // Another process: its own connection pool, catching up with what the first wrote.
  async openAnother() {
    const database = await openDatabase(postgresConfig(postgres?.url ?? ''), quiet);
    postgres?.databases.push(database);
    return EmbeddedOnlineStore.open(database.db, { syncIntervalMs: 50 });
  },
  async dispose() {
    for (const database of postgres?.databases ?? []) await database.close();
    await postgres?.drop();
  },
});

const redisPrefix = `contract-${process.pid}-${Date.now()}:`;
runOnlineStoreContract('Redis', {
  open: () => RedisOnlineStore.open(serviceValue('MLOPS_TEST_REDIS_URL'), { keyPrefix: redisPrefix }),
  openAnother: () => RedisOnlineStore.open(serviceValue('MLOPS_TEST_REDIS_URL'), { keyPrefix: redisPrefix }),
  // Leave nothing in the shared test Redis.
  async dispose() {
    const store = await RedisOnlineStore.open(serviceValue('MLOPS_TEST_REDIS_URL'), {
      keyPrefix: redisPrefix,
    });
    for (const view of ['movie_view', 'user_view', 'other_view', 'bulk_view', 'shared_view'])
      await store.deleteView(view);
    await store.close();
  },
});

describe('embedded online store on PostgreSQL with several writing processes', () => {
  it('never skips a batch that commits after a later one was read', async () => {
    const created = await createPostgresDatabase();
    const databases = await Promise.all(
      [0, 1, 2].map(() => openDatabase(postgresConfig(created.url), quiet)),
    );
    const [writerDb, readerDb, slowDb] = databases as [MetadataDatabase, MetadataDatabase, MetadataDatabase];
    await migrateToLatest(writerDb.db, quiet);
    const writer = await EmbeddedOnlineStore.open(writerDb.db, { syncIntervalMs: 0 });
    const reader = await EmbeddedOnlineStore.open(readerDb.db, { syncIntervalMs: 0 });
    try {
      // A third process's batch, mid-transaction: it holds the writers' lock and has taken its seq.
      let commit = () => {};
      const committing = new Promise<void>((resolve) => {
        commit = resolve;
      });
      let holding = () => {};
      const held = new Promise<void>((resolve) => {
        holding = resolve;
      });
      const slow = slowDb.db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext('mlops.online_features.writer'))`.execute(trx);
        await trx
          .insertInto('online_features')
          .values({
            feature_view: 'race',
            entity_key: 'early',
            feature_values: JSON.stringify({ n: 1 }),
            event_timestamp: new Date(1_700_000_000_000),
          })
          .execute();
        holding();
        await committing;
      });
      await held;
      const later = writer.write('race', [
        { entityKey: 'late', values: { n: 2 }, eventTimestamp: 1_700_000_000_000 },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await reader.catchUp(); // the later batch must not be visible yet, or the early one would be skipped
      commit();
      await slow;
      await later;
      await reader.catchUp();
      const hits = await reader.read('race', ['early', 'late'], ['n']);
      expect(hits.map((hit) => hit?.values)).toEqual([[1], [2]]);
    } finally {
      await writer.close();
      await reader.close();
      for (const database of databases) await database.close();
      await created.drop();
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { PgliteDatabaseConfig } from '../../config/index.js';
import { describeError, MlopsError } from '../../errors/index.js';
import type { Logger } from '../../logging/index.js';
import { FileLock, isProcessAlive } from './file-lock.js';
import type { MetadataDatabase } from './metadata-database.js';
import { PgliteMaintenance } from './pglite-maintenance.js';
import { createEmptyDataDir } from './pglite-template.js';
import type { DatabaseSchema } from './schema.js';

const INIT_SUFFIX = '.init-';

/**
 * Opens (creating on first use) the embedded Postgres in `config.dataDir`. A new database is built in a
 * side folder and renamed into place only once complete, so a process killed during creation leaves
 * nothing half-made. A lock file keeps a second process from opening the same folder.
 */
export async function openPgliteDatabase(
  config: PgliteDatabaseConfig,
  logger: Logger,
): Promise<MetadataDatabase> {
  const dataDir = config.dataDir;
  await mkdir(path.dirname(dataDir), { recursive: true });
  const lock = FileLock.acquire(`${dataDir}.lock`, `the embedded database ${dataDir}`);
  try {
    await removeAbandonedInitFolders(dataDir);
    if (!existsSync(dataDir)) await createDataDir(dataDir, logger);
    else if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      throw new MlopsError(
        'MLOPS_ERR_STORAGE_CORRUPT',
        `${dataDir} exists but is not a database folder; move it aside or set MLOPS_HOME to another folder`,
        { field: 'MLOPS_HOME' },
      );
    }
    const pglite = await openExisting(dataDir);
    return new PgliteDatabase(pglite, dataDir, lock, config.maintenanceIntervalMs ?? 0, logger);
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function createDataDir(dataDir: string, logger: Logger): Promise<void> {
  const startedAt = Date.now();
  logger.info(
    { action: 'CREATE_DATABASE', data_dir: dataDir },
    'creating the embedded database (first start)',
  );
  const initDir = `${dataDir}${INIT_SUFFIX}${process.pid}`;
  await rm(initDir, { recursive: true, force: true });
  const source = await createEmptyDataDir(initDir);
  await rename(initDir, dataDir);
  logger.info(
    { action: 'CREATE_DATABASE', duration_ms: Date.now() - startedAt, source },
    `embedded database created (${source === 'template' ? 'from the build template' : 'initdb'})`,
  );
}

async function openExisting(dataDir: string): Promise<PGlite> {
  try {
    const pglite = new PGlite(dataDir);
    await pglite.waitReady;
    return pglite;
  } catch (error) {
    throw new MlopsError(
      'MLOPS_ERR_STORAGE_CORRUPT',
      `the embedded database in ${dataDir} cannot be opened (${describeError(error)}); restore it from a backup or move it aside`,
      { field: 'MLOPS_HOME', cause: error },
    );
  }
}

/** Side folders of creations that were killed midway: never complete, so safe to delete. */
async function removeAbandonedInitFolders(dataDir: string): Promise<void> {
  const parent = path.dirname(dataDir);
  const prefix = `${path.basename(dataDir)}${INIT_SUFFIX}`;
  for (const entry of await readdir(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length));
    if (!Number.isSafeInteger(pid) || !isProcessAlive(pid) || pid === process.pid) {
      await rm(path.join(parent, entry), { recursive: true, force: true });
    }
  }
}

class PgliteDatabase implements MetadataDatabase {
  readonly backend = 'pglite' as const;
  readonly db: Kysely<DatabaseSchema>;
  private closing: Promise<void> | undefined;
  private readonly maintenance: PgliteMaintenance | undefined;

  constructor(
    pglite: PGlite,
    readonly location: string,
    private readonly lock: FileLock,
    maintenanceIntervalMs: number,
    logger: Logger,
  ) {
    this.db = new Kysely<DatabaseSchema>({ dialect: new PGliteDialect(pglite) });
    if (maintenanceIntervalMs > 0)
      this.maintenance = new PgliteMaintenance(
        this.db,
        maintenanceIntervalMs,
        logger.child({ component: 'DATABASE', logger: 'mlops.database' }),
      );
  }

  async ping(): Promise<number> {
    const startedAt = performance.now();
    await sql`select 1`.execute(this.db);
    return performance.now() - startedAt;
  }

  close(): Promise<void> {
    // Destroying the Kysely driver also closes PGlite, which flushes it to disk.
    this.closing ??= (async () => {
      await this.maintenance?.stop();
      await this.db.destroy();
    })().finally(() => this.lock.release());
    return this.closing;
  }
}

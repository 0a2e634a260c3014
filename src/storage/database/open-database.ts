import type { DatabaseConfig } from '../../config/index.js';
import type { Logger } from '../../logging/index.js';
import type { MetadataDatabase } from './metadata-database.js';
import { openPgliteDatabase } from './pglite-database.js';
import { openPostgresDatabase } from './postgres-database.js';

/** Opens the metadata database the configuration names. Does not migrate: see `migrateToLatest`. */
export function openDatabase(config: DatabaseConfig, logger: Logger): Promise<MetadataDatabase> {
  switch (config.type) {
    case 'pglite':
      return openPgliteDatabase(config, logger);
    case 'postgres':
      return openPostgresDatabase(config);
  }
}

import type { FeaturesConfig } from '../../config/index.js';
import type { MetadataDb } from '../../storage/index.js';
import { EmbeddedOnlineStore } from './embedded-online-store.js';
import type { OnlineStore } from './online-store.js';
import { RedisOnlineStore } from './redis-online-store.js';

/** The online store the configuration names (MLOPS_ONLINE_STORE). */
export async function openOnlineStore(config: FeaturesConfig, db: MetadataDb): Promise<OnlineStore> {
  if (config.onlineStore === 'redis')
    return RedisOnlineStore.open(config.redisUrl, { keyPrefix: config.redisKeyPrefix });
  return EmbeddedOnlineStore.open(db);
}

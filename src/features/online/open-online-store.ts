import type { FeaturesConfig } from '../../config/index.js';
import type { MetadataDb } from '../../storage/index.js';
import { EmbeddedOnlineStore } from './embedded-online-store.js';
import type { OnlineStore } from './online-store.js';

/** The online store the configuration names (MLOPS_ONLINE_STORE); the Redis client loads only for Redis. */
export async function openOnlineStore(config: FeaturesConfig, db: MetadataDb): Promise<OnlineStore> {
  if (config.onlineStore === 'redis') {
    const { RedisOnlineStore } = await import('./redis-online-store.js');
    return RedisOnlineStore.open(config.redisUrl, { keyPrefix: config.redisKeyPrefix });
  }
  return EmbeddedOnlineStore.open(db);
}

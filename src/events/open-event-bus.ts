import type { EventsConfig } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import type { PlatformMetrics } from '../monitoring/index.js';
import type { MetadataDatabase } from '../storage/index.js';
import { EmbeddedEventBus } from './embedded-event-bus.js';
import type { EventBus } from './event-bus.js';
import { KafkaEventBus } from './kafka-event-bus.js';
import { RedisEventBus } from './redis-event-bus.js';

/** Opens the bus the configuration names (MLOPS_EVENT_BUS); Kafka topics are created here. */
export async function openEventBus(
  config: EventsConfig,
  context: { database: MetadataDatabase; logger: Logger; metrics?: PlatformMetrics },
): Promise<EventBus> {
  const logger = context.logger.child({ component: 'EVENTS' });
  switch (config.bus) {
    case 'kafka':
      return KafkaEventBus.open({
        brokers: config.kafkaBrokers,
        db: context.database.db,
        logger,
        metrics: context.metrics,
        topicPrefix: config.topicPrefix,
        partitions: config.partitions,
      });
    case 'redis':
      return RedisEventBus.open({
        url: config.redisUrl,
        db: context.database.db,
        logger,
        metrics: context.metrics,
        topicPrefix: config.topicPrefix,
      });
    default:
      return new EmbeddedEventBus({
        database: context.database,
        logger,
        metrics: context.metrics,
        retentionMs: config.retentionMs,
      });
  }
}

import type { EventsConfig } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import type { PlatformMetrics } from '../monitoring/index.js';
import type { MetadataDatabase } from '../storage/index.js';
import { EmbeddedEventBus } from './embedded-event-bus.js';
import type { EventBus } from './event-bus.js';

/**
 * Opens the bus the configuration names (MLOPS_EVENT_BUS); Kafka topics are created here. The Kafka and
 * Redis clients load only when configured: the embedded default never pays for them at start-up.
 */
export async function openEventBus(
  config: EventsConfig,
  context: { database: MetadataDatabase; logger: Logger; metrics?: PlatformMetrics },
): Promise<EventBus> {
  const logger = context.logger.child({ component: 'EVENTS' });
  switch (config.bus) {
    case 'kafka': {
      const { KafkaEventBus } = await import('./kafka-event-bus.js');
      return KafkaEventBus.open({
        brokers: config.kafkaBrokers,
        db: context.database.db,
        logger,
        metrics: context.metrics,
        topicPrefix: config.topicPrefix,
        partitions: config.partitions,
      });
    }
    case 'redis': {
      const { RedisEventBus } = await import('./redis-event-bus.js');
      return RedisEventBus.open({
        url: config.redisUrl,
        db: context.database.db,
        logger,
        metrics: context.metrics,
        topicPrefix: config.topicPrefix,
      });
    }
    default:
      return new EmbeddedEventBus({
        database: context.database,
        logger,
        metrics: context.metrics,
        retentionMs: config.retentionMs,
      });
  }
}

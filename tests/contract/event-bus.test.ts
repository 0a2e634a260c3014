import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { EmbeddedEventBus, type EventBus, openEventBus } from '../../src/events/index.js';
// Each backend by its own file: the capability's index loads only what the configuration names.
import { KafkaEventBus } from '../../src/events/kafka-event-bus.js';
import { RedisEventBus } from '../../src/events/redis-event-bus.js';
import { createLogger } from '../../src/logging/index.js';
import type { Platform } from '../../src/platform/index.js';
import { type Backend, openBackend, openTestPlatform } from '../helpers/platform.js';
import { serviceValue } from '../helpers/services.js';
import { runEventBusContract } from './event-bus.contract.js';

const quiet = createLogger({ level: 'silent', format: 'json' });
const prefix = () => `t${randomUUID().slice(0, 8)}.`;

/** A platform on `backend` with a bus made by `make`; both closed by the fixture's dispose. */
function fixture(backend: Backend, make: (platform: Platform) => Promise<EventBus>) {
  return async () => {
    const { platform, dispose } = await openBackend(backend);
    const bus = await make(platform);
    return {
      bus,
      platform,
      async dispose() {
        await bus.close();
        await dispose();
      },
    };
  };
}

const embedded = async (platform: Platform) =>
  new EmbeddedEventBus({ database: platform.database, logger: quiet, metrics: platform.metrics });

runEventBusContract('embedded log on PGlite', fixture('PGlite + local folder', embedded));
runEventBusContract('embedded log on PostgreSQL', fixture('PostgreSQL + S3 (s3proxy)', embedded));
runEventBusContract(
  'Redis Streams',
  fixture('PGlite + local folder', (platform) =>
    RedisEventBus.open({
      url: serviceValue('MLOPS_TEST_REDIS_URL'),
      db: platform.database.db,
      logger: quiet,
      metrics: platform.metrics,
      topicPrefix: prefix(),
    }),
  ),
);
runEventBusContract(
  'Kafka',
  fixture('PGlite + local folder', (platform) =>
    KafkaEventBus.open({
      brokers: [serviceValue('MLOPS_TEST_KAFKA_BROKERS')],
      db: platform.database.db,
      logger: quiet,
      metrics: platform.metrics,
      topicPrefix: prefix(),
      partitions: 3,
    }),
  ),
);

describe('opening the event bus', () => {
  it('opens the configured backend, and names the setting when the broker is unreachable', async () => {
    const test = await openTestPlatform();
    try {
      expect((await test.platform.events()).backend).toBe('embedded');
      const database = test.platform.database;
      const kafka = loadConfig({ env: { MLOPS_EVENT_BUS: 'kafka', KAFKA_BROKERS: '127.0.0.1:1' } }).events;
      await expect(openEventBus(kafka, { database, logger: quiet })).rejects.toMatchObject({
        code: 'MLOPS_ERR_EVENT_BUS_UNAVAILABLE',
        field: 'KAFKA_BROKERS',
      });
      const redis = loadConfig({
        env: { MLOPS_EVENT_BUS: 'redis', REDIS_URL: 'redis://:hunter2@127.0.0.1:1/0' },
      }).events;
      const failure = await openEventBus(redis, { database, logger: quiet }).catch((error: Error) => error);
      expect(failure).toMatchObject({ code: 'MLOPS_ERR_EVENT_BUS_UNAVAILABLE', field: 'REDIS_URL' });
      expect(String((failure as Error).message)).not.toContain('hunter2');
      expect(() => loadConfig({ env: { MLOPS_EVENT_BUS: 'kafka' } })).toThrow(/KAFKA_BROKERS/);
      expect(() => loadConfig({ env: { MLOPS_EVENT_BUS: 'kafka', KAFKA_BROKERS: 'no port' } })).toThrow(
        /KAFKA_BROKERS/,
      );
    } finally {
      await test.dispose();
    }
  });
});

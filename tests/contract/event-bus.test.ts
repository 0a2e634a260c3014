import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { EmbeddedEventBus, KafkaEventBus, openEventBus, RedisEventBus } from '../../src/events/index.js';
import { createLogger } from '../../src/logging/index.js';
import { openBackend, openTestPlatform } from '../helpers/platform.js';
import { serviceValue } from '../helpers/services.js';
import { runEventBusContract } from './event-bus.contract.js';

const quiet = createLogger({ level: 'silent', format: 'json' });
const prefix = () => `t${randomUUID().slice(0, 8)}.`;

runEventBusContract('embedded log on PGlite', async () => {
  const { platform, dispose } = await openBackend('PGlite + local folder');
  const bus = new EmbeddedEventBus({ database: platform.database, logger: quiet, metrics: platform.metrics });
  return {
    bus,
    platform,
    async dispose() {
      await bus.close();
      await dispose();
    },
  };
});

runEventBusContract('embedded log on PostgreSQL', async () => {
  const { platform, dispose } = await openBackend('PostgreSQL + S3 (s3proxy)');
  const bus = new EmbeddedEventBus({ database: platform.database, logger: quiet, metrics: platform.metrics });
  return {
    bus,
    platform,
    async dispose() {
      await bus.close();
      await dispose();
    },
  };
});

runEventBusContract('Redis Streams', async () => {
  const { platform, dispose } = await openBackend('PGlite + local folder');
  const bus = await RedisEventBus.open({
    url: serviceValue('MLOPS_TEST_REDIS_URL'),
    db: platform.database.db,
    logger: quiet,
    metrics: platform.metrics,
    topicPrefix: prefix(),
  });
  return {
    bus,
    platform,
    async dispose() {
      await bus.close();
      await dispose();
    },
  };
});

runEventBusContract('Kafka', async () => {
  const { platform, dispose } = await openBackend('PGlite + local folder');
  const bus = await KafkaEventBus.open({
    brokers: [serviceValue('MLOPS_TEST_KAFKA_BROKERS')],
    db: platform.database.db,
    logger: quiet,
    metrics: platform.metrics,
    topicPrefix: prefix(),
    partitions: 3,
  });
  return {
    bus,
    platform,
    async dispose() {
      await bus.close();
      await dispose();
    },
  };
});

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

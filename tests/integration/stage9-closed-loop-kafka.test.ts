import { randomUUID } from 'node:crypto';
import { describe, it } from 'vitest';
import { runClosedLoop } from '../helpers/closed-loop.js';
import { serviceValue } from '../helpers/services.js';

describe('the closed loop on Kafka', () => {
  it('drift in new interactions → alert event → retrain → v2 promoted → serving answers from v2, no request failing', async () => {
    await runClosedLoop({
      MLOPS_EVENT_BUS: 'kafka',
      KAFKA_BROKERS: serviceValue('MLOPS_TEST_KAFKA_BROKERS'),
      MLOPS_EVENT_TOPIC_PREFIX: `loop${randomUUID().slice(0, 8)}.`,
    });
  }, 300_000);
});

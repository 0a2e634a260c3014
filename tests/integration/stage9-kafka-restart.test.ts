import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaEventBus } from '../../src/events/kafka-event-bus.js';
import { createLogger } from '../../src/logging/index.js';
import { openBackend } from '../helpers/platform.js';

const REPO = path.resolve(import.meta.dirname, '../..');
// A broker of this test's own (state folder and ports), so restarting it disturbs no other suite.
const state = mkdtempSync(path.join(tmpdir(), 'mlops-kafka-restart-'));
const PORT = '59192';
const env = {
  ...process.env,
  MLOPS_SERVICES_DIR: state,
  MLOPS_TEST_KAFKA_PORT: PORT,
  MLOPS_TEST_KAFKA_CONTROLLER_PORT: '59193',
};
const services = (...args: string[]) =>
  execFileSync('bash', [path.join(REPO, 'scripts/run_local_services.sh'), ...args], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 240_000,
  });

beforeAll(() => {
  // The jars the shared broker already fetched, so this one starts without Maven.
  const lib = path.join(process.env.MLOPS_SERVICES_DIR ?? path.join(REPO, '.services'), 'kafka/lib');
  if (existsSync(lib)) cpSync(lib, path.join(state, 'kafka/lib'), { recursive: true });
  services('up', 'kafka');
}, 300_000);

afterAll(() => {
  try {
    services('down', 'kafka');
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});

describe('Kafka bus across a broker restart', () => {
  it('loses no event and handles none twice when the broker restarts in the middle of consumption', async () => {
    const { platform, dispose } = await openBackend('PGlite + local folder');
    const bus = await KafkaEventBus.open({
      brokers: [`127.0.0.1:${PORT}`],
      db: platform.database.db,
      logger: createLogger({ level: 'debug', format: 'json' }),
      metrics: platform.metrics,
      topicPrefix: 'restart.',
    });
    try {
      const handled: number[] = [];
      const subscription = await bus.subscribe({
        group: 'restart-test',
        topics: ['user-events'],
        handler: async (event) => {
          await new Promise((resolve) => setTimeout(resolve, 25)); // slow enough to be mid-stream
          handled.push(Number(event.data.movie_id));
        },
      });
      const publish = async (movieId: number) => {
        const deadline = Date.now() + 60_000;
        for (;;) {
          try {
            return await bus.publish('user-events', {
              type: 'user.interaction',
              data: { user_id: movieId % 7, movie_id: movieId, interaction_type: 'watch' },
            });
          } catch (error) {
            if (Date.now() > deadline) throw error;
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        }
      };
      for (let movie = 0; movie < 60; movie += 1) await publish(movie);
      const waitFor = async (count: number) => {
        const deadline = Date.now() + 120_000;
        while (new Set(handled).size < count) {
          if (Date.now() > deadline) throw new Error(`handled ${new Set(handled).size} of ${count}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      await waitFor(5);
      services('down', 'kafka');
      const handledWhileDown = new Set(handled).size;
      services('up', 'kafka');
      for (let movie = 60; movie < 100; movie += 1) await publish(movie);
      await waitFor(100);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await subscription.stop();
      expect(handledWhileDown).toBeLessThan(100);
      expect([...new Set(handled)].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 100 }, (_, index) => index),
      );
      expect(handled).toHaveLength(100);
    } finally {
      await bus.close();
      await dispose();
    }
  }, 300_000);
});

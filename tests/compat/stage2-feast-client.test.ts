import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFeatures, FeatureStore } from '../../src/features/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { contextOf, openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';
import { serviceValue } from '../helpers/services.js';

const run = promisify(execFile);

// The pinned feast SDK (scripts/setup_feast_python.sh) with `online_store: type: remote` pointed at our
// server — it reads through POST /get-online-features and writes through POST /write-to-online-store — and
// raw HTTP shaped as Feast's feature-server docs give it (/push, /materialize, /materialize-incremental).
describe.each(['embedded', 'redis'] as const)(
  'the feast SDK against our server (%s online store)',
  (backend) => {
    let test: TestPlatform;
    let store: FeatureStore;
    let server: RunningServer;

    beforeAll(async () => {
      test = await openTestPlatform(
        backend === 'redis'
          ? {
              MLOPS_ONLINE_STORE: 'redis',
              REDIS_URL: serviceValue('MLOPS_TEST_REDIS_URL'),
              MLOPS_REDIS_KEY_PREFIX: `test:feast-client:${process.pid}:${Date.now()}:`,
            }
          : {},
      );
      await publishSynthetic(test.platform, {
        users: 50,
        movies: 60,
        interactions: 2000,
        seed: 3,
        days: 20,
        endDate: new Date().toISOString().slice(0, 10),
      });
      store = await FeatureStore.open({ ...contextOf(test.platform), config: test.config.features });
      await bootstrapFeatures(store, { ...contextOf(test.platform), config: test.config.features });
      server = await startServer(await buildApp(test.platform, { features: store }), test.platform);
    });
    afterAll(async () => {
      for (const view of ['movie_catalogue', 'movie_activity', 'user_activity'])
        await store?.onlineStore.deleteView(view);
      await server?.shutdown('test over');
      await test?.dispose();
    });

    it('passes feast_client_remote.py unchanged', async () => {
      const python = serviceValue('MLOPS_TEST_FEAST_PYTHON');
      const result = await run(
        python,
        [path.resolve(import.meta.dirname, 'feast_client_remote.py'), server.url],
        {
          timeout: 180_000,
          env: { ...process.env, FEAST_USAGE: 'False' },
        },
      ).catch((error: { stdout?: string; stderr?: string }) => error);
      const output = `${result.stdout ?? ''}`;
      const explain = `${output}\n${result.stderr ?? ''}`;
      expect(
        output.split('\n').find((line) => line.startsWith('FAIL')),
        explain,
      ).toBeUndefined();
      expect(output.trim().split('\n').at(-1), explain).toBe('done');
      expect(
        output.split('\n').filter((line) => line.startsWith('ok ')).length,
        explain,
      ).toBeGreaterThanOrEqual(20);
    }, 240_000);
  },
);

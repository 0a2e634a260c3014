import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logging/index.js';
import { openPlatform, type Platform } from '../../src/platform/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { createPostgresDatabase, createTestHome, serviceValue } from '../helpers/services.js';

const run = promisify(execFile);

async function openOn(
  backend: 'pglite' | 'postgres',
): Promise<{ platform: Platform; dispose(): Promise<void> }> {
  const { home, remove } = createTestHome({ withDatabase: backend === 'pglite' });
  const database = backend === 'postgres' ? await createPostgresDatabase() : undefined;
  const env: Record<string, string> = {
    MLOPS_HOME: home,
    MLOPS_PORT: '0',
    ...(database ? { MLOPS_DATABASE_URL: database.url } : {}),
  };
  const platform = await openPlatform(
    loadConfig({ env, cwd: home }),
    createLogger({ level: 'warn', format: 'json' }),
  );
  return {
    platform,
    async dispose() {
      await database?.drop();
      remove();
    },
  };
}

for (const backend of ['pglite', 'postgres'] as const) {
  // pglite: embedded database and local artifacts; postgres: PostgreSQL and S3 (s3proxy).
  describe(`the official mlflow Python client against our server on ${backend}`, () => {
    let opened: { platform: Platform; dispose(): Promise<void> };
    let server: RunningServer;

    beforeAll(async () => {
      opened = await openOn(backend);
      server = await startServer(await buildApp(opened.platform), opened.platform);
    });
    afterAll(async () => {
      await server?.shutdown('test over');
      await opened?.dispose();
    });
    it('tracks experiments and runs through every tracking call, unchanged', async () => {
      const python = serviceValue('MLOPS_TEST_MLFLOW_PYTHON');
      const script = path.resolve(import.meta.dirname, 'mlflow_client_tracking.py');
      const result = await run(python, [script, server.url], {
        timeout: 120_000,
        env: { ...process.env, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' },
      }).catch((error: { stdout?: string; stderr?: string }) => error);
      const output = `${result.stdout ?? ''}`;
      const failed = output.split('\n').find((line) => line.startsWith('FAIL'));
      expect(failed, `${output}\n${result.stderr ?? ''}`).toBeUndefined();
      expect(output.trim().split('\n').at(-1), `${output}\n${result.stderr ?? ''}`).toBe('done');
      expect(output.split('\n').filter((line) => line.startsWith('ok ')).length).toBeGreaterThan(40);
    });
  });
}

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

/** The pinned client lines: the 2.x line our API reference describes, and the current 3.x. */
const CLIENTS = [
  {
    line: '2.22',
    python: 'MLOPS_TEST_MLFLOW_PYTHON',
    scripts: [
      ['mlflow_client_tracking.py', 50],
      ['mlflow_client_registry.py', 23],
    ],
  },
  {
    line: '3.x',
    python: 'MLOPS_TEST_MLFLOW3_PYTHON',
    scripts: [
      ['mlflow_client_tracking.py', 50],
      ['mlflow_client_registry.py', 23],
      // Logged models, datasets, tables, register_model("models:/<id>"), multipart uploads.
      ['mlflow3_client_models.py', 47],
    ],
  },
] as const;

for (const backend of ['pglite', 'postgres'] as const) {
  for (const client of CLIENTS) {
    // pglite: embedded database and local artifacts; postgres: PostgreSQL and S3 (s3proxy).
    describe(`the official mlflow ${client.line} Python client against our server on ${backend}`, () => {
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
      for (const [script, minimum] of client.scripts) {
        it(`passes ${script} unchanged`, async () => {
          const python = serviceValue(client.python);
          const result = await run(python, [path.resolve(import.meta.dirname, script), server.url], {
            timeout: 240_000,
            env: { ...process.env, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' },
          }).catch((error: { stdout?: string; stderr?: string }) => error);
          const output = `${result.stdout ?? ''}`;
          const explain = `${output}\n${result.stderr ?? ''}`;
          expect(
            output.split('\n').find((line) => line.startsWith('FAIL')),
            explain,
          ).toBeUndefined();
          expect(output.trim().split('\n').at(-1), explain).toBe('done');
          expect(output.split('\n').filter((line) => line.startsWith('ok ')).length).toBeGreaterThanOrEqual(
            minimum,
          );
        }, 300_000);
      }
    });
  }
}

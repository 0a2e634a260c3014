import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessExecutor, PipelineEngine } from '../../src/pipelines/index.js';
import type { Platform } from '../../src/platform/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { BACKENDS, openBackend } from '../helpers/platform.js';
import { serviceValue } from '../helpers/services.js';
import { COMPAT_PIPELINES } from './compat-pipelines.js';

const run = promisify(execFile);

const CLIENTS = [
  {
    name: 'Airflow 2 client (apache-airflow-client 2.x, /api/v1)',
    python: 'MLOPS_TEST_AIRFLOW2_PYTHON',
    script: 'airflow2_client_flow.py',
    minimum: 36,
  },
  {
    name: 'Airflow 3 client (apache-airflow-client 3.x, /api/v2)',
    python: 'MLOPS_TEST_AIRFLOW3_PYTHON',
    script: 'airflow3_client_flow.py',
    minimum: 36,
  },
] as const;

for (const backend of BACKENDS) {
  describe(`the official Airflow REST clients against our server on ${backend}`, () => {
    let opened: { platform: Platform; dispose(): Promise<void> };
    let engine: PipelineEngine;
    let server: RunningServer;

    beforeAll(async () => {
      opened = await openBackend(backend);
      engine = new PipelineEngine(opened.platform, COMPAT_PIPELINES, { logger: opened.platform.logger });
      engine.setExecutor(new InProcessExecutor(engine, 2));
      await engine.start(200, { orphanAll: true });
      const app = await buildApp(opened.platform, { pipelines: { engine, executor: 'in_process' } });
      server = await startServer(app, opened.platform);
    });
    afterAll(async () => {
      await engine?.stop();
      await server?.shutdown('test over');
      await opened?.dispose();
    });

    for (const client of CLIENTS) {
      it(`${client.name}: list and filter DAGs, tasks, trigger with conf, logs, clear, mark, delete`, async () => {
        const result = await run(
          serviceValue(client.python),
          [path.resolve(import.meta.dirname, client.script), server.url],
          { timeout: 120_000, cwd: import.meta.dirname },
        ).catch((error: { stdout?: string; stderr?: string }) => error);
        const output = `${result.stdout ?? ''}`;
        const explain = `${output}\n${result.stderr ?? ''}`;
        expect(
          output.split('\n').find((line) => line.startsWith('FAIL')),
          explain,
        ).toBeUndefined();
        expect(output.trim().split('\n').at(-1), explain).toBe('done');
        expect(output.split('\n').filter((line) => line.startsWith('ok ')).length).toBeGreaterThanOrEqual(
          client.minimum,
        );
      }, 150_000);
    }
  });
}

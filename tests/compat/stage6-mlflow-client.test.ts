import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { serviceValue } from '../helpers/services.js';

const run = promisify(execFile);

describe('the official mlflow Python client against our server', () => {
  let test: TestPlatform;
  let server: RunningServer;

  beforeAll(async () => {
    test = await openTestPlatform();
    server = await startServer(await buildApp(test.platform), test.platform);
  });
  afterAll(async () => {
    await server?.shutdown('test over');
    await test?.dispose();
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

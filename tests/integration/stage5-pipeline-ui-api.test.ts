import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  definePipeline,
  InProcessExecutor,
  PipelineEngine,
  type RunRecord,
} from '../../src/pipelines/index.js';
import { type App, buildApp } from '../../src/server/index.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';

// The task logs a line, then waits for the test to let it go on: its first line must be readable meanwhile.
let release: () => void = () => undefined;
const gate = () =>
  new Promise<void>((resolve) => {
    release = resolve;
  });

const talking = definePipeline({
  id: 'talking',
  description: 'logs while it runs',
  conf: z
    .object({
      rows: z.number().int().min(1).max(10).default(3).describe('rows to write'),
      mode: z.enum(['fast', 'slow']).default('fast'),
    })
    .strict(),
  tasks: [
    {
      id: 'speak',
      run: async ({ log, conf }) => {
        log.info(`first line, ${String(conf.rows)} rows`);
        await gate();
        log.warn('second line');
        return 'spoken';
      },
    },
  ],
});

let test: TestPlatform;
let engine: PipelineEngine;
let app: App;

async function until<T>(read: () => Promise<T>, isDone: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (isDone(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const logUrl = (version: 'v1' | 'v2', runId: string, token?: string) =>
  `/api/${version}/dags/talking/dagRuns/${runId}/taskInstances/speak/logs/1${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;

beforeAll(async () => {
  test = await openTestPlatform();
  engine = new PipelineEngine(test.platform, [talking], { logger: test.logger, leaseMs: 60_000 });
  engine.setExecutor(new InProcessExecutor(engine, 1));
  await engine.register();
  app = await buildApp(test.platform, { pipelines: { engine, executor: 'in_process' } });
});

afterAll(async () => {
  release();
  await engine?.stop();
  await app?.close();
  await test?.dispose();
});

describe('task logs while the task runs', () => {
  it('stores each line as it is logged, with its own time, and serves what came after a token', async () => {
    const run: RunRecord = await engine.trigger('talking', { conf: { rows: 4 } });
    // The first line is in the database while the task still waits (before, lines came at its end).
    const first = await until(
      async () => (await app.inject({ url: logUrl('v1', run.run_id) })).json(),
      (body) => body.lines.length >= 2,
      'the first line',
    );
    expect((await engine.tasks(run.run_id))[0]?.state).toBe('running');
    expect(first.content).toMatch(/\{try 1\} INFO - first line, 4 rows/);
    expect(first.continuation_token).toMatch(/^log_pos:\d+$/);
    // Nothing new yet: the token gives nothing more (what Airflow's clients expect of a quiet log).
    const quiet = (await app.inject({ url: logUrl('v1', run.run_id, first.continuation_token) })).json();
    expect(quiet.content).toBe('');
    expect(quiet.continuation_token).toBe(first.continuation_token);

    release();
    const done = await until(
      () => engine.run(run.run_id),
      (value) => value.state === 'success',
      'the run to succeed',
    );
    expect(done.state).toBe('success');
    const more = (await app.inject({ url: logUrl('v1', run.run_id, first.continuation_token) })).json();
    expect(more.lines.map((line: { message: string }) => line.message)).toEqual([
      'second line',
      expect.stringMatching(/^succeeded in/),
    ]);
    expect(more.content).toMatch(/WARNING - second line/);

    const all = await engine.logs(run.run_id, 'speak', 1);
    const firstAt = all.find((line) => line.message.startsWith('first line'))?.logged_at.getTime() ?? 0;
    const secondAt = all.find((line) => line.message === 'second line')?.logged_at.getTime() ?? 0;
    // The second line was logged after the test saw the first: its own time, not the first's.
    expect(secondAt).toBeGreaterThan(firstAt);
    expect(all.map((line) => line.log_id)).toEqual([...all.map((line) => line.log_id)].sort((a, b) => a - b));

    // Airflow 3's shape: structured messages, and the same tailing by token.
    const v2 = (await app.inject({ url: logUrl('v2', run.run_id) })).json();
    expect(v2.content.map((line: { event: string }) => line.event)).toContain('second line');
    expect(v2.continuation_token).toMatch(/^log_pos:\d+$/);
    const v2More = (await app.inject({ url: logUrl('v2', run.run_id, first.continuation_token) })).json();
    expect(v2More.content[0]).toMatchObject({ event: 'second line', level: 'warning', try_number: 1 });
    // The token older versions gave still means "nothing more".
    expect((await app.inject({ url: logUrl('v1', run.run_id, 'end_of_log') })).json().content).toBe('');
  });
});

describe('run parameters as Airflow params', () => {
  it('serves the conf schema as the DAG details params, v1 and v2', async () => {
    const v1 = (await app.inject({ url: '/api/v1/dags/talking/details' })).json();
    expect(v1.params.rows).toEqual({
      __class: 'airflow.models.param.Param',
      value: 3,
      description: 'rows to write',
      schema: expect.objectContaining({ type: 'integer', minimum: 1, maximum: 10 }),
    });
    expect(v1.params.mode.schema.enum).toEqual(['fast', 'slow']);
    const v2 = (await app.inject({ url: '/api/v2/dags/talking/details' })).json();
    expect(v2.params.mode).toEqual({
      value: 'fast',
      description: null,
      schema: expect.objectContaining({ type: 'string', enum: ['fast', 'slow'] }),
    });
  });
});

describe('the grid of runs × tasks', () => {
  it('answers the latest runs oldest first with one cell per task and run', async () => {
    const grid = (await app.inject({ url: '/api/v1/dags/talking/grid?num_runs=5' })).json();
    expect(grid.task_ids).toEqual(['speak']);
    expect(grid.dag_runs.length).toBeGreaterThanOrEqual(1);
    const runIds = grid.dag_runs.map((run: { dag_run_id: string }) => run.dag_run_id);
    expect(grid.task_instances).toHaveLength(runIds.length);
    expect(grid.task_instances[0]).toMatchObject({ task_id: 'speak', dag_id: 'talking', state: 'success' });
    expect(grid.task_instances[0].output).toBeUndefined();
    expect((await app.inject({ url: '/api/v1/dags/nope/grid' })).statusCode).toBe(404);
  });
});

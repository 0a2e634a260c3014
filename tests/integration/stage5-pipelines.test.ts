import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  definePipeline,
  InProcessExecutor,
  type PipelineDefinition,
  PipelineEngine,
  type RunRecord,
} from '../../src/pipelines/index.js';
import { type App, buildApp } from '../../src/server/index.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';

const calls: string[] = [];
let flaky = 0;

const fan = definePipeline({
  id: 'fan',
  description: 'a → (b, c) → d, passing outputs and conf',
  conf: z.object({ factor: z.number().default(2) }).strict(),
  tasks: [
    {
      id: 'a',
      run: ({ conf }) => {
        calls.push('a');
        return { value: 10 * Number(conf.factor) };
      },
    },
    {
      id: 'b',
      dependsOn: ['a'],
      run: ({ upstream }) => {
        calls.push('b');
        return (upstream.a as { value: number }).value + 1;
      },
    },
    {
      id: 'c',
      dependsOn: ['a'],
      run: ({ upstream }) => {
        calls.push('c');
        return (upstream.a as { value: number }).value + 2;
      },
    },
    {
      id: 'd',
      dependsOn: ['b', 'c'],
      retryDelaySeconds: 0.1,
      run: ({ upstream, log }) => {
        calls.push('d');
        log.info(`adding ${String(upstream.b)} and ${String(upstream.c)}`);
        return Number(upstream.b) + Number(upstream.c);
      },
    },
  ],
});

const retrying = definePipeline({
  id: 'retrying',
  description: 'fails twice, then succeeds',
  tasks: [
    {
      id: 'flaky',
      retries: 2,
      retryDelaySeconds: 0.1,
      exponentialBackoff: true,
      run: () => {
        flaky += 1;
        if (flaky < 3) throw new Error(`boom ${flaky}`);
        return 'ok';
      },
    },
  ],
});

const failing = definePipeline({
  id: 'failing',
  description: 'a task that always fails blocks its downstream',
  tasks: [
    {
      id: 'broken',
      retries: 1,
      retryDelaySeconds: 0.05,
      run: () => Promise.reject(new TypeError('no such thing')),
    },
    { id: 'after', dependsOn: ['broken'], run: () => 'never' },
    { id: 'independent', run: () => 'fine' },
  ],
});

const hanging = definePipeline({
  id: 'hanging',
  description: 'a task that never ends',
  tasks: [{ id: 'forever', timeoutSeconds: 0.3, run: () => new Promise(() => undefined) }],
});

const slow = definePipeline({
  id: 'slow',
  description: 'one run at a time',
  maxActiveRuns: 1,
  tasks: [{ id: 'wait', run: () => new Promise((resolve) => setTimeout(() => resolve('done'), 300)) }],
});

const scheduled = definePipeline({
  id: 'every_minute',
  description: 'cron',
  schedule: '* * * * *',
  tasks: [{ id: 'tick', run: () => 'tick' }],
});

const catchingUp = definePipeline({ ...scheduled, id: 'catching_up', catchup: true });

const PIPELINES: PipelineDefinition[] = [fan, retrying, failing, hanging, slow];

let test: TestPlatform;
let engine: PipelineEngine;
let executor: InProcessExecutor;
let app: App;

async function finished(runId: string, timeoutMs = 60_000): Promise<RunRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await engine.run(runId);
    if (run.state === 'success' || run.state === 'failed') return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} is still ${run.state}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  test = await openTestPlatform();
  engine = new PipelineEngine(test.platform, PIPELINES, { logger: test.logger, leaseMs: 1000 });
  executor = new InProcessExecutor(engine, 2);
  engine.setExecutor(executor);
  await engine.register(new Date('2026-01-01T00:00:00Z'));
  app = await buildApp(test.platform, { pipelines: { engine, executor: 'in_process' } });
});

afterAll(async () => {
  await engine?.stop();
  await app?.close();
  await test?.dispose();
});

describe('running pipelines', () => {
  it('runs tasks after their dependencies, passing outputs and conf, and stores every output', async () => {
    calls.length = 0;
    const run = await engine.trigger('fan', { conf: { factor: 3 } });
    expect((await finished(run.run_id)).state).toBe('success');
    expect(calls[0]).toBe('a');
    expect(calls.at(-1)).toBe('d');
    const tasks = await engine.tasks(run.run_id);
    expect(tasks.map((task) => [task.task_id, task.state, task.output])).toEqual([
      ['a', 'success', { value: 30 }],
      ['b', 'success', 31],
      ['c', 'success', 32],
      ['d', 'success', 63],
    ]);
    expect((await engine.logs(run.run_id, 'd')).map((line) => line.message)).toContain('adding 31 and 32');
  });

  it('retries a failing task with backoff and records each attempt with its stack', async () => {
    flaky = 0;
    const run = await engine.trigger('retrying');
    expect((await finished(run.run_id)).state).toBe('success');
    const [task] = await engine.tasks(run.run_id);
    expect(task).toMatchObject({ state: 'success', try_number: 3, max_tries: 2, output: 'ok' });
    const logs = await engine.logs(run.run_id, 'flaky');
    const failures = logs.filter((line) => line.level === 'ERROR');
    expect(failures.map((line) => line.try_number)).toEqual([1, 2]);
    expect(failures[0]?.message).toMatch(/failed: Error: boom 1\n\s+at /);
    expect(
      logs.filter((line) => line.message.startsWith('will retry in')).map((line) => line.message),
    ).toEqual(['will retry in 0.1 s', 'will retry in 0.2 s']);
  });

  it('fails a run when a task runs out of tries, marking its downstream upstream_failed', async () => {
    const run = await engine.trigger('failing');
    expect((await finished(run.run_id)).state).toBe('failed');
    const tasks = Object.fromEntries((await engine.tasks(run.run_id)).map((task) => [task.task_id, task]));
    expect(tasks.broken).toMatchObject({ state: 'failed', try_number: 2, error: 'no such thing' });
    expect(tasks.after?.state).toBe('upstream_failed');
    expect(tasks.independent?.state).toBe('success');
  });

  it('fails an attempt that runs past its timeout', async () => {
    const run = await engine.trigger('hanging');
    expect((await finished(run.run_id)).state).toBe('failed');
    const [task] = await engine.tasks(run.run_id);
    expect(task?.error).toBe('timed out after 0.3 s');
  });

  it('keeps a second run queued while the pipeline has its maximum active runs', async () => {
    const first = await engine.trigger('slow');
    const second = await engine.trigger('slow');
    expect((await engine.run(second.run_id)).state).toBe('queued');
    expect((await finished(first.run_id)).state).toBe('success');
    expect((await finished(second.run_id)).state).toBe('success');
    const [a, b] = [await engine.run(first.run_id), await engine.run(second.run_id)];
    expect((b.start_date?.getTime() ?? 0) >= (a.end_date?.getTime() ?? Number.POSITIVE_INFINITY)).toBe(true);
  });

  it('refuses paused and unknown pipelines, bad conf and a taken run id', async () => {
    await engine.setPaused('fan', true);
    await expect(engine.trigger('fan')).rejects.toMatchObject({ code: 'MLOPS_ERR_PIPELINE_PAUSED' });
    await engine.setPaused('fan', false);
    await expect(engine.trigger('nope')).rejects.toMatchObject({ code: 'MLOPS_ERR_NOT_FOUND' });
    await expect(engine.trigger('fan', { conf: { factor: 'x' } })).rejects.toMatchObject({
      field: 'conf.factor',
    });
    await expect(engine.trigger('fan', { conf: { extra: 1 } })).rejects.toThrow(/conf: Unrecognized key/);
    const run = await engine.trigger('fan', { runId: 'mine' });
    await finished(run.run_id);
    await expect(engine.trigger('fan', { runId: 'mine' })).rejects.toMatchObject({
      code: 'MLOPS_ERR_CONFLICT',
    });
  });
});

describe('recovery', () => {
  it('retries an attempt whose worker stopped heartbeating, and never reruns a finished task', async () => {
    calls.length = 0;
    const run = await engine.trigger('fan', { runId: 'crashed' });
    await finished(run.run_id);
    // Make it look as if d's worker died mid-attempt: running, with a heartbeat long gone.
    const db = test.platform.database.db;
    await db
      .updateTable('pipeline_runs')
      .set({ state: 'running', end_date: null })
      .where('run_id', '=', 'crashed')
      .execute();
    await db
      .updateTable('task_instances')
      .set({
        state: 'running',
        try_number: 1,
        max_tries: 1,
        heartbeat_at: new Date(Date.now() - 60_000),
        lease_owner: 'gone:1:x',
      })
      .where('run_id', '=', 'crashed')
      .where('task_id', '=', 'd')
      .execute();
    calls.length = 0;
    await engine.tick();
    expect((await finished('crashed')).state).toBe('success');
    expect(calls).toEqual(['d']);
    const d = (await engine.tasks('crashed')).find((task) => task.task_id === 'd');
    expect(d).toMatchObject({ state: 'success', try_number: 2 });
    expect((await engine.logs('crashed', 'd', 1)).map((line) => line.message)).toContain(
      'the worker running attempt 1 stopped answering; retrying',
    );
  });
});

describe('schedules', () => {
  it('creates the run a cron schedule is due for; without catch-up only the latest missed one', async () => {
    // An engine of its own, so the other tests' passes at real time never move these schedules.
    const cron = new PipelineEngine(test.platform, [scheduled, catchingUp], { logger: test.logger });
    cron.setExecutor(new InProcessExecutor(cron, 2));
    const start = new Date('2026-01-01T00:00:00Z');
    await cron.register(start);
    await cron.tick({ now: new Date(start.getTime() + 30_000) });
    expect((await cron.runs('every_minute')).total).toBe(0);
    await cron.tick({ now: new Date(start.getTime() + 10 * 60_000 + 5000) });
    const { runs } = await cron.runs('every_minute');
    expect(runs.map((run) => [run.run_type, run.logical_date.toISOString()])).toEqual([
      ['scheduled', '2026-01-01T00:10:00.000Z'],
    ]);
    const caughtUp = await cron.runs('catching_up');
    expect(caughtUp.runs.map((run) => run.logical_date.toISOString().slice(11, 16)).sort()).toEqual([
      '00:01',
      '00:02',
      '00:03',
      '00:04',
      '00:05',
      '00:06',
      '00:07',
      '00:08',
      '00:09',
      '00:10',
    ]);
    await cron.stop();
  });
});

describe("Airflow's REST API subset", () => {
  it('lists DAGs, pauses one, triggers and lists runs with task instances and logs', async () => {
    const dags = (await app.inject({ url: '/api/v1/dags' })).json();
    expect(dags.total_entries).toBe(PIPELINES.length);
    expect(dags.dags.find((dag: { dag_id: string }) => dag.dag_id === 'slow')).toMatchObject({
      is_paused: false,
      schedule_interval: null,
      max_active_runs: 1,
    });

    const paused = await app.inject({
      method: 'PATCH',
      url: '/api/v1/dags/fan?update_mask=is_paused',
      payload: { is_paused: true },
    });
    expect(paused.json().is_paused).toBe(true);
    const refused = await app.inject({
      method: 'POST',
      url: '/api/v1/dags/fan/dagRuns',
      payload: { conf: {} },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      status: 409,
      title: 'MLOPS_ERR_PIPELINE_PAUSED',
      error_code: 'MLOPS_ERR_PIPELINE_PAUSED',
    });
    await app.inject({ method: 'PATCH', url: '/api/v1/dags/fan', payload: { is_paused: false } });

    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/dags/fan/dagRuns',
      payload: { dag_run_id: 'api_run', conf: { factor: 1 }, note: 'from the API' },
    });
    expect(created.statusCode).toBe(200);
    expect(created.json()).toMatchObject({
      dag_run_id: 'api_run',
      dag_id: 'fan',
      run_type: 'manual',
      external_trigger: true,
      conf: { factor: 1 },
    });
    expect(['queued', 'running']).toContain(created.json().state);
    await finished('api_run');

    const runs = (await app.inject({ url: '/api/v1/dags/fan/dagRuns?state=success&limit=2' })).json();
    expect(runs.dag_runs).toHaveLength(2);
    expect(runs.total_entries).toBeGreaterThanOrEqual(3);
    const instances = (await app.inject({ url: '/api/v1/dags/fan/dagRuns/api_run/taskInstances' })).json();
    expect(instances.total_entries).toBe(4);
    expect(instances.task_instances[3]).toMatchObject({
      task_id: 'd',
      dag_id: 'fan',
      dag_run_id: 'api_run',
      state: 'success',
      try_number: 1,
      max_tries: 0,
      operator: 'TypeScriptTask',
    });
    const logs = (
      await app.inject({ url: '/api/v1/dags/fan/dagRuns/api_run/taskInstances/d/logs/1' })
    ).json();
    expect(logs.content).toMatch(/\{try 1\} INFO - adding 11 and 12/);
    const tasks = (await app.inject({ url: '/api/v1/dags/fan/tasks' })).json();
    expect(tasks.tasks.find((task: { task_id: string }) => task.task_id === 'a').downstream_task_ids).toEqual(
      ['b', 'c'],
    );
  });

  it('answers 404 for unknown DAGs and runs, 400 for a bad body, 409 for a taken run id', async () => {
    expect(
      (await app.inject({ method: 'POST', url: '/api/v1/dags/nope/dagRuns', payload: {} })).statusCode,
    ).toBe(404);
    expect((await app.inject({ url: '/api/v1/dags/fan/dagRuns/nope' })).statusCode).toBe(404);
    const badConf = await app.inject({
      method: 'POST',
      url: '/api/v1/dags/fan/dagRuns',
      payload: { conf: { factor: 'x' } },
    });
    expect(badConf.statusCode).toBe(400);
    expect(badConf.json().field).toBe('conf.factor');
    const notObject = await app.inject({
      method: 'POST',
      url: '/api/v1/dags/fan/dagRuns',
      payload: { conf: [1] },
    });
    expect(notObject.statusCode).toBe(400);
    const taken = await app.inject({
      method: 'POST',
      url: '/api/v1/dags/fan/dagRuns',
      payload: { dag_run_id: 'api_run' },
    });
    expect(taken.statusCode).toBe(409);
  });

  it('counts finished runs and task durations in /metrics', async () => {
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/mlops_pipeline_runs_total\{pipeline="fan",state="success"\} [1-9]/);
    expect(metrics).toMatch(/mlops_pipeline_runs_total\{pipeline="failing",state="failed"\} 1/);
    expect(metrics).toMatch(
      /mlops_pipeline_task_duration_seconds_count\{pipeline="retrying",task="flaky",state="up_for_retry"\} 2/,
    );
  });
});

describe('stopping with attempts under way', () => {
  const stubborn = definePipeline({
    id: 'stubborn',
    description: 'logs for 1.5 s whatever it is told',
    tasks: [
      {
        id: 'work',
        run: async ({ log }) => {
          for (let step = 0; step < 30; step += 1) {
            log.info(`step ${step}`);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          return 'done';
        },
      },
    ],
  });
  const obedient = definePipeline({
    id: 'obedient',
    description: 'waits until aborted',
    tasks: [
      {
        id: 'wait',
        retries: 1,
        run: ({ signal }) =>
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      },
    ],
  });

  it('lets aborted attempts record their outcome, names the ones that ignore it, and logs no errors after', async () => {
    const own = await openTestPlatform();
    const stopping = new PipelineEngine(own.platform, [stubborn, obedient], { logger: own.logger });
    stopping.setExecutor(new InProcessExecutor(stopping, 2));
    await stopping.register(new Date('2026-01-01T00:00:00Z'));
    const first = await stopping.trigger('stubborn', {});
    const second = await stopping.trigger('obedient', {});
    const deadline = Date.now() + 10_000;
    const running = async (runId: string) =>
      (await stopping.tasks(runId)).every((task) => task.state === 'running');
    while (!((await running(first.run_id)) && (await running(second.run_id))) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));

    await stopping.stop(500);
    // The attempt that honoured the abort is recorded, to be retried, before the database goes.
    const [waited] = await stopping.tasks(second.run_id);
    expect(waited).toMatchObject({ state: 'up_for_retry', try_number: 1 });
    expect((await stopping.logs(second.run_id, 'wait', 1)).map((line) => line.message)).toContainEqual(
      expect.stringContaining('the process is stopping'),
    );
    const warning = own.logLines().find((line) => line.action === 'TASKS_LEFT_RUNNING');
    expect(warning).toMatchObject({ level: 40, tasks: [`${first.run_id}/work`] });

    // The stubborn attempt goes on writing after the database closes: quiet, not a stream of errors.
    await own.dispose();
    await new Promise((resolve) => setTimeout(resolve, 1800));
    expect(own.logLines().filter((line) => Number(line.level) >= 50)).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  definePipeline,
  InProcessExecutor,
  type PipelineDefinition,
  PipelineEngine,
  type RunRecord,
} from '../../src/pipelines/index.js';
import { openPlatform, type Platform } from '../../src/platform/index.js';
import { type App, buildApp } from '../../src/server/index.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';

// `step` fails on its first attempt of each run (try 1) and succeeds once cleared.
const PIPELINES: PipelineDefinition[] = [
  definePipeline({
    id: 'repairable',
    description: 'first → step → last; step fails its first attempt',
    tasks: [
      { id: 'first', run: () => 1 },
      {
        id: 'step',
        dependsOn: ['first'],
        run: ({ tryNumber }) => {
          if (tryNumber === 1) throw new Error('first attempt fails');
          return tryNumber;
        },
      },
      { id: 'last', dependsOn: ['step'], run: ({ upstream }) => upstream.step },
    ],
  }),
  definePipeline({
    id: 'lingering',
    description: 'one run at a time; the task runs until stopped',
    maxActiveRuns: 1,
    tasks: [
      {
        id: 'hold',
        run: ({ signal }) =>
          new Promise((resolve, reject) => {
            const timer = setTimeout(() => resolve('held'), 30_000);
            signal.addEventListener('abort', () => {
              clearTimeout(timer);
              reject(signal.reason);
            });
          }),
      },
    ],
  }),
];

let test: TestPlatform;
let engine: PipelineEngine;
let app: App;
let reopened: Platform | undefined;

async function settled(on: PipelineEngine, runId: string, timeoutMs = 10_000): Promise<RunRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await on.run(runId);
    if (run.state === 'success' || run.state === 'failed') return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} is still ${run.state}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function taskState(on: PipelineEngine, runId: string, taskId: string) {
  return (await on.tasks(runId)).find((task) => task.task_id === taskId);
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function startEngine(platform: Platform): PipelineEngine {
  const started = new PipelineEngine(platform, PIPELINES, { logger: test.logger, leaseMs: 1000 });
  started.setExecutor(new InProcessExecutor(started, 2));
  return started;
}

beforeAll(async () => {
  test = await openTestPlatform();
  engine = startEngine(test.platform);
  await engine.register();
  app = await buildApp(test.platform, { pipelines: { engine, executor: 'in_process' } });
});

afterAll(async () => {
  await engine?.stop();
  await app?.close();
  await reopened?.close();
  await test?.dispose();
});

describe('bad input on the Airflow routes names the field', () => {
  it('v1: problem details with status 400 and the field', async () => {
    const run = await engine.trigger('repairable');
    await settled(engine, run.run_id);
    const base = `/api/v1/dags/repairable/dagRuns/${run.run_id}`;
    const badState = await app.inject({ method: 'PATCH', url: base, payload: { state: 'finished' } });
    expect(badState.statusCode).toBe(400);
    expect(badState.json()).toMatchObject({
      status: 400,
      title: 'MLOPS_ERR_REQUEST_VALIDATION',
      field: 'body.state',
    });
    expect(badState.json().detail).toMatch(/body\.state/);

    const badFlag = await app.inject({ url: '/api/v1/dags?paused=maybe' });
    expect(badFlag.statusCode).toBe(400);
    expect(badFlag.json().field).toBe('querystring.paused');

    const badTask = await app.inject({
      method: 'POST',
      url: '/api/v1/dags/repairable/clearTaskInstances',
      payload: { dag_run_id: run.run_id, task_ids: ['nope'], dry_run: false },
    });
    expect(badTask.statusCode).toBe(404);
    expect(badTask.json()).toMatchObject({ status: 404, field: 'task_ids' });
    expect(badTask.json().detail).toMatch(/no task nope/);

    const badMark = await app.inject({
      method: 'PATCH',
      url: `${base}/taskInstances/step`,
      payload: { dry_run: false, new_state: 'skipped' },
    });
    expect(badMark.statusCode).toBe(400);
    expect(badMark.json().field).toBe('body.new_state');
  });

  it('v2: FastAPI shapes, 422 with the field in loc, 404 with a detail string', async () => {
    const run = await engine.trigger('repairable');
    await settled(engine, run.run_id);
    const base = `/api/v2/dags/repairable/dagRuns/${run.run_id}`;
    const badState = await app.inject({ method: 'PATCH', url: base, payload: { state: 'finished' } });
    expect(badState.statusCode).toBe(422);
    expect(badState.json().detail[0].loc).toEqual(['body', 'state']);

    const badClear = await app.inject({
      method: 'POST',
      url: '/api/v2/dags/repairable/clearTaskInstances',
      payload: { dag_run_id: run.run_id, dry_run: 'yes' },
    });
    expect(badClear.statusCode).toBe(422);
    expect(badClear.json().detail[0].loc).toEqual(['body', 'dry_run']);

    const otherRuns = await app.inject({
      method: 'PATCH',
      url: `${base}/taskInstances/step`,
      payload: { new_state: 'success', include_future: true },
    });
    expect(otherRuns.statusCode).toBe(422);
    expect(otherRuns.json().detail[0].loc).toEqual(['body', 'include_future']);

    const badLimit = await app.inject({ url: '/api/v2/dags?limit=-1' });
    expect(badLimit.statusCode).toBe(422);
    expect(badLimit.json().detail[0].loc).toEqual(['query', 'limit']);

    const missing = await app.inject({ url: '/api/v2/dags/repairable/dagRuns/no_such_run' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().detail).toMatch(/no pipeline run no_such_run/);

    const wrongDag = await app.inject({ url: `/api/v2/dags/lingering/dagRuns/${run.run_id}` });
    expect(wrongDag.statusCode).toBe(404);

    const badConf = await app.inject({
      method: 'POST',
      url: '/api/v2/dags/repairable/dagRuns',
      payload: { logical_date: null, conf: 'x' },
    });
    expect(badConf.statusCode).toBe(422);
    expect(badConf.json().detail[0].loc).toEqual(['body', 'conf']);
  });
});

describe('run-failure actions', () => {
  it('a clear survives a restart: the next process runs the cleared tasks to success', async () => {
    const run = await engine.trigger('repairable');
    expect((await settled(engine, run.run_id)).state).toBe('failed');
    expect((await taskState(engine, run.run_id, 'last'))?.state).toBe('upstream_failed');
    // The workers stop; a web process without an executor takes the clear, and then stops too.
    await engine.stop();
    await app.close();
    const web = new PipelineEngine(test.platform, PIPELINES, { logger: test.logger });
    const webApp = await buildApp(test.platform, { pipelines: { engine: web, executor: 'in_process' } });
    const cleared = await webApp.inject({
      method: 'POST',
      url: '/api/v2/dags/repairable/clearTaskInstances',
      payload: {
        dag_run_id: run.run_id,
        task_ids: ['step'],
        include_downstream: true,
        only_failed: false,
        dry_run: false,
      },
    });
    expect(cleared.statusCode).toBe(200);
    expect(
      cleared
        .json()
        .task_instances.map((ti: { task_id: string }) => ti.task_id)
        .sort(),
    ).toEqual(['last', 'step']);
    await webApp.close();
    await test.platform.close();

    // A new process on the same home finds the run with step queued and last waiting, and finishes it.
    reopened = await openPlatform(test.config, test.logger);
    engine = startEngine(reopened);
    app = await buildApp(reopened, { pipelines: { engine, executor: 'in_process' } });
    expect((await engine.run(run.run_id)).state).toBe('running');
    expect((await taskState(engine, run.run_id, 'step'))?.state).toBe('queued');
    expect((await taskState(engine, run.run_id, 'last'))?.state).toBeNull();
    await engine.start(100, { orphanAll: true });
    expect((await settled(engine, run.run_id)).state).toBe('success');
    const step = await taskState(engine, run.run_id, 'step');
    expect(step).toMatchObject({ state: 'success', try_number: 2, output: 2 });
    expect((await taskState(engine, run.run_id, 'last'))?.output).toBe(2);
    const log = (await engine.logs(run.run_id, 'step', 2)).map((line) => line.message);
    expect(log[0]).toMatch(/^cleared \(was failed\): runs again as attempt 2/);
  });

  it('a v1 clear of a whole run re-runs every task, and dry_run (the default) changes nothing', async () => {
    const run = await engine.trigger('repairable');
    expect((await settled(engine, run.run_id)).state).toBe('failed');
    const url = `/api/v1/dags/repairable/dagRuns/${run.run_id}/clear`;
    const dry = await app.inject({ method: 'POST', url, payload: {} });
    expect(dry.json().total_entries).toBe(3);
    expect((await engine.run(run.run_id)).state).toBe('failed');
    const done = await app.inject({ method: 'POST', url, payload: { dry_run: false } });
    expect(done.json()).toMatchObject({ dag_run_id: run.run_id });
    expect((await settled(engine, run.run_id)).state).toBe('success');
    // Every task ran again: first and step as their attempt 2, last (never run before) as its first.
    expect((await engine.tasks(run.run_id)).map((task) => [task.task_id, task.try_number])).toEqual([
      ['first', 2],
      ['step', 2],
      ['last', 1],
    ]);
  });

  it('marking a task success releases what depends on it', async () => {
    const run = await engine.trigger('repairable');
    expect((await settled(engine, run.run_id)).state).toBe('failed');
    const marked = await app.inject({
      method: 'PATCH',
      url: `/api/v2/dags/repairable/dagRuns/${run.run_id}/taskInstances/step`,
      payload: { new_state: 'success', include_downstream: true },
    });
    expect(marked.statusCode).toBe(200);
    expect(marked.json().task_instances.map((ti: { state: string }) => ti.state)).toEqual([
      'success',
      'success',
    ]);
    expect((await engine.run(run.run_id)).state).toBe('success');
  });

  it('marking a run failed stops its running task and frees the slot; deleting a run removes it', async () => {
    const first = await engine.trigger('lingering');
    const second = await engine.trigger('lingering');
    await until(async () => (await taskState(engine, first.run_id, 'hold'))?.state === 'running');
    expect((await engine.run(second.run_id)).state).toBe('queued');
    const marked = await app.inject({
      method: 'PATCH',
      url: `/api/v1/dags/lingering/dagRuns/${first.run_id}`,
      payload: { state: 'failed' },
    });
    expect(marked.json()).toMatchObject({ state: 'failed' });
    expect((await taskState(engine, first.run_id, 'hold'))?.state).toBe('failed');
    // The queued run starts now that the first one is over.
    await until(async () => (await taskState(engine, second.run_id, 'hold'))?.state === 'running');
    const deleted = await app.inject({
      method: 'DELETE',
      url: `/api/v2/dags/lingering/dagRuns/${second.run_id}`,
    });
    expect(deleted.statusCode).toBe(204);
    expect((await app.inject({ url: `/api/v1/dags/lingering/dagRuns/${second.run_id}` })).statusCode).toBe(
      404,
    );
    // The stopped attempt leaves no log lines behind its deleted run.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await engine.logs(second.run_id, 'hold')).toEqual([]);
  });
});

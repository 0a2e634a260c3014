import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freePort, runCli, startCli } from '../helpers/cli.js';
import { createPostgresDatabase, createTestHome, serviceValue } from '../helpers/services.js';

// A pipeline whose second task takes long on its first attempt and is quick on the next: the process (or
// worker) running it is killed mid-task. Each task appends a line per attempt to a file in the home.
const PIPELINE_FILE = `
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const home = process.env.MLOPS_HOME ?? '.';
const mark = (name: string) => appendFileSync(path.join(home, name + '.attempts'), process.pid + '\\n');

export default [
  {
    id: 'crash_test',
    description: 'prepare → long → finish',
    tasks: [
      { id: 'prepare', run: () => { mark('prepare'); return { ready: true }; } },
      {
        id: 'long',
        dependsOn: ['prepare'],
        retries: 2,
        retryDelaySeconds: 0.2,
        run: async ({ tryNumber, signal }: { tryNumber: number; signal: AbortSignal }) => {
          mark('long');
          if (tryNumber === 1) {
            writeFileSync(path.join(home, 'long.started'), String(process.pid));
            await new Promise((resolve) => setTimeout(resolve, 120_000));
          }
          return { finished_on_try: tryNumber };
        },
      },
      { id: 'finish', dependsOn: ['long'], run: () => { mark('finish'); return 'done'; } },
    ],
  },
];
`;

const attempts = (home: string, task: string) =>
  existsSync(path.join(home, `${task}.attempts`))
    ? readFileSync(path.join(home, `${task}.attempts`), 'utf8')
        .trim()
        .split('\n')
    : [];

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function runState(port: number, runId: string): Promise<string | undefined> {
  const response = await fetch(`http://127.0.0.1:${port}/api/v1/dags/crash_test/dagRuns/${runId}`);
  return response.ok ? ((await response.json()) as { state: string }).state : undefined;
}

describe('pipelines from the command line', () => {
  it('mlops pipelines run takes a pipeline to the end in its own process, without a server', async () => {
    const { home, remove } = createTestHome();
    const file = path.join(home, 'pipelines.ts');
    writeFileSync(
      file,
      `export default [{ id: 'offline', description: 'd', tasks: [
        { id: 'a', run: ({ conf }: { conf: { n: number } }) => conf.n * 2 },
        { id: 'b', dependsOn: ['a'], run: ({ upstream }: { upstream: { a: number } }) => upstream.a + 1 },
        { id: 'c', dependsOn: ['b'], retries: 0, run: ({ conf }: { conf: { fail?: boolean } }) => { if (conf.fail) throw new Error('asked to fail'); return 'ok'; } },
      ] }];\n`,
    );
    const env = { MLOPS_HOME: home, MLOPS_PIPELINE_REPO: file };
    try {
      const ok = await runCli(['pipelines', 'run', 'offline', '--conf', '{"n": 20}'], env);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/b\s*│\s*success\s*│\s*1\/1/);
      expect(ok.stdout).toMatch(/run manual__\S+: success/);
      const failed = await runCli(['pipelines', 'run', 'offline', '--conf', '{"n": 1, "fail": true}'], env);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toMatch(/c\s*│\s*failed\s*│\s*1\/1\s*│[^│]*│\s*asked to fail/);
      const invalid = await runCli(['pipelines', 'run', 'offline', '--conf', 'nope'], env);
      expect(invalid.code).toBe(2);
    } finally {
      remove();
    }
  }, 120_000);

  it('a run interrupted by killing the server finishes after a restart, without rerunning what succeeded', async () => {
    const { home, remove } = createTestHome();
    const file = path.join(home, 'pipelines.ts');
    writeFileSync(file, PIPELINE_FILE);
    const port = await freePort();
    const env = {
      MLOPS_HOME: home,
      MLOPS_PORT: String(port),
      MLOPS_PIPELINE_REPO: file,
      MLOPS_PIPELINES_TICK_MS: '200',
    };
    const first = startCli(['up'], env);
    await first.waitFor(/movie-mlops is up/, 60_000);

    const listed = await runCli(['pipelines', 'list'], env);
    expect(listed.stdout).toMatch(/crash_test\s*│\s*manual\s*│\s*no/);
    expect(listed.stdout).toMatch(/movie_training_pipeline\s*│\s*0 4 \* \* 0/);
    const triggered = await runCli(['pipelines', 'trigger', 'crash_test', '--run-id', 'interrupted'], env);
    expect(triggered.stdout).toContain('triggered crash_test: run interrupted');

    await until(() => (existsSync(path.join(home, 'long.started')) ? true : undefined));
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startCli(['up'], env);
    try {
      await second.waitFor(/movie-mlops is up/, 60_000);
      expect(
        await until(async () => {
          const state = await runState(port, 'interrupted');
          return state === 'success' || state === 'failed' ? state : undefined;
        }),
      ).toBe('success');
      expect(attempts(home, 'prepare')).toHaveLength(1);
      expect(attempts(home, 'long')).toHaveLength(2);
      expect(attempts(home, 'finish')).toHaveLength(1);

      const shown = await runCli(['pipelines', 'show', 'interrupted'], env);
      expect(shown.stdout).toMatch(/long\s*│\s*success\s*│\s*2\/3/);
      const logs = await runCli(['pipelines', 'logs', 'interrupted', 'long'], env);
      expect(logs.stdout).toContain(
        '{try 1} ERROR - the worker running attempt 1 stopped answering; retrying',
      );
      expect(logs.stdout).toContain('{try 2} INFO - succeeded in');

      const bad = await runCli(['pipelines', 'trigger', 'crash_test', '--conf', '[1]'], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--conf must be a JSON object');
      expect((await runCli(['pipelines', 'pause', 'crash_test'], env)).stdout).toContain('crash_test paused');
      const paused = await runCli(['pipelines', 'trigger', 'crash_test'], env);
      expect(paused.code).toBe(1);
      expect(paused.stderr).toContain('pipeline crash_test is paused');
      const unknown = await runCli(['pipelines', 'trigger', 'ghost'], env);
      expect(unknown.stderr).toContain('no pipeline named ghost');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
      remove();
    }
  }, 180_000);

  it('BullMQ workers share the tasks; a worker killed mid-task leads to a retry on another worker', async () => {
    const database = await createPostgresDatabase();
    const { home, remove } = createTestHome({ withDatabase: false });
    const file = path.join(home, 'pipelines.ts');
    writeFileSync(file, PIPELINE_FILE);
    const port = await freePort();
    const env = {
      MLOPS_HOME: home,
      MLOPS_PORT: String(port),
      MLOPS_DATABASE_URL: database.url,
      MLOPS_PIPELINE_REPO: file,
      MLOPS_EXECUTOR: 'bullmq',
      REDIS_URL: serviceValue('MLOPS_TEST_REDIS_URL'),
      MLOPS_BULLMQ_QUEUE: `test-${port}`,
      MLOPS_PIPELINES_LEASE_SECONDS: '2',
      MLOPS_PIPELINES_TICK_MS: '200',
    };
    const server = startCli(['up'], env);
    const workers = [startCli(['worker'], env), startCli(['worker'], env)];
    try {
      await server.waitFor(/movie-mlops is up/, 60_000);
      for (const worker of workers) await worker.waitFor(/is taking tasks from queue/, 60_000);
      const triggered = await runCli(['pipelines', 'trigger', 'crash_test', '--run-id', 'distributed'], env);
      expect(triggered.code, triggered.stderr).toBe(0);
      const pid = Number(
        await until(() =>
          existsSync(path.join(home, 'long.started'))
            ? readFileSync(path.join(home, 'long.started'), 'utf8')
            : undefined,
        ),
      );
      const victim = workers.find((worker) => worker.child.pid === pid);
      expect(victim, 'the long task runs in one of the workers').toBeDefined();
      victim?.child.kill('SIGKILL');
      expect(
        await until(async () => {
          const state = await runState(port, 'distributed');
          return state === 'success' || state === 'failed' ? state : undefined;
        }),
      ).toBe('success');
      const survivor = workers.find((worker) => worker !== victim);
      expect(attempts(home, 'long')).toEqual([String(pid), String(survivor?.child.pid)]);
      expect(attempts(home, 'prepare')).toHaveLength(1);
      expect(attempts(home, 'finish')).toHaveLength(1);
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query(
        "select lease_owner, try_number from task_instances where run_id = 'distributed' and task_id = 'long'",
      );
      await client.end();
      expect(rows[0]).toMatchObject({ try_number: 2 });
      expect(String(rows[0].lease_owner)).toContain(`:${survivor?.child.pid}:`);
    } finally {
      for (const child of [server, ...workers]) child.child.kill('SIGTERM');
      await Promise.all([server, ...workers].map((child) => child.exited));
      await database.drop();
      remove();
    }
  }, 180_000);
});

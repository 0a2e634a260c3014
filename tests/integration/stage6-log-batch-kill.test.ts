import { describe, expect, it } from 'vitest';
import { freePort, runCli, startCli } from '../helpers/cli.js';
import { createTestHome } from '../helpers/services.js';

const METRICS_PER_BATCH = 1000;

async function post(base: string, rpc: string, body: unknown): Promise<Response> {
  return fetch(`${base}/api/2.0/mlflow/${rpc}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('log_batch and a killed server', () => {
  it('keeps each batch whole or not at all when the server is killed with -9 mid-stream', async () => {
    const { home, remove } = createTestHome();
    const port = await freePort();
    const env = { MLOPS_HOME: home, MLOPS_PORT: String(port) };
    const base = `http://127.0.0.1:${port}`;
    const first = startCli(['up'], env);
    await first.waitFor(/movie-mlops is up/);
    const run = (await (await post(base, 'runs/create', { experiment_id: '0' })).json()) as {
      run: { info: { run_id: string } };
    };
    const runId = run.run.info.run_id;

    // Send batches back to back, and kill the server while they are flowing.
    let sent = 0;
    const sender = (async () => {
      for (let batch = 0; batch < 200; batch++) {
        const metrics = Array.from({ length: METRICS_PER_BATCH }, (_, index) => ({
          key: `b${batch}_m${index}`,
          value: index,
          timestamp: Date.now(),
          step: 0,
        }));
        sent = batch + 1;
        const answer = await post(base, 'runs/log-batch', { run_id: runId, metrics }).catch(() => undefined);
        if (answer === undefined) return;
      }
    })();
    // Kill once a few batches went through (a fixed wait is too short on a busy machine).
    for (const deadline = Date.now() + 60_000; sent < 4 && Date.now() < deadline; )
      await new Promise((resolve) => setTimeout(resolve, 50));
    first.child.kill('SIGKILL');
    await first.exited;
    await sender;
    expect(sent).toBeGreaterThan(1);

    const second = startCli(['up'], env);
    await second.waitFor(/movie-mlops is up/);
    const stored = (await (await fetch(`${base}/api/2.0/mlflow/runs/get?run_id=${runId}`)).json()) as {
      run: { data: { metrics?: { key: string }[] } };
    };
    const perBatch = new Map<string, number>();
    for (const metric of stored.run.data.metrics ?? []) {
      const batch = metric.key.split('_')[0] ?? '';
      perBatch.set(batch, (perBatch.get(batch) ?? 0) + 1);
    }
    expect(perBatch.size).toBeGreaterThan(0);
    for (const [batch, count] of perBatch) expect(count, `batch ${batch}`).toBe(METRICS_PER_BATCH);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const status = await runCli(['db', 'status'], env);
    expect(status.code).toBe(0);
    remove();
  });
});

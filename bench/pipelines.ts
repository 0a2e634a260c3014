/**
 * Benchmark: pipeline scheduling overhead. For each executor — in-process on the embedded database, and
 * BullMQ on Redis with PostgreSQL (workers in this process, talking through the real queue) — it measures
 * the time from a task's end to its downstream task's start along a 100-task chain (p50/p99, from the
 * stored start and end times), and the wall time and throughput of a 1,000-task fan-out
 * (root → 1,000 parallel tasks → sink). Tasks do nothing: what is measured is the scheduler.
 *
 *   npm run bench:pipelines [-- --concurrency 8]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/logging/index.js';
import { openPipelines, type RunningPipelines } from '../src/pipelines/index.js';
import { openPlatform, type Platform } from '../src/platform/index.js';
import { scratchDatabase } from './helpers.js';
import { CHAIN, FANOUT } from './pipelines-definitions.js';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '8' },
  },
});
const repo = path.resolve(import.meta.dirname, '..');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function runToEnd(
  running: RunningPipelines,
  pipeline: string,
): Promise<{ runId: string; seconds: number }> {
  const started = performance.now();
  const run = await running.engine.trigger(pipeline);
  for (;;) {
    const current = await running.engine.run(run.run_id);
    if (current.state === 'success') break;
    if (current.state === 'failed') throw new Error(`${pipeline} failed`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { runId: run.run_id, seconds: (performance.now() - started) / 1000 };
}

async function measure(platform: Platform, label: string): Promise<Record<string, unknown>> {
  const running = await openPipelines(platform, { role: 'worker' });
  try {
    await runToEnd(running, 'bench_chain'); // warm-up
    const { runId, seconds } = await runToEnd(running, 'bench_chain');
    const tasks = await running.engine.tasks(runId);
    const byId = new Map(tasks.map((task) => [task.task_id, task]));
    const gaps: number[] = [];
    for (let index = 1; index < CHAIN; index++) {
      const before = byId.get(`t${index - 1}`)?.end_date?.getTime() ?? Number.NaN;
      const after = byId.get(`t${index}`)?.start_date?.getTime() ?? Number.NaN;
      gaps.push(after - before);
    }
    gaps.sort((a, b) => a - b);
    const fan = await runToEnd(running, 'bench_fanout');
    const result = {
      executor: label,
      chain_tasks: CHAIN,
      chain_seconds: seconds,
      task_to_task_p50_ms: percentile(gaps, 50),
      task_to_task_p99_ms: percentile(gaps, 99),
      fanout_tasks: FANOUT + 2,
      fanout_seconds: fan.seconds,
      fanout_tasks_per_second: (FANOUT + 2) / fan.seconds,
    };
    process.stderr.write(`${JSON.stringify(result)}\n`);
    return result;
  } finally {
    await running.stop();
  }
}

async function main(): Promise<void> {
  const services = execFileSync(
    'bash',
    [path.join(repo, 'scripts/run_local_services.sh'), 'up', 'postgres', 'redis'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  ).toString();
  const redisUrl = /MLOPS_TEST_REDIS_URL=(\S+)/.exec(services)?.[1] ?? '';
  const postgresUrl = /MLOPS_TEST_POSTGRES_URL=(\S+)/.exec(services)?.[1] ?? '';
  const file = path.join(repo, 'bench/pipelines-definitions.ts');
  const logger = createLogger({ level: 'warn', format: 'json' });
  const results: Record<string, unknown>[] = [];

  // The benchmark's pipelines are loaded by the engine as a user's MLOPS_PIPELINE_REPO.
  const common = {
    MLOPS_PIPELINE_REPO: file,
    MLOPS_PIPELINES_CONCURRENCY: values.concurrency,
    MLOPS_PIPELINES_TICK_MS: '1000',
  };
  const embeddedHome = mkdtempSync(path.join(tmpdir(), 'mlops-bench-pipelines-'));
  const embedded = await openPlatform(
    loadConfig({ env: { MLOPS_HOME: embeddedHome, ...common }, cwd: embeddedHome }),
    logger,
  );
  try {
    results.push(await measure(embedded, 'in-process, embedded database'));
  } finally {
    await embedded.close();
    rmSync(embeddedHome, { recursive: true, force: true });
  }

  const database = await scratchDatabase(postgresUrl, 'pipelines');
  const home = mkdtempSync(path.join(tmpdir(), 'mlops-bench-pipelines-'));
  const env = {
    MLOPS_HOME: home,
    MLOPS_DATABASE_URL: database.url,
    MLOPS_EXECUTOR: 'bullmq',
    REDIS_URL: redisUrl,
    MLOPS_BULLMQ_QUEUE: `bench-${process.pid}`,
    ...common,
  };
  const distributed = await openPlatform(loadConfig({ env, cwd: home }), logger);
  try {
    results.push(await measure(distributed, 'BullMQ on Redis, PostgreSQL'));
  } finally {
    await distributed.close();
    await database.drop();
    rmSync(home, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n\n`);
  for (const result of results) {
    process.stdout.write(
      `${String(result.executor).padEnd(32)} task→task p50 ${Number(result.task_to_task_p50_ms).toFixed(1)} ms, p99 ${Number(result.task_to_task_p99_ms).toFixed(1)} ms; ${result.fanout_tasks}-task fan-out ${Number(result.fanout_seconds).toFixed(2)} s (${Math.round(Number(result.fanout_tasks_per_second))} tasks/s)\n`,
    );
  }
}

await main();

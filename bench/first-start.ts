/**
 * Benchmark: what a new user waits for after `npm start`, on a fresh MLOPS_HOME and then on a second start
 * of the same home. Runs the built CLI (`node dist/cli/main.js up`, so `npm run build` first) with the
 * defaults a user gets, and measures from the spawn, polling every 50 ms:
 *   listening        the first HTTP answer (of any status) on /health
 *   recommendations  the first 200 from /api/v1/recommendations (the popularity baseline on a first start)
 *   champion         the first answer served by the trained champion
 *   ready            the first 200 from /ready (every component up, the champion loaded)
 * No peer: no reference tool starts the same stack.
 *
 *   npm run bench:first-start [-- --runs 3]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { freePort, printTable } from './helpers.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '1' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number of at least 1');

const CLI = path.resolve(import.meta.dirname, '../dist/cli/main.js');
const TIMEOUT_MS = 300_000;

type Milestone = 'listening' | 'recommendations' | 'champion' | 'ready';
const MILESTONES: Milestone[] = ['listening', 'recommendations', 'champion', 'ready'];

interface Start {
  label: string;
  seconds: Record<Milestone, number>;
}

async function probe(url: string): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const response = await fetch(url);
    const text = await response.text();
    return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
  } catch {
    return undefined;
  }
}

/** Starts `mlops up` on `home` and times each milestone; stops the process with SIGTERM at the end. */
async function timeStart(home: string, label: string): Promise<Start> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [CLI, 'up'], {
    env: { ...process.env, MLOPS_HOME: home, MLOPS_PORT: String(port), MLOPS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const seconds: Partial<Record<Milestone, number>> = {};
  const mark = (milestone: Milestone) => {
    seconds[milestone] ??= (performance.now() - started) / 1000;
  };
  try {
    while (MILESTONES.some((milestone) => seconds[milestone] === undefined)) {
      if (child.exitCode !== null) throw new Error(`mlops up exited (${child.exitCode}) during the ${label}`);
      if (performance.now() - started > TIMEOUT_MS) throw new Error(`the ${label} took over 5 minutes`);
      const health = await probe(`${base}/health`);
      if (health !== undefined) {
        mark('listening');
        const [recommendations, ready] = await Promise.all([
          probe(`${base}/api/v1/recommendations?user_id=7&k=10`),
          probe(`${base}/ready`),
        ]);
        if (recommendations?.status === 200) {
          mark('recommendations');
          const variant = (recommendations.body as { model?: { variant?: string } }).model?.variant;
          if (variant === 'champion') mark('champion');
        }
        if (ready?.status === 200) mark('ready');
      }
      await sleep(50);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  return { label, seconds: seconds as Record<Milestone, number> };
}

const results: Start[] = [];
for (let run = 1; run <= runs; run++) {
  const home = mkdtempSync(path.join(tmpdir(), 'mlops-bench-first-start-'));
  try {
    process.stderr.write(`run ${run}/${runs}: first start on ${home}\n`);
    results.push(await timeStart(home, 'first start'));
    process.stderr.write(`run ${run}/${runs}: second start\n`);
    results.push(await timeStart(home, 'second start'));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

process.stdout.write(
  `\nbench:first-start on ${cpus().length} cores, ${runs} run(s); seconds from spawning \`mlops up\` (median of runs)\n`,
);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
};
printTable<string>(
  [
    ['start', (label) => label],
    ...MILESTONES.map(
      (milestone) =>
        [
          milestone,
          (label: string) =>
            median(
              results.filter((start) => start.label === label).map((start) => start.seconds[milestone]),
            ).toFixed(1),
        ] as const,
    ),
  ],
  ['first start', 'second start'],
);

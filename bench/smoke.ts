/**
 * The benchmarks in small: serving, tracking, features and events, each a few seconds, each beside its
 * reference peer when that peer is installed (the pinned virtualenvs of scripts/setup_bench_python.sh,
 * setup_mlflow_server.sh and setup_feast_python.sh, in `.services/` or ~/.cache/movie-mlops; nothing is
 * installed here). Prints one table of the key
 * figures and ratios and writes them to a JSON file, so every CI run records where the ratios stand.
 * It never fails on a timing: only a bench that crashes makes it exit non-zero.
 *
 *   npm run bench:smoke [-- --json bench-smoke.json]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { printTable } from './helpers.js';

const { values } = parseArgs({ options: { json: { type: 'string', default: 'bench-smoke.json' } } });
const repo = path.resolve(import.meta.dirname, '..');
const services = path.join(repo, '.services');
const work = mkdtempSync(path.join(tmpdir(), 'mlops-bench-smoke-'));

type Json = Record<string, unknown>;
interface Row {
  bench: string;
  measure: string;
  ours: string;
  peer: string;
  ratio: string;
}

/**
 * Where each reference peer's pinned virtualenv is, if its setup script ran before: this checkout's
 * `.services/`, or the machine's cache (MLOPS_BENCH_CACHE, default ~/.cache/movie-mlops), which outlives
 * checkouts so a fresh clone on the same machine (CI) still finds the peers.
 */
const cache = process.env.MLOPS_BENCH_CACHE ?? path.join(homedir(), '.cache', 'movie-mlops');
const venv = (name: string, marker: string) =>
  [path.join(services, name), path.join(cache, name)].find((dir) => existsSync(path.join(dir, marker)));
const venvs = {
  serving: venv('bench-venv', '.mlops-bench-requirements'),
  tracking: venv('mlflow-server-venv', 'bin/mlflow'),
  features: venv('feast-venv', 'bin/feast'),
};
const peers = {
  serving: venvs.serving !== undefined,
  tracking: venvs.tracking !== undefined,
  features: venvs.features !== undefined,
};
// The setup scripts the benches call find the venvs there and only print their paths.
const childEnv = {
  ...process.env,
  ...(venvs.serving === undefined ? {} : { MLOPS_BENCH_VENV: venvs.serving }),
  ...(venvs.tracking === undefined ? {} : { MLOPS_MLFLOW_SERVER_VENV: venvs.tracking }),
  ...(venvs.features === undefined ? {} : { MLOPS_FEAST_VENV: venvs.features }),
};

/** Runs one bench with its small arguments; its figures come back through --json. */
function bench(name: string, script: string, args: string[]): { figures: Json | undefined; seconds: number } {
  const file = path.join(work, `${name}.json`);
  const started = performance.now();
  process.stderr.write(`== bench:smoke ${name}: ${script} ${args.join(' ')}\n`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(repo, 'bench', script), ...args, '--json', file],
    { stdio: ['ignore', 'ignore', 'inherit'], timeout: 240_000, env: childEnv },
  );
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0 || !existsSync(file)) {
    process.stderr.write(`bench:smoke ${name} failed (exit ${result.status ?? result.signal})\n`);
    return { figures: undefined, seconds };
  }
  return { figures: JSON.parse(readFileSync(file, 'utf8')) as Json, seconds };
}

const number = (value: unknown, digits = 0) =>
  typeof value === 'number' && Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-';
const times = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) ? `${value.toFixed(2)}×` : '-';
const noPeer = 'not installed';

const rows: Row[] = [];
const summary: Json = { date: new Date().toISOString(), commit: gitCommit(), peers, benches: {} };
let isCrashed = false;

function record(name: string, run: { figures: Json | undefined; seconds: number }): Json | undefined {
  (summary.benches as Json)[name] = { seconds: run.seconds, figures: run.figures ?? null };
  if (run.figures === undefined) {
    isCrashed = true;
    rows.push({ bench: name, measure: 'crashed', ours: '-', peer: '-', ratio: '-' });
  }
  return run.figures;
}

// Serving: 10,000 movies × 64 factors (the approximate index, and the exact server for its recall), 32 connections, 4 s per server.
const serving = record(
  'serving',
  bench('serving', 'serving.ts', [
    '--seconds',
    '4',
    '--interactions',
    '200000',
    '--iterations',
    '4',
    ...(peers.serving ? [] : ['--no-reference']),
  ]),
);
if (serving !== undefined) {
  const load = (key: string) =>
    serving[key] as { requests_per_second: number; latency_p99_ms: number } | null;
  const peer = load('peer');
  for (const [label, key, ratio] of [
    ['uncached req/s', 'uncached', 'uncached_ratio'],
    ['cached req/s', 'cached', 'cached_ratio'],
  ] as const)
    rows.push({
      bench: 'serving (FastAPI + PyTorch)',
      measure: label,
      ours: number(load(key)?.requests_per_second),
      peer: peer === null ? noPeer : number(peer.requests_per_second),
      ratio: times(serving[ratio]),
    });
  rows.push({
    bench: 'serving (FastAPI + PyTorch)',
    measure: 'uncached p99 ms',
    ours: number(load('uncached')?.latency_p99_ms, 1),
    peer: peer === null ? noPeer : number(peer.latency_p99_ms, 1),
    ratio: peer === null ? '-' : times((peer.latency_p99_ms ?? 0) / (load('uncached')?.latency_p99_ms ?? 1)),
  });
  const recall = serving.served_recall_at_10;
  if (typeof recall === 'number')
    rows.push({
      bench: 'serving (FastAPI + PyTorch)',
      measure: 'approximate answers holding the exact top 10',
      ours: `${(recall * 100).toFixed(1)} %`,
      peer: 'exact',
      ratio: '-',
    });
}

// Tracking: the official mlflow client against us and against mlflow server.
if (peers.tracking) {
  const tracking = record(
    'tracking',
    bench('tracking', 'tracking.ts', ['--singles', '200', '--batches', '5', '--runs', '200']),
  );
  for (const figure of Object.values(tracking ?? {}) as {
    label: string;
    ours: number;
    peer: number;
    ratio: number;
  }[])
    rows.push({
      bench: 'tracking (mlflow server)',
      measure: figure.label,
      ours: number(figure.ours, 1),
      peer: number(figure.peer, 1),
      ratio: times(figure.ratio),
    });
} else rows.push({ bench: 'tracking (mlflow server)', measure: '-', ours: '-', peer: noPeer, ratio: '-' });

// Features: 10,000 movies × 10 features, HTTP reads of 1 and 100 entities.
const features = record(
  'features',
  bench('features', 'features.ts', [
    '--quick',
    '--seconds',
    '3',
    '--entities',
    '10000',
    ...(peers.features ? [] : ['--no-reference']),
  ]),
);
if (features !== undefined) {
  for (const batch of [1, 100]) {
    const ours = features[`http_embedded_${batch}`] as { requests_per_second: number } | undefined;
    const feast = features[`http_feast_${batch}`] as { requests_per_second: number } | undefined;
    rows.push({
      bench: 'features (Feast serve)',
      measure: `HTTP reads of ${batch} entities, req/s`,
      ours: number(ours?.requests_per_second),
      peer: feast === undefined ? noPeer : number(feast.requests_per_second),
      ratio:
        feast === undefined || ours === undefined
          ? '-'
          : times(ours.requests_per_second / feast.requests_per_second),
    });
  }
}

// Events: the embedded log (no peer: Kafka is one of our own backends, measured by bench:events).
const events = record(
  'events',
  bench('events', 'events.ts', [
    '--backends',
    'embedded',
    '--events',
    '3000',
    '--window',
    '500',
    '--latency-events',
    '100',
  ]),
);
const embedded = (events as unknown as Record<string, number>[] | undefined)?.[0];
if (embedded !== undefined) {
  for (const [label, key] of [
    ['publish 1 at a time/s', 'publish_sequential_per_s'],
    ['publish 500 in flight/s', 'publish_concurrent_per_s'],
    ['consume/s', 'consume_per_s'],
  ] as const)
    rows.push({
      bench: 'events (embedded log)',
      measure: label,
      ours: number(embedded[key]),
      peer: '-',
      ratio: '-',
    });
  rows.push({
    bench: 'events (embedded log)',
    measure: 'end-to-end p50 ms',
    ours: number(embedded.latency_p50_ms, 2),
    peer: '-',
    ratio: '-',
  });
}

rmSync(work, { recursive: true, force: true });
summary.rows = rows;
writeFileSync(values.json, `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(`\nbench:smoke at ${summary.commit} (${summary.date}); ratio > 1: ours is better\n`);
printTable(
  [
    ['bench', (row: Row) => row.bench],
    ['measure', (row: Row) => row.measure],
    ['ours', (row: Row) => row.ours],
    ['peer', (row: Row) => row.peer],
    ['ratio', (row: Row) => row.ratio],
  ],
  rows,
);
process.stdout.write(`figures written to ${values.json}\n`);
process.exitCode = isCrashed ? 1 : 0;

function gitCommit(): string {
  const result = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : 'unknown';
}

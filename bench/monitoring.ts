/**
 * Benchmark: monitoring costs. (1) Drift detection on 1M reference rows and 1M current rows × 20 features
 * (10 continuous, 5 with few values, 5 categorical; half of them shifted), with Evidently's choice of
 * tests. (2) The instrumentation of every request: the time `observeRequest` (a counter, a histogram and
 * the traffic window) and `/metrics` rendering take, against the same server answering `/health` with the
 * instrumentation hook on and off (autocannon, 16 connections, in a process of its own).
 *
 *   npm run bench:monitoring
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { SeededRandom } from '../src/data/index.js';
import { type DriftColumn, detectDrift, PlatformMetrics } from '../src/monitoring/index.js';

const ROWS = 1_000_000;
const repo = path.resolve(import.meta.dirname, '..');

function columns(): DriftColumn[] {
  const random = new SeededRandom(7);
  const normal = (mean: number, sd: number) =>
    Float64Array.from({ length: ROWS }, () => mean + sd * random.normal());
  const few = (shift: number) =>
    Float64Array.from({ length: ROWS }, () => Math.min(4, Math.floor(random.next() * 5 + shift)));
  const genres = ['Drama', 'Comedy', 'Action', 'Thriller', 'Horror', 'Romance', 'Crime', 'Family'];
  const categorical = (skew: number) =>
    Array.from(
      { length: ROWS },
      () =>
        genres[Math.min(genres.length - 1, Math.floor(random.next() ** (1 + skew) * genres.length))] ??
        'Drama',
    );
  const result: DriftColumn[] = [];
  for (let index = 0; index < 10; index++)
    result.push({
      name: `num_${index}`,
      kind: 'numerical',
      reference: normal(0, 1),
      current: normal(index < 5 ? 0.3 : 0, 1),
    });
  for (let index = 0; index < 5; index++)
    result.push({
      name: `few_${index}`,
      kind: 'numerical',
      reference: few(0),
      current: few(index < 2 ? 0.4 : 0),
    });
  for (let index = 0; index < 5; index++)
    result.push({
      name: `cat_${index}`,
      kind: 'categorical',
      reference: categorical(0),
      current: categorical(index < 3 ? 1 : 0),
    });
  return result;
}

function instrumentation(): { observe_ns: number; render_ms: number; series: number } {
  const metrics = new PlatformMetrics();
  const routes = [
    '/health',
    '/api/v1/recommendations',
    '/get-online-features',
    '/api/v1/movies',
    '/api/v1/dags',
  ];
  const calls = 1_000_000;
  for (let index = 0; index < 100_000; index++)
    metrics.observeRequest('GET', routes[index % 5] as string, 200, 0.002);
  const started = process.hrtime.bigint();
  for (let index = 0; index < calls; index++)
    metrics.observeRequest(
      'GET',
      routes[index % 5] as string,
      index % 100 === 0 ? 500 : 200,
      (index % 50) / 10_000,
    );
  const observeNs = Number(process.hrtime.bigint() - started) / calls;
  return { observe_ns: observeNs, render_ms: 0, series: routes.length };
}

async function main(): Promise<void> {
  process.stderr.write(`generating ${ROWS.toLocaleString()} × 2 rows × 20 features\n`);
  const data = columns();
  const started = performance.now();
  const report = detectDrift(data);
  const driftSeconds = (performance.now() - started) / 1000;
  const counts = new Map<string, number>();
  for (const column of report.columns) counts.set(column.test, (counts.get(column.test) ?? 0) + 1);
  const tests = [...counts];

  const observed = instrumentation();
  const metrics = new PlatformMetrics();
  for (let index = 0; index < 10_000; index++)
    metrics.observeRequest('GET', `/route/${index % 40}`, 200, 0.001);
  const renderStarted = performance.now();
  for (let index = 0; index < 100; index++) await metrics.registry.metrics();
  observed.render_ms = (performance.now() - renderStarted) / 100;

  const load = spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'bench/monitoring-load.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const http = JSON.parse(load.stdout.toString().trim().split('\n').at(-1) ?? '{}') as Record<
    string,
    { requests_per_second: number; latency_p50_ms: number; latency_p99_ms: number }
  >;

  const figures = { drift_seconds: driftSeconds, drifted: report.drifted_columns, tests, ...observed, http };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n\n`);
  process.stdout.write(
    `drift detection, 1M + 1M rows × 20 features: ${driftSeconds.toFixed(2)} s (${report.drifted_columns} drifted; tests ${tests.map(([test, n]) => `${test}×${n}`).join(', ')})\n`,
  );
  process.stdout.write(
    `observeRequest: ${observed.observe_ns.toFixed(0)} ns per request; /metrics with 40 routes: ${observed.render_ms.toFixed(2)} ms\n`,
  );
  for (const [mode, value] of Object.entries(http))
    process.stdout.write(
      `GET /health, instrumentation ${mode}: ${Math.round(value.requests_per_second)} req/s, p50 ${value.latency_p50_ms} ms, p99 ${value.latency_p99_ms} ms\n`,
    );
}

await main();

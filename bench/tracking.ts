/**
 * Benchmark: the official mlflow Python client against our tracking server and against a real
 * `mlflow server` (SQLite backend), started in the same run, on this machine.
 *
 *   npx tsx bench/tracking.ts [--singles 500] [--batches 20] [--runs 2000]
 *   npx tsx bench/tracking.ts --database-url "$MLOPS_TEST_POSTGRES_URL"   (ours on PostgreSQL)
 *
 * Prints log_metric calls/s, log_batch throughput (1,000 metrics per call), runs created/s and the
 * median latency of a filtered, ordered search over `--runs` runs, with our/MLflow ratios.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/logging/index.js';
import { openPlatform } from '../src/platform/index.js';
import { buildApp, startServer } from '../src/server/index.js';

const { values } = parseArgs({
  options: {
    singles: { type: 'string', default: '500' },
    batches: { type: 'string', default: '20' },
    runs: { type: 'string', default: '2000' },
    json: { type: 'string' },
    /** Our server on this PostgreSQL database instead of the embedded PGlite (e.g. MLOPS_TEST_POSTGRES_URL). */
    'database-url': { type: 'string' },
  },
});
const repo = path.resolve(import.meta.dirname, '..');
const clientPython = execFileSync('bash', [path.join(repo, 'scripts/setup_mlflow_client.sh')])
  .toString()
  .trim();
const serverBin = execFileSync('bash', [path.join(repo, 'scripts/setup_mlflow_server.sh')])
  .toString()
  .trim();
const work = mkdtempSync(path.join(tmpdir(), 'mlops-bench-tracking-'));

type Figures = Record<string, number>;

/** Runs the client in a child process, asynchronously: our server lives in this process and must keep answering. */
async function measure(uri: string): Promise<Figures> {
  const { stdout: output } = await promisify(execFile)(
    clientPython,
    [path.join(repo, 'bench/mlflow_tracking_bench.py'), uri, values.singles, values.batches, values.runs],
    {
      env: { ...process.env, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' },
      maxBuffer: 10 * 1024 * 1024,
    },
  );
  return JSON.parse(String(output).trim().split('\n').at(-1) ?? '{}') as Figures;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (
      await fetch(url).then(
        (response) => response.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within ${seconds} s`);
}

// Ours: embedded PGlite (or PostgreSQL with --database-url) and local artifacts, one process.
const home = path.join(work, 'mlops');
const databaseUrl = values['database-url'];
const config = loadConfig({
  env: {
    MLOPS_HOME: home,
    MLOPS_PORT: String(await freePort()),
    MLOPS_LOG_LEVEL: 'warn',
    ...(databaseUrl === undefined ? {} : { MLOPS_DATABASE_URL: databaseUrl }),
  },
  cwd: work,
});
const platform = await openPlatform(config, createLogger({ level: 'warn', format: 'json' }));
const ours = await startServer(await buildApp(platform), platform);
const oursFigures = await measure(ours.url);
await ours.shutdown('benchmark done');

// The reference: mlflow server with SQLite, as its quick start runs it.
const mlflowPort = await freePort();
const mlflow: ChildProcess = spawn(
  path.join(serverBin, 'mlflow'),
  [
    'server',
    '--host',
    '127.0.0.1',
    '--port',
    String(mlflowPort),
    '--backend-store-uri',
    `sqlite:///${path.join(work, 'mlflow.db')}`,
    '--artifacts-destination',
    path.join(work, 'mlartifacts'),
  ],
  { stdio: 'ignore', detached: true },
);
let mlflowFigures: Figures;
try {
  await waitForHttp(`http://127.0.0.1:${mlflowPort}/health`, 120);
  mlflowFigures = await measure(`http://127.0.0.1:${mlflowPort}`);
} finally {
  try {
    if (mlflow.pid !== undefined) process.kill(-mlflow.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
rmSync(work, { recursive: true, force: true });

const rows: [string, string, boolean][] = [
  ['log_metric calls/s', 'log_metric_per_s', true],
  ['log_batch metrics/s (1,000 per call)', 'log_batch_metrics_per_s', true],
  ['create run + log_batch, runs/s', 'create_and_log_runs_per_s', true],
  [`search over ${values.runs} runs, median ms`, 'search_ms_median', false],
];
console.log(
  `tracking: mlflow-skinny 2.22.0 client; ours (${databaseUrl === undefined ? 'PGlite' : 'PostgreSQL'}, one Node process) vs mlflow server 2.22.0 (SQLite); ${values.singles} single calls, ${values.batches} batches, ${values.runs} runs`,
);
console.log(`${'measure'.padEnd(42)}${'ours'.padStart(12)}${'mlflow'.padStart(12)}${'ratio'.padStart(10)}`);
for (const [label, key, isHigherBetter] of rows) {
  const a = oursFigures[key] ?? Number.NaN;
  const b = mlflowFigures[key] ?? Number.NaN;
  const ratio = isHigherBetter ? a / b : b / a;
  console.log(
    `${label.padEnd(42)}${a.toFixed(1).padStart(12)}${b.toFixed(1).padStart(12)}${`${ratio.toFixed(2)}x`.padStart(10)}`,
  );
}
console.log('ratio > 1 means ours is faster');
if (values.json !== undefined)
  writeFileSync(
    values.json,
    JSON.stringify(
      Object.fromEntries(
        rows.map(([label, key, isHigherBetter]) => {
          const a = oursFigures[key] ?? Number.NaN;
          const b = mlflowFigures[key] ?? Number.NaN;
          return [key, { label, ours: a, peer: b, ratio: isHigherBetter ? a / b : b / a }];
        }),
      ),
    ),
  );

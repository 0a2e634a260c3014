/**
 * Benchmark: the feature store. A feature view `movie_bench` of 10 float features over 100,000 movies
 * (10 snapshots each: 1M offline rows) is built, materialized into the embedded store and into Redis, and
 * read: in-process (one request at a time) and over HTTP under concurrent load (autocannon in its own
 * process, Feast's `/get-online-features` body), for 1 entity and for 100 entities × 10 features. The
 * reference peer is the real Feast (pinned by scripts/setup_feast_python.sh) with its SQLite online store,
 * read the same two ways on the same values. Then historical retrieval of 1M entity rows. Writes: Feast's
 * `POST /push` (to the online store) of 1000 rows per request, one client, on our two stores and on Feast.
 *
 *   npm run bench:features [-- --seconds 10 --connections 16 --no-reference]
 *   npm run bench:features -- --database-url postgres://…/db   (also the embedded store on PostgreSQL)
 *
 * `--quick` (what bench:smoke runs): HTTP reads under load only, embedded store and Feast serve.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.js';
import { sqlString, withDuckDb } from '../src/data/index.js';
import {
  BUILTIN_FEATURES,
  defineFeatures,
  FeatureStore,
  featureView,
  type OnlineFeaturesResponse,
} from '../src/features/index.js';
import { recordDatasetVersion } from '../src/lineage/index.js';
import { createLogger } from '../src/logging/index.js';
import { openPlatform } from '../src/platform/index.js';
import { freePort, scratchDatabase, waitForServer } from './helpers.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    entities: { type: 'string', default: '100000' },
    'no-reference': { type: 'boolean', default: false },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
    /** Also the embedded online store on PostgreSQL: a database the bench may fill (its metadata too). */
    'database-url': { type: 'string' },
  },
});
// --database-url names a PostgreSQL server: the bench works in a fresh database of its own on it, dropped at the end.
const scratch =
  values['database-url'] === undefined
    ? undefined
    : await scratchDatabase(values['database-url'], 'features');
const databaseUrl = scratch?.url;
const repo = path.resolve(import.meta.dirname, '..');
const ENTITIES = Number(values.entities);
const SNAPSHOTS = 10;
const FEATURES = Array.from({ length: 10 }, (_, index) => `f${index}`);
const REFS = FEATURES.map((name) => `movie_bench:${name}`);
const home = mkdtempSync(path.join(tmpdir(), 'mlops-bench-features-'));
const redisPrefix = `bench-features:${process.pid}:`;
const logger = createLogger({ level: 'warn', format: 'json' });

const benchView = featureView({
  name: 'movie_bench',
  entities: ['movie'],
  pushSource: 'movie_bench_push',
  description: '10 random features per movie, 10 snapshots each',
  schema: FEATURES.map((name) => ({ name, dtype: 'float64' as const })),
  source: {
    inputs: ['movie_bench_source'],
    query: 'select * from movie_bench_source',
    timestampField: 'event_timestamp',
  },
});
const definitions = defineFeatures({
  ...BUILTIN_FEATURES,
  featureViews: [...BUILTIN_FEATURES.featureViews, benchView],
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Writes the offline data: every movie at SNAPSHOTS times; and the latest snapshot alone for Feast. */
async function writeData(dir: string): Promise<{ history: string; latest: string }> {
  const history = path.join(dir, 'movie_bench_source.parquet');
  const latest = path.join(dir, 'movie_bench_latest.parquet');
  await withDuckDb(async (connection) => {
    await connection.run('select setseed(0.42)');
    await connection.run(
      `create table history as
       select movie_id::BIGINT as movie_id,
         (timestamp '2026-11-01' + to_days(snapshot * 3)) as event_timestamp,
         ${FEATURES.map((name) => `random() as ${name}`).join(', ')}
       from range(1, ${ENTITIES + 1}) movies(movie_id), range(0, ${SNAPSHOTS}) snapshots(snapshot)`,
    );
    await connection.run(`copy history to ${sqlString(history)} (format parquet)`);
    await connection.run(
      `copy (select * from history qualify row_number() over (partition by movie_id order by event_timestamp desc) = 1)
       to ${sqlString(latest)} (format parquet)`,
    );
  });
  return { history, latest };
}

interface Latency {
  p50_ms: number;
  p99_ms: number;
}

/** One request at a time, in this process: the store and the serving code without HTTP. */
async function inProcess(store: FeatureStore, batch: number, requests: number): Promise<Latency> {
  let next = 99;
  const ids = () =>
    Array.from({ length: batch }, () => {
      next = (Math.imul(next, 1_103_515_245) + 12_345) >>> 0;
      return 1 + (next % ENTITIES);
    });
  for (let index = 0; index < 200; index++)
    await store.getOnlineFeatures({ features: REFS, entities: { movie_id: ids() } });
  const times: number[] = [];
  for (let index = 0; index < requests; index++) {
    const request = { features: REFS, entities: { movie_id: ids() } };
    const started = performance.now();
    await store.getOnlineFeatures(request);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50_ms: percentile(times, 50), p99_ms: percentile(times, 99) };
}

interface Load {
  requests_per_second: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  non_2xx: number;
  errors: number;
}

/** Runs the load generator in its own process: `connections` clients, or `sequential` (one at a time). */
function load<T = Load>(url: string, batch: number, connections = values.connections): T {
  const run = (seconds: string) =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(repo, 'bench/feature-load-generator.ts'),
        url,
        String(batch),
        String(ENTITIES),
        connections,
        seconds,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
  run('2'); // warm-up: JIT, connections
  const result = run(values.seconds);
  return JSON.parse(result.stdout.toString().trim().split('\n').at(-1) ?? '{}') as T;
}

interface WriteThroughput {
  rows_per_second: number;
  request_p50_ms: number;
  requests: number;
  rows_per_request: number;
}

/**
 * Pushes rows to the online store through Feast's `POST /push`, one request at a time: `requests` requests
 * of `rows` random movies each, every request newer than the last (so every row is a real write).
 */
async function pushLoad(baseUrl: string, rows = 1000, requests = 30): Promise<WriteThroughput> {
  let next = 7;
  const random = () => {
    next = (Math.imul(next, 1_103_515_245) + 12_345) >>> 0;
    return next;
  };
  const bodies = Array.from({ length: requests + 3 }, (_, request) => {
    const stamp = new Date(Date.UTC(2026, 11, 1, 0, 0, request)).toISOString().replace('Z', '+00:00');
    return JSON.stringify({
      push_source_name: 'movie_bench_push',
      to: 'online',
      df: {
        movie_id: Array.from({ length: rows }, () => 1 + (random() % ENTITIES)),
        event_timestamp: new Array(rows).fill(stamp),
        ...Object.fromEntries(
          FEATURES.map((name) => [name, Array.from({ length: rows }, () => random() / 2 ** 32)]),
        ),
      },
    });
  });
  const times: number[] = [];
  for (const [index, body] of bodies.entries()) {
    const started = performance.now();
    const response = await fetch(`${baseUrl}/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    if (!response.ok) throw new Error(`${baseUrl}/push: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
    if (index >= 3) times.push(performance.now() - started); // the first three warm up
  }
  const total = times.reduce((sum, time) => sum + time, 0);
  times.sort((a, b) => a - b);
  return {
    rows_per_second: (requests * rows) / (total / 1000),
    request_p50_ms: percentile(times, 50),
    requests,
    rows_per_request: rows,
  };
}

async function postFeatures(url: string, ids: number[]): Promise<OnlineFeaturesResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ features: REFS, entities: { movie_id: ids } }),
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as OnlineFeaturesResponse;
}

/** Feature name → values, whatever order the server put the columns in. */
function byName(response: OnlineFeaturesResponse): Map<string, unknown[]> {
  return new Map(
    response.metadata.feature_names.map((name, index) => [name, response.results[index]?.values ?? []]),
  );
}

async function ourServer(
  store: 'embedded' | 'redis' | 'postgres',
  redisUrl: string,
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'src/cli/main.ts'), 'up'], {
    env: {
      ...process.env,
      MLOPS_HOME: home,
      MLOPS_PORT: String(port),
      MLOPS_LOG_LEVEL: 'warn',
      MLOPS_LOG_FORMAT: 'json',
      MLOPS_SERVING: 'false',
      MLOPS_DEMO_DATA: 'false',
      MLOPS_FEATURES_BOOTSTRAP: 'false',
      MLOPS_FEATURES_MAX_ENTITIES: '1000',
      MLOPS_ONLINE_STORE: store === 'redis' ? 'redis' : 'embedded',
      ...(store === 'postgres' && databaseUrl !== undefined ? { MLOPS_DATABASE_URL: databaseUrl } : {}),
      REDIS_URL: redisUrl,
      MLOPS_REDIS_KEY_PREFIX: redisPrefix,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForServer(`http://127.0.0.1:${port}/ready`, child);
  return { child, url: `http://127.0.0.1:${port}/get-online-features` };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** A platform on the bench's home (and `env`) with the source history recorded as a dataset version. */
async function benchPlatform(history: string, env: Record<string, string | undefined>) {
  const config = loadConfig({ env: { MLOPS_HOME: home, ...env }, cwd: home });
  const platform = await openPlatform(config, logger);
  const context = { db: platform.database.db, artifacts: platform.artifacts, home, logger };
  await recordDatasetVersion(context, {
    dataset: 'movie_bench_source',
    file: history,
    format: 'parquet',
    source: 'bench',
    params: {},
    rowCount: ENTITIES * SNAPSHOTS,
  });
  return { config, platform, context };
}

/** Builds and materializes the view; unless --quick, reads it in-process and retrieves a training set. */
async function inProcessFigures(
  history: string,
  dataDir: string,
  redisUrl: string,
  figures: Record<string, unknown>,
): Promise<void> {
  const { config, platform, context } = await benchPlatform(history, {});
  try {
    const embedded = await FeatureStore.open({ ...context, config: config.features });
    await embedded.apply(definitions);
    let started = performance.now();
    await embedded.build({ views: ['movie_bench'] });
    figures.build_seconds = (performance.now() - started) / 1000;
    started = performance.now();
    await embedded.materialize({ views: ['movie_bench'] });
    figures.materialize_embedded_seconds = (performance.now() - started) / 1000;
    const redisConfig = {
      ...config.features,
      onlineStore: 'redis' as const,
      redisUrl,
      redisKeyPrefix: redisPrefix,
    };
    if (values.quick) {
      await embedded.close();
      return;
    }
    const redis = await FeatureStore.open({ ...context, config: redisConfig });
    started = performance.now();
    await redis.materialize({ views: ['movie_bench'] });
    figures.materialize_redis_seconds = (performance.now() - started) / 1000;

    for (const [name, store] of [
      ['embedded', embedded],
      ['redis', redis],
    ] as const) {
      figures[`in_process_${name}_1`] = await inProcess(store, 1, 20_000);
      figures[`in_process_${name}_100`] = await inProcess(store, 100, 2000);
    }

    // Historical retrieval: 1M entity rows at random times over the snapshots' span.
    const entityFile = path.join(dataDir, 'entity_rows.parquet');
    await withDuckDb(async (connection) => {
      await connection.run('select setseed(0.7)');
      await connection.run(
        `copy (select (1 + floor(random() * ${ENTITIES}))::BIGINT as movie_id,
           timestamp '2026-10-30' + to_seconds((random() * 32 * 86400)::BIGINT) as event_timestamp
         from range(1000000)) to ${sqlString(entityFile)} (format parquet)`,
      );
    });
    started = performance.now();
    const historical = await embedded.historical({
      entities: { file: entityFile },
      features: REFS,
      outputFile: path.join(dataDir, 'training.parquet'),
    });
    figures.historical_1m_rows_seconds = (performance.now() - started) / 1000;
    figures.historical_rows = historical.rowCount;
    await embedded.close();
    await redis.close();
  } finally {
    await platform.close();
  }
  if (databaseUrl !== undefined) await postgresFigures(history, figures);
}

/** The embedded online store with the metadata on PostgreSQL (`--database-url`): materialize, in-process reads. */
async function postgresFigures(history: string, figures: Record<string, unknown>): Promise<void> {
  const { config, platform, context } = await benchPlatform(history, { MLOPS_DATABASE_URL: databaseUrl });
  try {
    const store = await FeatureStore.open({ ...context, config: config.features });
    try {
      await store.apply(definitions);
      await store.build({ views: ['movie_bench'] });
      const started = performance.now();
      await store.materialize({ views: ['movie_bench'] });
      figures.materialize_postgres_seconds = (performance.now() - started) / 1000;
      figures.in_process_postgres_1 = await inProcess(store, 1, 20_000);
      figures.in_process_postgres_100 = await inProcess(store, 100, 2000);
    } finally {
      await store.close();
    }
  } finally {
    await platform.close();
  }
}

async function main(): Promise<void> {
  const services = execFileSync('bash', [path.join(repo, 'scripts/run_local_services.sh'), 'up', 'redis'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  }).toString();
  const redisUrl = /MLOPS_TEST_REDIS_URL=(\S+)/.exec(services)?.[1];
  if (redisUrl === undefined) throw new Error('run_local_services.sh did not start Redis');

  const dataDir = path.join(home, 'bench-data');
  mkdirSync(dataDir, { recursive: true });
  process.stderr.write(`writing ${ENTITIES} movies × ${SNAPSHOTS} snapshots × ${FEATURES.length} features\n`);
  const { history, latest } = await writeData(dataDir);
  const figures: Record<string, unknown> = {};
  await inProcessFigures(history, dataDir, redisUrl, figures);

  // HTTP under load: our server on each store, then Feast.
  const sample = [1, 2, 3, ENTITIES];
  let ourValues: Map<string, unknown[]> | undefined;
  const stores = values.quick
    ? (['embedded'] as const)
    : (['embedded', 'redis', ...(databaseUrl === undefined ? [] : (['postgres'] as const))] as const);
  for (const store of stores) {
    const server = await ourServer(store, redisUrl);
    try {
      ourValues ??= byName(await postFeatures(server.url, sample));
      if (!values.quick) {
        figures[`one_client_${store}_1`] = load<Latency>(server.url, 1, 'sequential');
        figures[`one_client_${store}_100`] = load<Latency>(server.url, 100, 'sequential');
      }
      figures[`http_${store}_1`] = load(server.url, 1);
      figures[`http_${store}_100`] = load(server.url, 100);
      if (!values.quick)
        figures[`push_${store}`] = await pushLoad(server.url.replace('/get-online-features', ''));
    } finally {
      await stop(server.child);
    }
  }

  if (!values['no-reference']) {
    const python = execFileSync('bash', [path.join(repo, 'scripts/setup_feast_python.sh')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .toString()
      .trim()
      .split('\n')
      .at(-1) as string;
    const feastRepo = path.join(home, 'feast-repo');
    const script = path.join(repo, 'bench/reference/feast_reference.py');
    process.stderr.write('preparing Feast (apply + materialize into SQLite)\n');
    const prepared = JSON.parse(
      execFileSync(python, [script, 'prepare', '--data', latest, '--repo', feastRepo], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
        .toString()
        .trim()
        .split('\n')
        .at(-1) as string,
    ) as { feast_version: string; materialize_seconds: number };
    figures.feast_version = prepared.feast_version;
    figures.feast_materialize_seconds = prepared.materialize_seconds;
    const idsFile = path.join(dataDir, 'ids.txt');
    let next = 99;
    writeFileSync(
      idsFile,
      Array.from({ length: 20_000 }, () => {
        next = (Math.imul(next, 1_103_515_245) + 12_345) >>> 0;
        return 1 + (next % ENTITIES);
      }).join('\n'),
    );
    for (const [batch, requests] of values.quick
      ? []
      : ([
          [1, 20_000],
          [100, 1000],
        ] as const)) {
      const result = spawnSync(
        python,
        [
          script,
          'sdk-latency',
          '--repo',
          feastRepo,
          '--ids',
          idsFile,
          '--batch',
          String(batch),
          '--requests',
          String(requests),
        ],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      figures[`feast_sdk_${batch}`] = JSON.parse(result.stdout.toString().trim().split('\n').at(-1) ?? '{}');
    }
    const port = await freePort();
    const feast = spawn(
      path.join(path.dirname(python), 'feast'),
      [
        '-c',
        feastRepo,
        'serve',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--no-access-log',
        '--workers',
        '1',
        '--max-requests',
        '0',
      ],
      { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, FEAST_USAGE: 'False' } },
    );
    try {
      figures.feast_start_ms = await waitForServer(`http://127.0.0.1:${port}/health`, feast);
      const url = `http://127.0.0.1:${port}/get-online-features`;
      const feastValues = byName(await postFeatures(url, sample));
      figures.values_agree = FEATURES.every(
        (name) => JSON.stringify(feastValues.get(name)) === JSON.stringify(ourValues?.get(name)),
      );
      if (!values.quick) {
        figures.one_client_feast_1 = load<Latency>(url, 1, 'sequential');
        figures.one_client_feast_100 = load<Latency>(url, 100, 'sequential');
      }
      figures.http_feast_1 = load(url, 1);
      figures.http_feast_100 = load(url, 100);
      // Last: the pushes change Feast's values (after values_agree was taken).
      if (!values.quick) figures.push_feast = await pushLoad(`http://127.0.0.1:${port}`);
    } finally {
      await stop(feast);
    }
  }
  rmSync(home, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(figures));
  printSummary(figures);
}

function printSummary(figures: Record<string, unknown>): void {
  const get = (key: string) => figures[key] as (Load & Latency) | undefined;
  const row = (label: string, key: string) => {
    const value = get(key);
    if (value === undefined) return;
    const p50 = value.p50_ms ?? value.latency_p50_ms;
    const p99 = value.p99_ms ?? value.latency_p99_ms;
    const rps =
      value.requests_per_second === undefined ? '' : `  ${Math.round(value.requests_per_second)} req/s`;
    process.stdout.write(`${label.padEnd(44)} p50 ${p50.toFixed(3)} ms  p99 ${p99.toFixed(3)} ms${rps}\n`);
  };
  process.stdout.write('\nonline reads, 10 features\n');
  for (const batch of [1, 100]) {
    row(`in-process, embedded, ${batch} entities`, `in_process_embedded_${batch}`);
    row(`in-process, Redis, ${batch} entities`, `in_process_redis_${batch}`);
    row(`in-process, embedded on PostgreSQL, ${batch} entities`, `in_process_postgres_${batch}`);
    row(`Feast SDK (SQLite), ${batch} entities`, `feast_sdk_${batch}`);
    row(`HTTP one client, embedded, ${batch} entities`, `one_client_embedded_${batch}`);
    row(`HTTP one client, Redis, ${batch} entities`, `one_client_redis_${batch}`);
    row(`HTTP one client, embedded on PostgreSQL, ${batch} entities`, `one_client_postgres_${batch}`);
    row(`HTTP one client, Feast serve, ${batch} entities`, `one_client_feast_${batch}`);
    row(`HTTP ${values.connections} connections, embedded, ${batch} entities`, `http_embedded_${batch}`);
    row(`HTTP ${values.connections} connections, Redis, ${batch} entities`, `http_redis_${batch}`);
    row(`HTTP ${values.connections} connections, on PostgreSQL, ${batch} entities`, `http_postgres_${batch}`);
    row(`HTTP ${values.connections} connections, Feast serve, ${batch} entities`, `http_feast_${batch}`);
    const ours = get(`http_embedded_${batch}`);
    const feast = get(`http_feast_${batch}`);
    if (ours !== undefined && feast !== undefined) {
      process.stdout.write(
        `  ratio (embedded vs Feast, HTTP): ${(ours.requests_per_second / feast.requests_per_second).toFixed(1)}× throughput, p99 ${(feast.latency_p99_ms / ours.latency_p99_ms).toFixed(1)}× lower\n`,
      );
    }
  }
  process.stdout.write('\nonline writes, POST /push of 1000 rows × 10 features, one client\n');
  for (const [label, key] of [
    ['embedded', 'push_embedded'],
    ['Redis', 'push_redis'],
    ['embedded on PostgreSQL', 'push_postgres'],
    ['Feast serve (SQLite)', 'push_feast'],
  ] as const) {
    const value = figures[key] as WriteThroughput | undefined;
    if (value === undefined) continue;
    process.stdout.write(
      `${label.padEnd(44)} ${Math.round(value.rows_per_second)} rows/s  p50 ${value.request_p50_ms.toFixed(1)} ms per request\n`,
    );
  }
  process.stdout.write(
    `historical retrieval: ${figures.historical_rows} rows in ${Number(figures.historical_1m_rows_seconds).toFixed(2)} s\n`,
  );
}

try {
  await main();
} finally {
  await scratch?.drop();
}

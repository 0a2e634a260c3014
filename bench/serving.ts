/**
 * Benchmark: recommendation serving. A 64-factor ALS model over a 10,000-movie catalogue (6,000 users,
 * 1M watches) is served by `mlops serve` (cache off, then on) and by the reference peer — FastAPI +
 * uvicorn + PyTorch with the same embeddings and the same top-k logic (bench/reference/serving_reference.py,
 * from the pinned virtualenv of scripts/setup_bench_python.sh). A separate load-generator process
 * (autocannon, 32 connections) requests `/api/v1/recommendations?user_id=<random>&k=10` from each.
 *
 *   npm run bench:serving [-- --seconds 10 --connections 32 --interactions 1000000 --json figures.json]
 *   npm run bench:serving -- --home /tmp/serving-home   (prepares once, then reuses: for profiling runs)
 *   npm run bench:serving -- --movies 100000            (a 100,000-movie catalogue)
 *   npm run bench:serving -- --index approximate        (MLOPS_SERVING_INDEX of the served runs)
 *
 * When the uncached server answers from the approximate index, an exact server runs too and the share of
 * its top 10s the approximate one holds is printed; scoring alone compares exact, the index and usearch.
 *
 * `--json` also writes the figures and ratios to a file (what `npm run bench:smoke` collects).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.js';
import { generateSyntheticData, publicMovies, publishDatasets } from '../src/data/index.js';
import { latestDatasetVersion } from '../src/lineage/index.js';
import { createLogger } from '../src/logging/index.js';
import {
  encodeSafetensors,
  loadModelVersion,
  matrixOf,
  readDatasetPairs,
  resolveModelVersion,
  rowItems,
  trainModel,
} from '../src/models/index.js';
import { openPlatform } from '../src/platform/index.js';
import { promote } from '../src/tracking/index.js';
import { freePort, waitForServer } from './helpers.js';
import { compareScoring } from './serving-scoring.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    'no-reference': { type: 'boolean', default: false },
    interactions: { type: 'string', default: '1000000' },
    /** The catalogue's size: every uncached answer scores all of it (the scale goal is 100,000). */
    movies: { type: 'string', default: '10000' },
    iterations: { type: 'string', default: '10' },
    json: { type: 'string' },
    /** MLOPS_SERVING_INDEX of the served runs (`auto`: the index from 50,000 movies). */
    index: { type: 'string', default: 'auto' },
    /** Keep the prepared home here, and on later runs reuse it (no data generation or training). */
    home: { type: 'string' },
  },
});
const repo = path.resolve(import.meta.dirname, '..');
const DATA = {
  users: 6000,
  movies: Number(values.movies),
  interactions: Number(values.interactions),
  seed: 42,
  endDate: '2026-11-01',
  days: 180,
};
const home = values.home ?? mkdtempSync(path.join(tmpdir(), 'mlops-bench-serving-'));
const reference = path.join(home, 'reference-model');

interface Load {
  requests_per_second: number;
  /** The server process's CPU (user + system) per answered request: comparable on a busy machine too. */
  cpu_us_per_request: number | null;
  latency_p50_ms: number;
  latency_p99_ms: number;
  non_2xx: number;
  errors: number;
}

/** User + system CPU seconds a process has used so far (Linux `/proc`); undefined elsewhere. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat(5); here 11 and 12 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function cpuRatio(peer: Load | undefined, ours: Load | undefined): number | null {
  const theirs = peer?.cpu_us_per_request;
  const mine = ours?.cpu_us_per_request;
  return theirs == null || mine == null || mine === 0 ? null : theirs / mine;
}

function load(prefix: string, serverPid?: number): Load {
  const run = (seconds: string) =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(repo, 'bench/load-generator.ts'),
        prefix,
        String(DATA.users),
        values.connections,
        seconds,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
  run('2'); // warm-up: JIT, connections
  const cpuBefore = cpuSeconds(serverPid);
  const result = run(values.seconds);
  const cpuAfter = cpuSeconds(serverPid);
  const figures = JSON.parse(result.stdout.toString().trim().split('\n').at(-1) ?? '{}') as Load & {
    total: number;
  };
  const cpu =
    cpuBefore === undefined || cpuAfter === undefined || !(figures.total > 0)
      ? null
      : Math.round(((cpuAfter - cpuBefore) * 1e6) / figures.total);
  return { ...figures, cpu_us_per_request: cpu };
}

/** Trains and promotes the served model, and writes the reference peer's copy of it. */
async function prepare(): Promise<void> {
  if (values.home !== undefined && existsSync(path.join(reference, 'movies.json'))) {
    process.stderr.write(`reusing the prepared home ${home}\n`);
    return;
  }
  mkdirSync(home, { recursive: true });
  const config = loadConfig({ env: { MLOPS_HOME: home, MLOPS_LOG_LEVEL: 'warn' }, cwd: home });
  const platform = await openPlatform(config, createLogger({ level: 'warn', format: 'json' }));
  const context = { db: platform.database.db, artifacts: platform.artifacts, home, logger: platform.logger };
  try {
    process.stderr.write(
      `generating ${DATA.interactions} watches of ${DATA.users} users over ${DATA.movies} movies\n`,
    );
    const { movies, watchLog } = generateSyntheticData(DATA);
    await publishDatasets(context, {
      source: 'synthetic',
      params: DATA,
      movies: publicMovies(movies),
      watchLog,
    });
    process.stderr.write('training ALS (64 factors)\n');
    await trainModel(context, {
      algorithm: 'als',
      hyperparameters: { factors: 64, iterations: Number(values.iterations) },
    });
    await promote(context.db, 'movie_predictor', '1', { actor: 'bench', reason: 'bench' });
    const trained = await loadModelVersion(context, await resolveModelVersion(context, '1'));

    // What the server excludes as seen: every movie in the user's watch log, in the model's index space.
    const latest = await latestDatasetVersion(context.db, 'watch_log');
    const pairs = await readDatasetPairs(context, latest as NonNullable<typeof latest>);
    const seen = matrixOf(pairs);
    const indptr = new Int32Array(trained.users.size + 1);
    const indices: number[] = [];
    for (let user = 0; user < trained.users.size; user++) {
      const row = seen.users.index(trained.users.ids[user] as number);
      const items =
        row === undefined
          ? []
          : [...rowItems(seen.byUser, row)]
              .map((item) => trained.items.index(seen.items.ids[item] as number) ?? -1)
              .filter((item) => item >= 0)
              .sort((a, b) => a - b);
      indices.push(...items);
      indptr[user + 1] = indices.length;
    }
    mkdirSync(reference, { recursive: true });
    writeFileSync(
      path.join(reference, 'model.safetensors'),
      encodeSafetensors({
        ...trained.model.tensors(),
        user_ids: { dtype: 'I32', shape: [trained.users.size], data: trained.users.ids },
        item_ids: { dtype: 'I32', shape: [trained.items.size], data: trained.items.ids },
      }),
    );
    writeFileSync(
      path.join(reference, 'seen.safetensors'),
      encodeSafetensors({
        indptr: { dtype: 'I32', shape: [indptr.length], data: indptr },
        indices: { dtype: 'I32', shape: [indices.length], data: Int32Array.from(indices) },
      }),
    );
    writeFileSync(
      path.join(reference, 'movies.json'),
      JSON.stringify(
        publicMovies(movies).map((movie) => ({
          movie_id: movie.movie_id,
          title: movie.title,
          genres: movie.genres,
          year: movie.release_date === null ? null : Number(movie.release_date.slice(0, 4)),
          poster_url: null,
        })),
      ),
    );
  } finally {
    await platform.close();
  }
}

/** Users whose answers are compared between the approximate and the exact server. */
const COMPARED_USERS = 300;

async function ours(
  cacheSize: number,
  index = values.index,
): Promise<{ figures: Load; answers: number[][]; isIndexed: boolean }> {
  const port = await freePort();
  const server = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'src/cli/main.ts'), 'serve'], {
    env: {
      ...process.env,
      MLOPS_HOME: home,
      MLOPS_PORT: String(port),
      MLOPS_LOG_LEVEL: 'warn',
      MLOPS_LOG_FORMAT: 'json',
      MLOPS_SERVING_CACHE_SIZE: String(cacheSize),
      MLOPS_SERVING_INDEX: index,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitForServer(`http://127.0.0.1:${port}/ready`, server);
    const info = (await (await fetch(`http://127.0.0.1:${port}/api/v1/model/info`)).json()) as {
      champion?: { item_index?: unknown };
    };
    const prefix = `http://127.0.0.1:${port}/api/v1/recommendations?user_id=`;
    const answers: number[][] = [];
    for (let user = 0; user < COMPARED_USERS; user++) {
      const body = (await (await fetch(`${prefix}${user}&k=10`)).json()) as {
        recommendations?: { movie_id: number }[];
      };
      answers.push((body.recommendations ?? []).map((movie) => movie.movie_id));
    }
    return { figures: load(prefix, server.pid), answers, isIndexed: info.champion?.item_index != null };
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}

/** Share of the exact server's top 10s that the other server's answers hold. */
function recallOf(answers: number[][], exact: number[][]): number {
  let found = 0;
  let wanted = 0;
  exact.forEach((list, user) => {
    const got = new Set(answers[user]);
    wanted += list.length;
    for (const movie of list) if (got.has(movie)) found++;
  });
  return wanted === 0 ? 1 : found / wanted;
}

async function peer(): Promise<Load> {
  const python = execFileSync('bash', [path.join(repo, 'scripts/setup_bench_python.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .toString()
    .trim()
    .split('\n')
    .at(-1) as string;
  const port = await freePort();
  const server = spawn(
    python,
    [path.join(repo, 'bench/reference/serving_reference.py'), '--model', reference, '--port', String(port)],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    await waitForServer(`http://127.0.0.1:${port}/health`, server);
    return load(`http://127.0.0.1:${port}/api/v1/recommendations?user_id=`, server.pid);
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}

try {
  await prepare();
  const scoring = await compareScoring(reference);
  const uncached = await ours(0);
  const approximate = uncached.isIndexed;
  const rows: [string, Load][] = [
    [approximate ? 'movie-mlops, cache off (approximate index)' : 'movie-mlops, cache off', uncached.figures],
    ['movie-mlops, cache on', (await ours(100_000)).figures],
  ];
  let servedRecall: number | undefined;
  if (approximate) {
    const exact = await ours(0, 'exact');
    rows.push(['movie-mlops, cache off, exact (MLOPS_SERVING_INDEX=exact)', exact.figures]);
    servedRecall = recallOf(uncached.answers, exact.answers);
  }
  if (!values['no-reference']) rows.push(['FastAPI + uvicorn + PyTorch', await peer()]);
  console.log(
    `\nscoring alone, in process (${DATA.movies.toLocaleString('en')} movies × 64 factors, top 10 unseen, ${scoring.queries} users):`,
  );
  console.log('| method | build s | ms per query | recall@10 |');
  console.log('|---|---:|---:|---:|');
  for (const method of scoring.methods)
    console.log(
      `| ${method.name} | ${method.build_seconds.toFixed(1)} | ${method.ms_per_query.toFixed(3)} | ${method.recall_at_10.toFixed(4)} |`,
    );
  if (servedRecall !== undefined)
    console.log(
      `\nserved answers (${COMPARED_USERS} users): the approximate server holds ${(servedRecall * 100).toFixed(1)} % of the exact server's top 10s`,
    );
  console.log(`\n| server | requests/s | CPU µs per request | p50 ms | p99 ms | non-2xx | errors |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, figures] of rows)
    console.log(
      `| ${name} | ${figures.requests_per_second.toFixed(0)} | ${figures.cpu_us_per_request ?? '–'} | ${figures.latency_p50_ms} | ${figures.latency_p99_ms} | ${figures.non_2xx} | ${figures.errors} |`,
    );
  const reference_ = rows.find(([name]) => name.startsWith('FastAPI'))?.[1];
  if (values.json !== undefined)
    writeFileSync(
      values.json,
      JSON.stringify({
        score_ms: scoring.methods[0]?.ms_per_query,
        scoring: scoring.methods,
        served_recall_at_10: servedRecall ?? null,
        uncached: rows[0]?.[1],
        cached: rows[1]?.[1],
        peer: reference_ ?? null,
        uncached_ratio: reference_
          ? (rows[0]?.[1].requests_per_second ?? 0) / reference_.requests_per_second
          : null,
        cached_ratio: reference_
          ? (rows[1]?.[1].requests_per_second ?? 0) / reference_.requests_per_second
          : null,
        // How many times our CPU per request the peer spends: the ratio a load generator on its own core sees.
        uncached_cpu_ratio: cpuRatio(reference_, rows[0]?.[1]),
        cached_cpu_ratio: cpuRatio(reference_, rows[1]?.[1]),
      }),
    );
  if (reference_ !== undefined) {
    for (const [name, figures] of rows.filter(([name]) => name.startsWith('movie-mlops')))
      console.log(
        `${name}: ${(figures.requests_per_second / reference_.requests_per_second).toFixed(2)}× the reference's throughput, p99 ${figures.latency_p99_ms} ms vs ${reference_.latency_p99_ms} ms`,
      );
  }
} finally {
  if (values.home === undefined) rmSync(home, { recursive: true, force: true });
}

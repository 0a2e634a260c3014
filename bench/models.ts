/**
 * Benchmark: training time, peak memory and quality of every recommender on the generator's default data
 * (6,000 users × 4,000 movies × 1M watches, seed 42), with the reference peers in the same run: the
 * `implicit` library's ALS and BPR, and a PyTorch NeuMF (bench/reference/models_reference.py, installed by
 * scripts/setup_bench_python.sh). Every model's top-10 lists are scored by the same TypeScript metric code.
 *
 *   npm run bench:models [-- --algorithms als,bpr --no-reference --factors 64]
 *
 * Each algorithm trains in a fresh child process, so its peak RSS is its own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateSyntheticData, writeInteractionsParquet } from '../src/data/index.js';
import {
  ALGORITHM_SPECS,
  type AlgorithmName,
  DEFAULT_SPLIT,
  decodeSafetensors,
  encodeSafetensors,
  evaluateRanking,
  type InteractionMatrix,
  type InteractionPairs,
  matrixOf,
  type Recommender,
  readInteractionPairs,
  rowItems,
  rowValues,
  splitInteractions,
  type Tensor,
  topK,
} from '../src/models/index.js';

const { values } = parseArgs({
  options: {
    algorithms: { type: 'string', default: 'popularity,item-knn,als,bpr,ncf' },
    'no-reference': { type: 'boolean', default: false },
    factors: { type: 'string', default: '64' },
    users: { type: 'string', default: '6000' },
    movies: { type: 'string', default: '4000' },
    interactions: { type: 'string', default: '1000000' },
    threads: { type: 'string', default: '2' },
    child: { type: 'string' },
  },
});
const repo = path.resolve(import.meta.dirname, '..');
const factors = Number(values.factors);
const threads = Number(values.threads);
const DATA = {
  users: Number(values.users),
  movies: Number(values.movies),
  interactions: Number(values.interactions),
  seed: 42,
  days: 180,
  endDate: '2026-11-01',
};
const work = path.join(tmpdir(), `mlops-bench-models-${DATA.users}x${DATA.movies}x${DATA.interactions}`);
const watchLog = path.join(work, 'watch_log.parquet');
const K = 10;

/** The same hyperparameters for us and the peers (implicit's ALS gets values so that its c = ours). */
const HYPERPARAMETERS: Record<AlgorithmName, Record<string, unknown>> = {
  popularity: {},
  'item-knn': { neighbours: 100 },
  ease: {},
  als: { factors, iterations: 15, reg: 20, alpha: 2 },
  bpr: { factors, epochs: 40, learning_rate: 0.05, reg: 0.01 },
  ncf: { factors, epochs: 10 },
};

interface Figures {
  algorithm: string;
  train_seconds: number;
  peak_rss_mb: number;
  baseline_rss_mb: number;
  score_ms_per_user: number;
  ndcg: number;
  recall: number;
  coverage: number;
}

/**
 * The training split. The first call reads the watch log through DuckDB (as `mlops train` does) and
 * caches the pairs as safetensors, so the child processes start light and their peak memory is training's.
 */
async function prepare(): Promise<{
  matrix: InteractionMatrix;
  train: InteractionPairs;
  test: InteractionPairs;
}> {
  const cache = path.join(work, 'pairs.safetensors');
  let pairs: InteractionPairs;
  if (existsSync(cache)) {
    const { tensors } = decodeSafetensors(readFileSync(cache));
    const column = <T>(name: string) => tensors[name]?.data as T;
    pairs = {
      length: tensors.userId?.shape[0] ?? 0,
      userId: column('userId'),
      movieId: column('movieId'),
      count: column('count'),
      firstAt: column('firstAt'),
      lastAt: column('lastAt'),
    };
  } else {
    mkdirSync(work, { recursive: true });
    process.stderr.write(`generating ${DATA.interactions} interactions into ${work}\n`);
    await writeInteractionsParquet(watchLog, generateSyntheticData(DATA).watchLog);
    pairs = await readInteractionPairs(watchLog);
    const n = [pairs.length];
    writeFileSync(
      cache,
      encodeSafetensors({
        userId: { dtype: 'I32', shape: n, data: pairs.userId },
        movieId: { dtype: 'I32', shape: n, data: pairs.movieId },
        count: { dtype: 'F32', shape: n, data: pairs.count },
        firstAt: { dtype: 'F64', shape: n, data: pairs.firstAt },
        lastAt: { dtype: 'F64', shape: n, data: pairs.lastAt },
      }),
    );
  }
  const split = splitInteractions(pairs, DEFAULT_SPLIT);
  return { matrix: matrixOf(split.train), train: split.train, test: split.test };
}

const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

/** Child process: trains one algorithm and prints its figures as JSON. */
async function runChild(name: AlgorithmName): Promise<void> {
  const { matrix, train, test } = await prepare();
  const baseline = maxRssMb();
  const spec = ALGORITHM_SPECS[name];
  const started = performance.now();
  const model = await spec.train({ matrix, pairs: train }, spec.params.parse(HYPERPARAMETERS[name]), {
    threads,
    onProgress: () => {},
  });
  const trainSeconds = (performance.now() - started) / 1000;
  const scoring = performance.now();
  const scores = new Float32Array(model.itemCount);
  for (let user = 0; user < matrix.users.size; user++) {
    model.scoreUser(
      user,
      { items: rowItems(matrix.byUser, user), counts: rowValues(matrix.byUser, user) },
      scores,
    );
    topK(scores, K, rowItems(matrix.byUser, user));
  }
  const scoreMs = (performance.now() - scoring) / matrix.users.size;
  const metrics = evaluateRanking(model, matrix, test, K);
  const figures: Figures = {
    algorithm: name,
    train_seconds: trainSeconds,
    peak_rss_mb: maxRssMb(),
    baseline_rss_mb: baseline,
    score_ms_per_user: scoreMs,
    ndcg: metrics.ndcg,
    recall: metrics.recall,
    coverage: metrics.coverage,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** A stand-in model that replays fixed top-k lists (the peers' answers) for the metric code. */
class ReplayedLists implements Recommender {
  readonly algorithm = 'popularity';
  private readonly rowOf = new Map<number, number>();
  constructor(
    readonly itemCount: number,
    users: number[],
    private readonly lists: Int32Array,
  ) {
    users.forEach((user, row) => {
      this.rowOf.set(user, row);
    });
  }
  scoreUser(user: number, _history: unknown, out: Float32Array): void {
    out.fill(Number.NEGATIVE_INFINITY);
    const row = this.rowOf.get(user);
    if (row === undefined) return;
    for (let rank = 0; rank < K; rank++) out[this.lists[row * K + rank] as number] = K - rank;
  }
  tensors(): Record<string, Tensor> {
    return {};
  }
}

function reference(matrix: InteractionMatrix, test: InteractionPairs): Figures[] {
  const python = execFileSync('bash', [path.join(repo, 'scripts/setup_bench_python.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .toString()
    .trim()
    .split('\n')
    .at(-1) as string;
  const input = path.join(work, 'reference-input');
  const output = path.join(work, 'reference-output');
  mkdirSync(input, { recursive: true });
  mkdirSync(output, { recursive: true });
  const { byUser } = matrix;
  const userOfSlot = new Int32Array(byUser.indices.length);
  for (let user = 0; user < byUser.rows; user++)
    userOfSlot.fill(user, byUser.indptr[user], byUser.indptr[user + 1]);
  const alpha = HYPERPARAMETERS.als.alpha as number;
  const tensors = (values: Float32Array) =>
    ({
      user: { dtype: 'I32', shape: [userOfSlot.length], data: userOfSlot },
      item: { dtype: 'I32', shape: [byUser.indices.length], data: byUser.indices },
      value: { dtype: 'F32', shape: [values.length], data: values },
    }) as Record<string, Tensor>;
  const evalUsers = [...new Set(Array.from(test.userId, (id) => matrix.users.index(id) ?? -1))]
    .filter((user) => user >= 0)
    .sort((a, b) => a - b);
  const figures: Figures[] = [];
  for (const name of ['als', 'bpr', 'ncf'] as const) {
    if (!selected.includes(name)) continue;
    // implicit's ALS uses c = alpha·value; giving it value = count + 1/alpha makes c = 1 + alpha·count, as ours.
    const valuesFor =
      name === 'als' ? Float32Array.from(byUser.values, (count) => count + 1 / alpha) : byUser.values;
    writeFileSync(path.join(input, 'train.safetensors'), encodeSafetensors(tensors(valuesFor)));
    writeFileSync(
      path.join(input, 'meta.json'),
      JSON.stringify({ users: byUser.rows, items: byUser.cols, k: K, eval_users: evalUsers }),
    );
    const params = HYPERPARAMETERS[name];
    const args = [
      path.join(repo, 'bench/reference/models_reference.py'),
      '--input',
      input,
      '--output',
      output,
      '--algorithms',
      name,
      '--factors',
      String(factors),
      '--threads',
      String(threads),
      '--seed',
      '42',
      ...(name === 'als'
        ? ['--iterations', String(params.iterations), '--reg', String(params.reg), '--alpha', String(alpha)]
        : []),
      ...(name === 'bpr'
        ? [
            '--bpr-epochs',
            String(params.epochs),
            '--bpr-lr',
            String(params.learning_rate),
            '--reg',
            String(params.reg),
          ]
        : []),
      ...(name === 'ncf' ? ['--ncf-epochs', String(params.epochs), '--negatives', '3'] : []),
    ];
    const result = spawnSync(python, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0) throw new Error(`reference ${name} failed (exit ${result.status})`);
    const line = JSON.parse(result.stdout.toString().trim().split('\n').at(-1) ?? '{}') as {
      train_seconds: number;
      score_seconds: number;
      peak_rss_mb: number;
      baseline_rss_mb: number;
      library: string;
    };
    const lists = decodeSafetensors(readFileSync(path.join(output, `${name}.topk.safetensors`))).tensors.items
      ?.data as Int32Array;
    const metrics = evaluateRanking(new ReplayedLists(byUser.cols, evalUsers, lists), matrix, test, K);
    figures.push({
      algorithm: `${name} (${line.library})`,
      train_seconds: line.train_seconds,
      peak_rss_mb: line.peak_rss_mb,
      baseline_rss_mb: line.baseline_rss_mb,
      score_ms_per_user: (line.score_seconds * 1000) / evalUsers.length,
      ndcg: metrics.ndcg,
      recall: metrics.recall,
      coverage: metrics.coverage,
    });
  }
  return figures;
}

const selected = values.algorithms.split(',').map((name) => name.trim()) as AlgorithmName[];

if (values.child !== undefined) {
  await runChild(values.child as AlgorithmName);
} else {
  const { matrix, test } = await prepare();
  process.stderr.write(
    `${matrix.users.size} users × ${matrix.items.size} movies, ${matrix.byUser.indices.length} training pairs, factors ${factors}, threads ${threads}\n`,
  );
  const ours: Figures[] = [];
  for (const name of selected) {
    process.stderr.write(`training ${name}...\n`);
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        import.meta.filename,
        '--child',
        name,
        '--factors',
        String(factors),
        '--threads',
        String(threads),
        '--users',
        values.users,
        '--movies',
        values.movies,
        '--interactions',
        values.interactions,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (child.status !== 0) throw new Error(`${name} failed (exit ${child.status})`);
    ours.push(JSON.parse(child.stdout.toString().trim().split('\n').at(-1) ?? '{}') as Figures);
  }
  const peers = !values['no-reference'] ? reference(matrix, test) : [];
  const rows = [...ours, ...peers];
  const popularity = ours.find((row) => row.algorithm === 'popularity')?.ndcg;
  console.log(
    '\n| algorithm | train s | peak RSS MB (before training) | score ms/user | NDCG@10 | vs popularity | recall@10 | coverage |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const lift =
      popularity === undefined
        ? ''
        : `${row.ndcg >= popularity ? '+' : ''}${(((row.ndcg - popularity) / popularity) * 100).toFixed(0)}%`;
    console.log(
      `| ${row.algorithm} | ${row.train_seconds.toFixed(2)} | ${row.peak_rss_mb.toFixed(0)} (${row.baseline_rss_mb.toFixed(0)}) | ${row.score_ms_per_user.toFixed(3)} | ${row.ndcg.toFixed(4)} | ${lift} | ${row.recall.toFixed(4)} | ${row.coverage.toFixed(3)} |`,
    );
  }
  for (const name of ['als', 'bpr', 'ncf']) {
    const mine = ours.find((row) => row.algorithm === name);
    const peer = peers.find((row) => row.algorithm.startsWith(`${name} (`));
    if (mine && peer)
      console.log(
        `${name}: our training time is ${(mine.train_seconds / peer.train_seconds).toFixed(2)}× ${peer.algorithm}'s; NDCG@10 ${mine.ndcg.toFixed(4)} vs ${peer.ndcg.toFixed(4)}`,
      );
  }
}

/**
 * Benchmark: training time, peak memory and quality of every recommender on the generator's default data
 * (6,000 users × 4,000 movies × 1M watches, seed 42), with the reference peers in the same run: the
 * `implicit` library's ALS and BPR, and a PyTorch NeuMF (bench/reference/models_reference.py, installed by
 * scripts/setup_bench_python.sh). Every model's top-10 lists are scored by the same TypeScript metric code.
 *
 *   npm run bench:models [-- --algorithms als,bpr,auto --no-reference --factors 64 --seeds 42,7,123]
 *   npm run bench:models -- --quick --no-reference [--dataset movielens]
 *   npm run bench:models -- --algorithms bpr --fixed-epochs 40   (BPR's time against implicit, like for like)
 *
 * `--dataset movielens` writes the generated data as a MovieLens ml-1m folder and imports it with the real
 * importer (no MovieLens files needed); `--quick` uses a small data set so a run takes minutes on 2 cores.
 *
 * Each algorithm trains in a fresh child process, so its peak RSS is its own. Seeded algorithms (ALS, BPR,
 * NCF) run once per seed and report mean ± standard deviation; BPR and NCF choose their epochs by early
 * stopping on a validation split of the training period. `auto` tunes the candidates (EASE, ALS, BPR,
 * item-kNN) on that validation split, as `algorithm: auto` does, and trains the best.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  generateSyntheticData,
  publicMovies,
  readMovieLens,
  toInteractionColumns,
  writeInteractionsParquet,
  writeMovieLens,
} from '../src/data/index.js';
import {
  ALGORITHM_SPECS,
  type AlgorithmName,
  AUTO_CANDIDATES,
  carveValidation,
  DEFAULT_SPLIT,
  decodeSafetensors,
  encodeSafetensors,
  evaluateRanking,
  fitAlgorithm,
  type InteractionMatrix,
  type InteractionPairs,
  matrixOf,
  RandomThenRefine,
  type Recommender,
  readInteractionPairs,
  rowItems,
  rowValues,
  SEARCH_SPACES,
  splitInteractions,
  type Tensor,
  topK,
  validationNdcg,
  valuesAt,
} from '../src/models/index.js';

const { values } = parseArgs({
  options: {
    algorithms: { type: 'string', default: 'popularity,item-knn,ease,als,bpr,ncf,auto' },
    seeds: { type: 'string', default: '42,7,123' },
    seed: { type: 'string', default: '42' },
    'auto-trials': { type: 'string', default: '4' },
    'no-reference': { type: 'boolean', default: false },
    factors: { type: 'string', default: '64' },
    users: { type: 'string', default: '6000' },
    movies: { type: 'string', default: '4000' },
    interactions: { type: 'string', default: '1000000' },
    threads: { type: 'string', default: '2' },
    /** generator: the generator's watch log as is; movielens: written as an ml-1m folder and imported back. */
    dataset: { type: 'string', default: 'generator' },
    /** A small data set (1,500 users × 800 movies × 120,000 watches), factors 32, 3 auto trials. */
    quick: { type: 'boolean', default: false },
    /** BPR and NCF train exactly this many epochs (no early stopping), as their peers: a like-for-like time. */
    'fixed-epochs': { type: 'string' },
    child: { type: 'string' },
  },
});
if (values.quick) {
  values.users = '1500';
  values.movies = '800';
  values.interactions = '120000';
  values.factors = '32';
  values['auto-trials'] = '3';
}
if (values.dataset !== 'generator' && values.dataset !== 'movielens')
  throw new Error(`--dataset must be generator or movielens (got ${values.dataset})`);
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
const work = path.join(
  tmpdir(),
  `mlops-bench-models-${values.dataset === 'movielens' ? 'ml-' : ''}${DATA.users}x${DATA.movies}x${DATA.interactions}`,
);
const watchLog = path.join(work, 'watch_log.parquet');
const K = 10;

/** The same hyperparameters for us and the peers (implicit's ALS gets values so that its c = ours). */
const HYPERPARAMETERS: Record<AlgorithmName, Record<string, unknown>> = {
  popularity: {},
  'item-knn': { neighbours: 100 },
  ease: {},
  als: { factors, iterations: 15, reg: 20, alpha: 2 },
  bpr: { factors, learning_rate: 0.05, reg: 0.01 },
  ncf: { factors },
};
const fixedEpochs = values['fixed-epochs'] === undefined ? undefined : Number(values['fixed-epochs']);
if (fixedEpochs !== undefined) {
  if (!Number.isInteger(fixedEpochs) || fixedEpochs < 1)
    throw new Error('--fixed-epochs must be a whole number of at least 1');
  for (const name of ['bpr', 'ncf'] as const)
    HYPERPARAMETERS[name] = { ...HYPERPARAMETERS[name], epochs: fixedEpochs, patience: 0 };
}

interface Figures {
  algorithm: string;
  train_seconds: number;
  peak_rss_mb: number;
  baseline_rss_mb: number;
  score_ms_per_user: number;
  ndcg: number;
  recall: number;
  coverage: number;
  /** Spread over seeds (standard deviation), when run with several. */
  ndcg_sd?: number;
  seeds?: number;
  /** Hyperparameters chosen in training (early stopping's epochs, auto's winner). */
  chosen?: string;
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
    const generated = generateSyntheticData(DATA);
    if (values.dataset === 'movielens') {
      // Through the MovieLens format and the real importer: one rating per pair, whole-second timestamps.
      const folder = path.join(work, 'movielens');
      await writeMovieLens(folder, publicMovies(generated.movies), generated.watchLog);
      const imported = await readMovieLens(folder);
      for (const warning of imported.warnings) process.stderr.write(`import warning: ${warning}\n`);
      await writeInteractionsParquet(watchLog, toInteractionColumns(imported.interactions));
    } else {
      await writeInteractionsParquet(watchLog, generated.watchLog);
    }
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
  const started = performance.now();
  let chosen: string | undefined;
  let model: Recommender;
  if ((name as string) === 'auto') {
    ({ model, chosen } = await autoSelect({ matrix, pairs: train }));
  } else {
    const spec = ALGORITHM_SPECS[name];
    const params = spec.params.parse({
      ...HYPERPARAMETERS[name],
      ...('seed' in spec.params.shape ? { seed: Number(values.seed) } : {}),
    });
    const fitted = await fitAlgorithm(name, { matrix, pairs: train }, params, {
      threads,
      onProgress: () => {},
    });
    model = fitted.model;
    if (fitted.earlyStopping !== undefined) chosen = `epochs ${fitted.earlyStopping.epochs}`;
  }
  const trainSeconds = (performance.now() - started) / 1000;
  // Scored as `mlops train` evaluates and serving answers: factor models with the SIMD kernel.
  await model.prepareFastScoring?.();
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
    ...(chosen === undefined ? {} : { chosen }),
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** `algorithm: auto` without the tracking store: random-then-refine per candidate on the validation split. */
async function autoSelect(data: {
  matrix: InteractionMatrix;
  pairs: InteractionPairs;
}): Promise<{ model: Recommender; chosen: string }> {
  const carved = carveValidation(data);
  if (carved === undefined) throw new Error('no validation split');
  const trials = Number(values['auto-trials']);
  let best: { name: AlgorithmName; params: Record<string, unknown>; ndcg: number } | undefined;
  for (const name of AUTO_CANDIDATES) {
    const spec = ALGORITHM_SPECS[name];
    const search = new RandomThenRefine(SEARCH_SPACES[name], trials, 42);
    for (let index = 0; index < trials; index++) {
      const unit = search.propose(index);
      const params = spec.params.parse({ ...HYPERPARAMETERS[name], ...valuesAt(SEARCH_SPACES[name], unit) });
      const fitted = await fitAlgorithm(name, carved.data, params, { threads, onProgress: () => {} });
      const ndcg = validationNdcg(fitted.model, carved.data.matrix, carved.validation);
      search.observe(unit, ndcg);
      process.stderr.write(`  auto ${name} trial ${index + 1}: val NDCG@10 ${ndcg.toFixed(4)}\n`);
      if (best === undefined || ndcg > best.ndcg) best = { name, params: fitted.hyperparameters, ndcg };
    }
  }
  if (best === undefined) throw new Error('no trial');
  const model = await ALGORITHM_SPECS[best.name].train(
    data,
    { ...best.params, patience: 0 },
    {
      threads,
      onProgress: () => {},
    },
  );
  const shown = Object.entries(best.params)
    .filter(([key]) => !['seed', 'patience', 'max_items', 'cg_steps'].includes(key))
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
  return { model, chosen: `${best.name}: ${shown}` };
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

function reference(matrix: InteractionMatrix, test: InteractionPairs, ours: Figures[]): Figures[] {
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
    // BPR and NCF stop early on our side: the peer trains for the epochs ours chose (the mean over seeds).
    const params = { ...HYPERPARAMETERS[name] };
    params.epochs ??=
      epochsChosen(ours.find((row) => row.algorithm === name)) ??
      ALGORITHM_SPECS[name].params.parse({}).epochs;
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
  const seeds = values.seeds.split(',').map(Number);
  for (const name of selected) {
    const isSeeded = name in ALGORITHM_SPECS && 'seed' in ALGORITHM_SPECS[name].params.shape;
    const runs: Figures[] = [];
    for (const seed of isSeeded ? seeds : [seeds[0] ?? 42]) {
      process.stderr.write(`training ${name}${isSeeded ? ` (seed ${seed})` : ''}...\n`);
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
          '--seed',
          String(seed),
          '--auto-trials',
          values['auto-trials'],
          ...(values['fixed-epochs'] === undefined ? [] : ['--fixed-epochs', values['fixed-epochs']]),
          '--dataset',
          values.dataset,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      if (child.status !== 0) throw new Error(`${name} failed (exit ${child.status})`);
      runs.push(JSON.parse(child.stdout.toString().trim().split('\n').at(-1) ?? '{}') as Figures);
    }
    ours.push(summarise(runs));
  }
  const peers = !values['no-reference'] ? reference(matrix, test, ours) : [];
  const rows = [...ours, ...peers];
  const popularity = ours.find((row) => row.algorithm === 'popularity')?.ndcg;
  console.log(
    '\n| algorithm | train s | peak RSS MB (before training) | score ms/user | NDCG@10 (± sd over seeds) | vs popularity | recall@10 | coverage | chosen |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const row of rows) {
    const lift =
      popularity === undefined
        ? ''
        : `${row.ndcg >= popularity ? '+' : ''}${(((row.ndcg - popularity) / popularity) * 100).toFixed(0)}%`;
    console.log(
      `| ${row.algorithm} | ${row.train_seconds.toFixed(2)} | ${row.peak_rss_mb.toFixed(0)} (${row.baseline_rss_mb.toFixed(0)}) | ${row.score_ms_per_user.toFixed(3)} | ${row.ndcg.toFixed(4)}${row.ndcg_sd === undefined ? '' : ` ± ${row.ndcg_sd.toFixed(4)} (${row.seeds} seeds)`} | ${lift} | ${row.recall.toFixed(4)} | ${row.coverage.toFixed(3)} | ${row.chosen ?? ''} |`,
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

/** The epochs early stopping chose in our runs ("epochs 22; epochs 25"), their rounded mean. */
function epochsChosen(row: Figures | undefined): number | undefined {
  const epochs = [...(row?.chosen ?? '').matchAll(/epochs (\d+)/g)].map((match) => Number(match[1]));
  return epochs.length === 0 ? undefined : Math.round(epochs.reduce((sum, n) => sum + n, 0) / epochs.length);
}

/** Mean of every figure over the seeds' runs, with the NDCG's standard deviation. */
function summarise(runs: Figures[]): Figures {
  const first = runs[0] as Figures;
  if (runs.length === 1) return first;
  const mean = (pick: (row: Figures) => number) =>
    runs.reduce((sum, row) => sum + pick(row), 0) / runs.length;
  const ndcg = mean((row) => row.ndcg);
  return {
    ...first,
    train_seconds: mean((row) => row.train_seconds),
    peak_rss_mb: Math.max(...runs.map((row) => row.peak_rss_mb)),
    score_ms_per_user: mean((row) => row.score_ms_per_user),
    ndcg,
    ndcg_sd: Math.sqrt(runs.reduce((sum, row) => sum + (row.ndcg - ndcg) ** 2, 0) / (runs.length - 1)),
    seeds: runs.length,
    recall: mean((row) => row.recall),
    coverage: mean((row) => row.coverage),
    ...(runs.some((row) => row.chosen !== undefined)
      ? { chosen: runs.map((row) => row.chosen ?? '').join('; ') }
      : {}),
  };
}

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { MlopsError, ValidationError } from '../errors/index.js';
import {
  codeRevision,
  type DatasetVersion,
  datasetCacheDir,
  linkLineage,
  localDatasetFile,
  resolveDatasetVersion,
} from '../lineage/index.js';
import type { Logger } from '../logging/index.js';
import type { ArtifactStore, MetadataDb } from '../storage/index.js';
import {
  createModelVersion,
  createRegisteredModel,
  EVALUATION_DATASET_KEY,
  getRegisteredModel,
  type ModelVersion,
  Tracker,
} from '../tracking/index.js';
import { ALGORITHM_SPECS } from './algorithms/index.js';
import { evaluateRanking, metricsForTracking, type RankingMetrics } from './evaluate.js';
import { fitAlgorithm } from './fit.js';
import { type InteractionPairs, matrixOf, readInteractionPairs } from './interactions.js';
import { ALGORITHMS, type AlgorithmName, type TrainingProgress } from './model.js';
import { encodeModel, type ModelManifest, writeModelFiles } from './model-artifact.js';
import { readCachedPairs, writeCachedPairs } from './pairs-cache.js';
import { DEFAULT_SPLIT, type SplitOptions, splitInteractions } from './split.js';

/** What model training needs from the platform. */
export interface ModelsContext {
  db: MetadataDb;
  artifacts: ArtifactStore;
  /** MLOPS_HOME: scratch files go under `<home>/tmp`. */
  home: string;
  logger: Logger;
}

export const DEFAULT_MODEL_NAME = 'movie_predictor';
export const DEFAULT_EXPERIMENT = 'movie-recommender';
export const DEFAULT_DATASET = 'watch_log';
/** Fewer interactions than this cannot train or evaluate anything meaningful. */
export const MIN_INTERACTIONS = 20;

export interface TrainOptions {
  algorithm: string;
  /** Raw hyperparameters (validated against the algorithm's schema; unknown names are refused). */
  hyperparameters?: Record<string, unknown>;
  /** A dataset name (its latest version) or a version id/prefix; default `watch_log`. */
  dataset?: string;
  modelName?: string;
  experiment?: string;
  runName?: string;
  /** More tags for the run, e.g. the pipeline run that started it. */
  tags?: Record<string, string>;
  split?: Partial<SplitOptions>;
  /** Cut-off of the ranking metrics. */
  k?: number;
  /** Register a model version (default true). */
  register?: boolean;
  threads?: number;
  signal?: AbortSignal;
  onProgress?: (event: TrainPhase) => void;
}

/** What a training run reports while it works. */
export type TrainPhase =
  | { phase: 'load'; dataset: DatasetVersion }
  | {
      phase: 'split';
      trainPairs: number;
      testPairs: number;
      users: number;
      items: number;
      evaluatedUsers: number;
    }
  | ({ phase: 'train' } & TrainingProgress)
  | { phase: 'evaluate' }
  | { phase: 'save' };

export interface TrainResult {
  runId: string;
  algorithm: AlgorithmName;
  hyperparameters: Record<string, unknown>;
  dataset: DatasetVersion;
  metrics: RankingMetrics;
  trainSeconds: number;
  manifest: ModelManifest;
  modelVersion: ModelVersion | undefined;
}

/** The algorithm's hyperparameters with defaults filled in; a bad or unknown one names itself. */
export function parseHyperparameters(
  algorithm: string,
  raw: Record<string, unknown> = {},
): {
  algorithm: AlgorithmName;
  hyperparameters: Record<string, unknown>;
} {
  if (!ALGORITHMS.includes(algorithm as AlgorithmName)) {
    throw new ValidationError(`unknown algorithm "${algorithm}": choose one of ${ALGORITHMS.join(', ')}`, {
      field: 'algorithm',
    });
  }
  const name = algorithm as AlgorithmName;
  const schema = ALGORITHM_SPECS[name].params;
  const result = z.strictObject(schema.shape).safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue?.code === 'unrecognized_keys') {
      throw new ValidationError(
        `${name} has no hyperparameter ${issue.keys.join(', ')}; it takes ${Object.keys(schema.shape).join(', ') || 'none'}`,
        { field: issue.keys[0] ?? 'hyperparameters' },
      );
    }
    const field = String(issue?.path[0] ?? 'hyperparameters');
    throw new ValidationError(`hyperparameter ${field}: ${describeIssue(issue, raw[field])}`, { field });
  }
  return { algorithm: name, hyperparameters: result.data };
}

function describeIssue(issue: z.core.$ZodIssue | undefined, value: unknown): string {
  if (typeof value === 'number' && Number.isNaN(value)) return 'must be a number, got NaN';
  return `${issue?.message ?? 'invalid'} (got ${JSON.stringify(value) ?? String(value)})`;
}

/**
 * Trains a recommender on a dataset version: split (hold-out of each user's latest movies by default),
 * train with progress, evaluate, log everything to a tracker run, store the model artifact and register a
 * version linked to the dataset and the run. Registration comes last: a failure or cancellation before it
 * leaves a FAILED/KILLED run and no model version.
 */
export async function trainModel(context: ModelsContext, options: TrainOptions): Promise<TrainResult> {
  const { algorithm, hyperparameters } = parseHyperparameters(options.algorithm, options.hyperparameters);
  const split: SplitOptions = { ...DEFAULT_SPLIT, ...options.split };
  validateSplit(split);
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1 || k > 1000)
    throw new ValidationError(`k must be an integer from 1 to 1000, got ${k}`, { field: 'k' });
  const modelName = options.modelName ?? DEFAULT_MODEL_NAME;
  const report = options.onProgress ?? (() => {});

  const dataset = await resolveDatasetVersion(context.db, options.dataset ?? DEFAULT_DATASET);
  report({ phase: 'load', dataset });
  const pairs = await readDatasetPairs(context, dataset);
  const { train, test, evaluatedUsers } = splitInteractions(pairs, split);
  checkTrainable(pairs, dataset, evaluatedUsers, split);
  const matrix = matrixOf(train);
  report({
    phase: 'split',
    trainPairs: train.length,
    testPairs: test.length,
    users: matrix.users.size,
    items: matrix.items.size,
    evaluatedUsers,
  });

  const revision = codeRevision();
  const run = await new Tracker(context).startRun({
    experiment: options.experiment ?? DEFAULT_EXPERIMENT,
    runName: options.runName ?? `${algorithm}-${new Date().toISOString().slice(0, 19)}`,
    tags: {
      'mlflow.source.git.commit': revision,
      'mlops.algorithm': algorithm,
      'mlops.dataset_version': dataset.version_id,
      [EVALUATION_DATASET_KEY]: dataset.version_id,
      ...options.tags,
    },
  });
  const log = context.logger.child({ component: 'MODEL_TRAINER', run_id: run.runId });
  try {
    await run.logParams({
      algorithm,
      ...Object.fromEntries(Object.entries(hyperparameters).map(([key, value]) => [key, String(value)])),
      dataset: dataset.dataset,
      dataset_version: dataset.version_id,
      split_strategy: split.strategy,
      split_test_fraction: split.testFraction,
      split_min_interactions: split.minInteractions,
      split_seed: split.seed,
      k,
    });
    log.info(
      { action: 'TRAIN_START', algorithm, dataset_version: dataset.version_id },
      `training ${algorithm}`,
    );
    const started = performance.now();
    const fitted = await fitAlgorithm(algorithm, { matrix, pairs: train }, hyperparameters, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      onProgress: async (progress) => {
        report({ phase: 'train', ...progress });
        if (Object.keys(progress.metrics).length > 0)
          await run.logMetrics(progress.metrics, { step: progress.iteration });
      },
    });
    const trainSeconds = (performance.now() - started) / 1000;
    checkCancelled(options.signal);
    const model = fitted.model;
    if (fitted.earlyStopping !== undefined) {
      await run.logParams({ chosen_epochs: fitted.earlyStopping.epochs });
      await run.logMetrics({ validation_ndcg_at_10: fitted.earlyStopping.validationNdcg });
    }

    report({ phase: 'evaluate' });
    // Every evaluated user is scored against the whole catalogue: the SIMD kernel serving uses, not the
    // plain loop (at 138,000 users × 27,000 movies evaluation took 347 s of a 422 s training command).
    await model.prepareFastScoring?.();
    const metrics = evaluateRanking(model, matrix, test, k);
    const tracked = { ...metricsForTracking(metrics), train_seconds: trainSeconds };
    await run.logMetrics(tracked);
    checkCancelled(options.signal);

    report({ phase: 'save' });
    const encoded = encodeModel(model, matrix.users, matrix.items, {
      hyperparameters: fitted.hyperparameters,
      dataset_version: dataset.version_id,
      split: { ...split, k },
      metrics: tracked,
      code_revision: revision,
      created_at: new Date().toISOString(),
    });
    const work = await makeWorkDir(context.home);
    try {
      await writeModelFiles(work, encoded);
      await run.logArtifacts(work, 'model');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    checkCancelled(options.signal);

    let modelVersion: ModelVersion | undefined;
    if (options.register !== false) {
      await getRegisteredModel(context.db, modelName).catch(async (error: unknown) => {
        if (!(error instanceof MlopsError && error.code === 'MLOPS_ERR_NOT_FOUND')) throw error;
        await createRegisteredModel(context.db, {
          name: modelName,
          description: 'Movie recommendations trained by movie-mlops',
        }).catch(() => undefined); // created concurrently by another run: fine
      });
      modelVersion = await createModelVersion(context.db, {
        name: modelName,
        source: `${run.artifactUri}/model`,
        artifacts: context.artifacts,
        runId: run.runId,
        description: `${algorithm} on ${dataset.dataset} ${dataset.version_id.slice(0, 12)}`,
        tags: [
          { key: 'algorithm', value: algorithm },
          { key: 'dataset_version', value: dataset.version_id },
          { key: 'code_revision', value: revision },
        ],
      });
      await linkLineage(context.db, [{ kind: 'run', id: run.runId }], {
        kind: 'model_version',
        id: `${modelName}/${modelVersion.version}`,
      });
    }
    await linkLineage(context.db, [{ kind: 'dataset', id: dataset.version_id }], {
      kind: 'run',
      id: run.runId,
    });
    await run.end('FINISHED');
    log.info(
      {
        action: 'TRAIN_DONE',
        algorithm,
        ndcg: metrics.ndcg,
        seconds: trainSeconds,
        version: modelVersion?.version,
      },
      `trained ${algorithm}: NDCG@${k} ${metrics.ndcg.toFixed(4)}`,
    );
    return {
      runId: run.runId,
      algorithm,
      hyperparameters: fitted.hyperparameters,
      dataset,
      metrics,
      trainSeconds,
      manifest: encoded.manifest,
      modelVersion,
    };
  } catch (error) {
    const cancelled = options.signal?.aborted === true;
    await run.end(cancelled ? 'KILLED' : 'FAILED').catch(() => undefined);
    log.warn(
      { action: 'TRAIN_FAILED', cancelled },
      `training ${cancelled ? 'cancelled' : 'failed'}: ${String(error)}`,
    );
    throw error;
  }
}

/**
 * Reads a watch-log dataset version into (user, movie) pairs: from the pairs cached beside its verified
 * local copy when an earlier read left them there, else aggregated from the Parquet file by DuckDB (and
 * cached for the next read). A cache that cannot be written only costs the next read its speed.
 */
export async function readDatasetPairs(
  context: ModelsContext,
  dataset: DatasetVersion,
): Promise<InteractionPairs> {
  if (dataset.format !== 'parquet') {
    throw new ValidationError(
      `dataset ${dataset.dataset} ${dataset.version_id.slice(0, 12)} is ${dataset.format}, not a Parquet watch log`,
      { field: 'dataset' },
    );
  }
  const cached = path.join(datasetCacheDir(context.home, dataset), `${dataset.dataset}.pairs`);
  const hit = await readCachedPairs(cached);
  if (hit !== undefined) return hit;
  const file = await localDatasetFile(context, dataset);
  const pairs = await readInteractionPairs(file).catch((error: unknown) => {
    throw new MlopsError(
      'MLOPS_ERR_DATA_INVALID',
      `dataset ${dataset.dataset} ${dataset.version_id.slice(0, 12)} is not a watch log (user_id, content_id, timestamp): ${String(error)}`,
      { cause: error },
    );
  });
  await writeCachedPairs(cached, pairs).catch((error: unknown) =>
    context.logger?.warn(
      { component: 'MODELS', action: 'PAIRS_CACHE_FAILED', err: error },
      `could not cache the pairs of ${dataset.dataset} ${dataset.version_id.slice(0, 12)}: ${String(error)}`,
    ),
  );
  return pairs;
}

export function validateSplit(split: SplitOptions): void {
  if (split.strategy !== 'time' && split.strategy !== 'random')
    throw new ValidationError(`split must be "time" or "random", got "${split.strategy}"`, {
      field: 'split',
    });
  if (!(split.testFraction > 0 && split.testFraction < 1))
    throw new ValidationError(
      `test fraction must be between 0 and 1 (exclusive), got ${split.testFraction}`,
      { field: 'test_fraction' },
    );
  if (!Number.isInteger(split.minInteractions) || split.minInteractions < 2)
    throw new ValidationError(
      `min interactions must be an integer of at least 2, got ${split.minInteractions}`,
      { field: 'min_interactions' },
    );
  if (!Number.isInteger(split.seed))
    throw new ValidationError(`seed must be an integer, got ${split.seed}`, { field: 'seed' });
}

export function checkTrainable(
  pairs: InteractionPairs,
  dataset: DatasetVersion,
  evaluatedUsers: number,
  split: SplitOptions,
): void {
  const name = `${dataset.dataset} ${dataset.version_id.slice(0, 12)}`;
  const users = new Set(pairs.userId).size;
  const movies = new Set(pairs.movieId).size;
  if (pairs.length < MIN_INTERACTIONS || users < 2 || movies < 2) {
    throw new MlopsError(
      'MLOPS_ERR_DATA_INVALID',
      `${name} is too small to train on: ${pairs.length} distinct (user, movie) pairs from ${users} users and ${movies} movies; need at least ${MIN_INTERACTIONS} pairs, 2 users and 2 movies`,
      { field: 'dataset' },
    );
  }
  if (evaluatedUsers === 0) {
    throw new MlopsError(
      'MLOPS_ERR_DATA_INVALID',
      `${name} has no user with at least ${split.minInteractions} movies, so nothing can be held out for evaluation; lower --min-interactions or use more data`,
      { field: 'dataset' },
    );
  }
}

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('training was cancelled');
}

async function makeWorkDir(home: string): Promise<string> {
  const parent = path.join(home, 'tmp');
  await mkdir(parent, { recursive: true });
  return mkdtemp(path.join(parent, 'model-'));
}

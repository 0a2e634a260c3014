import { MlopsError, NotFoundError, ValidationError } from '../errors/index.js';
import { resolveDatasetVersion } from '../lineage/index.js';
import {
  EVALUATION_DATASET_KEY,
  getModelVersion,
  getVersionByAlias,
  type ModelVersion,
  readVerifiedVersionFiles,
  Tracker,
} from '../tracking/index.js';
import { evaluateRanking, metricsForTracking, metricsFromTracking, type RankingMetrics } from './evaluate.js';
import { buildMatrix } from './interactions.js';
import { decodeModel, MANIFEST_FILE, TENSORS_FILE, type TrainedModel } from './model-artifact.js';
import { type SplitOptions, splitInteractions } from './split.js';
import { DEFAULT_DATASET, DEFAULT_MODEL_NAME, type ModelsContext, readDatasetPairs } from './train-model.js';

/**
 * A model version reference: `3` or `movie_predictor/3` (a version), `@champion` or
 * `movie_predictor@champion` (an alias). The model name defaults to `movie_predictor`.
 */
export function parseModelReference(reference: string): { name: string; version?: string; alias?: string } {
  const match = /^(?:([^/@\s]+)(?=[/@]))?(?:\/?(\d+)|@([\w-]+))$/.exec(reference.trim());
  if (match === null) {
    throw new ValidationError(
      `"${reference}" is not a model version: use 3, movie_predictor/3, @champion or movie_predictor@champion`,
      { field: 'model_version' },
    );
  }
  const name = match[1] ?? DEFAULT_MODEL_NAME;
  return match[2] !== undefined ? { name, version: match[2] } : { name, alias: match[3] ?? '' };
}

export async function resolveModelVersion(
  context: Pick<ModelsContext, 'db'>,
  reference: string,
): Promise<ModelVersion> {
  const parsed = parseModelReference(reference);
  if (parsed.version !== undefined) return getModelVersion(context.db, parsed.name, parsed.version);
  const alias = parsed.alias ?? '';
  return getVersionByAlias(context.db, parsed.name, alias).catch((error: unknown) => {
    // A missing model is a 404; a missing alias answers like MLflow does (an invalid parameter).
    if (!(error instanceof MlopsError && (error.code === 'MLOPS_ERR_NOT_FOUND' || error.field === 'alias')))
      throw error;
    throw new NotFoundError(
      `${parsed.name} has no version with alias "${alias}"${alias === 'champion' ? `: promote one first (mlops models promote ${parsed.name} <version>)` : ''}`,
      { field: 'model_version' },
    );
  });
}

/**
 * Downloads and decodes a registered model version's artifact (manifest + safetensors), each file checked
 * against the SHA-256 the registry recorded at registration (`MLOPS_ERR_MODEL_ARTIFACT_TAMPERED` when it
 * changed). A version registered before hashes were kept has them recorded at this first load, with a warning.
 */
export async function loadModelVersion(
  context: Pick<ModelsContext, 'db' | 'artifacts'> & Partial<Pick<ModelsContext, 'logger'>>,
  version: ModelVersion,
): Promise<TrainedModel> {
  const { contents, recordedNow } = await readVerifiedVersionFiles(context.db, context.artifacts, version, [
    MANIFEST_FILE,
    TENSORS_FILE,
  ]);
  if (recordedNow)
    context.logger?.warn(
      { component: 'MODELS', action: 'ARTIFACTS_RECORDED', model: version.name, version: version.version },
      `model ${version.name} version ${version.version} was registered before artifact hashes were kept: its files are recorded now and checked on every later load`,
    );
  const [manifest, tensors] = contents as [Buffer, Buffer];
  return decodeModel(manifest, tensors, `model ${version.name} version ${version.version}`);
}

export interface EvaluateOptions {
  /** Dataset name or version; default the latest `watch_log`. */
  dataset?: string;
  k?: number;
  /** Overrides of the split the model was trained with. */
  split?: Partial<SplitOptions>;
  /** Log the figures to the version's run (new metric values, `eval_dataset_version` tag), for promotion. */
  record?: boolean;
  /**
   * When the version was trained on this very dataset version (same split, same k), return the figures
   * its training recorded instead of scoring again: re-evaluating there reproduces them exactly.
   */
  reuseTrainingEvaluation?: boolean;
}

export interface EvaluationResult {
  version: ModelVersion;
  datasetVersion: string;
  metrics: RankingMetrics;
  recorded: boolean;
  /** The figures are those training recorded on the same dataset version (nothing was scored again). */
  reused?: boolean;
}

/**
 * Re-evaluates a stored model version on any watch-log version, splitting it the way the model was
 * trained (so evaluating on the training dataset reproduces the training figures exactly). Users and
 * movies the model never saw are handled as in training: unknown users are skipped, unknown movies count
 * as relevant but can never be recommended.
 */
export async function evaluateModelVersion(
  context: ModelsContext,
  reference: string,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const version = await resolveModelVersion(context, reference);
  const trained = await loadModelVersion(context, version);
  const dataset = await resolveDatasetVersion(context.db, options.dataset ?? DEFAULT_DATASET);
  const stored = trained.manifest.split as Partial<SplitOptions> & { k?: number };
  const split = {
    strategy: 'time',
    testFraction: 0.2,
    minInteractions: 5,
    seed: 42,
    ...stored,
    ...options.split,
  } as SplitOptions;
  const k = options.k ?? stored.k ?? 10;
  if (!Number.isInteger(k) || k < 1 || k > 1000)
    throw new ValidationError(`k must be an integer from 1 to 1000, got ${k}`, { field: 'k' });
  if (
    options.reuseTrainingEvaluation === true &&
    options.split === undefined &&
    k === (stored.k ?? 10) &&
    trained.manifest.dataset_version === dataset.version_id
  ) {
    const metrics = metricsFromTracking(trained.manifest.metrics, k);
    if (metrics !== undefined)
      return { version, datasetVersion: dataset.version_id, metrics, recorded: false, reused: true };
  }
  const pairs = await readDatasetPairs(context, dataset);
  const { train, test } = splitInteractions(pairs, split);
  const matrix = buildMatrix(train, trained.users, trained.items);
  await trained.model.prepareFastScoring?.();
  const metrics = evaluateRanking(trained.model, matrix, test, k);
  if (options.record === true && version.run_id !== '') {
    const run = await new Tracker(context).resumeRun(version.run_id);
    await run.logMetrics(metricsForTracking(metrics));
    await run.setTags({ [EVALUATION_DATASET_KEY]: dataset.version_id });
  }
  return {
    version,
    datasetVersion: dataset.version_id,
    metrics,
    recorded: options.record === true && version.run_id !== '',
  };
}

import { ValidationError } from '../errors/index.js';
import { codeRevision, type DatasetVersion, resolveDatasetVersion } from '../lineage/index.js';
import { Tracker } from '../tracking/index.js';
import { ALGORITHM_SPECS } from './algorithms/index.js';
import { carveValidation, minimumEpochs, validationNdcg } from './fit.js';
import { type InteractionPairs, matrixOf } from './interactions.js';
import type { AlgorithmName, TrainingData } from './model.js';
import { RandomThenRefine, SEARCH_SPACES, valuesAt } from './search-space.js';
import { DEFAULT_SPLIT, type SplitOptions, splitInteractions } from './split.js';
import {
  checkTrainable,
  DEFAULT_DATASET,
  DEFAULT_EXPERIMENT,
  type ModelsContext,
  parseHyperparameters,
  readDatasetPairs,
  validateSplit,
} from './train-model.js';

export interface TuneOptions {
  algorithm: string;
  /** Most trials to run (1–1000). */
  trials: number;
  /** Wall-clock budget in seconds: no trial starts after it, and a running one is stopped (once one finished). */
  budgetSeconds?: number;
  /** Seeds the search (and each trial's model seed): the same seed and data give the same study. */
  seed?: number;
  /** Hyperparameters fixed for every trial (not searched). */
  fixed?: Record<string, unknown>;
  dataset?: string;
  experiment?: string;
  /** More tags for the study's parent run, e.g. the pipeline run that started it. */
  tags?: Record<string, string>;
  split?: Partial<SplitOptions>;
  threads?: number;
  signal?: AbortSignal;
  /** Called as each trial ends. */
  onTrial?: (trial: TrialResult) => void;
}

export interface TrialResult {
  number: number;
  runId: string;
  hyperparameters: Record<string, unknown>;
  /** NDCG@10 on the validation split (the best epoch's, for algorithms trained in epochs). */
  validationNdcg: number;
  /** Early stopping's epoch count, for algorithms trained in epochs. */
  epochs?: number;
  seconds: number;
  /** PRUNED: stopped early for trailing the finished trials at the same epoch; KILLED: budget or Ctrl-C. */
  state: 'FINISHED' | 'PRUNED' | 'KILLED' | 'FAILED';
}

export interface TuneResult {
  parentRunId: string;
  algorithm: AlgorithmName;
  dataset: DatasetVersion;
  trials: TrialResult[];
  /** The best finished or pruned trial's hyperparameters (with the chosen epochs), if any. */
  best: TrialResult | undefined;
  /** Why the study stopped before its last trial, if it did. */
  stoppedBy?: 'budget' | 'cancelled';
}

/** A trial is pruned when, from this epoch on, it trails the median of earlier trials at the same epoch. */
const PRUNE_FROM_EPOCH = 3;

/**
 * Hyperparameter search for one algorithm on a validation split carved from the training period (each
 * user's latest 10 % of it; the test period is never touched). Random-then-refine over
 * {@link SEARCH_SPACES}; trials of epoch-trained algorithms (BPR, NCF) stop early on their own (patience)
 * and are pruned when they trail earlier trials. The study is a parent run in the tracking store and each
 * trial a nested run (tag `mlflow.parentRunId`); the parent charts every trial's score by trial number
 * (`trial_validation_ndcg_at_10`) and records the best hyperparameters as `best_<name>` params. Cancelling
 * keeps the finished trials (the parent ends KILLED).
 */
export async function tuneModel(context: ModelsContext, options: TuneOptions): Promise<TuneResult> {
  const { algorithm } = parseHyperparameters(options.algorithm, options.fixed);
  if (!Number.isInteger(options.trials) || options.trials < 1 || options.trials > 1000)
    throw new ValidationError(`trials must be an integer from 1 to 1000, got ${options.trials}`, {
      field: 'trials',
    });
  const budget = options.budgetSeconds ?? Number.POSITIVE_INFINITY;
  if (!(budget > 0))
    throw new ValidationError(`budget must be a positive duration, got ${options.budgetSeconds}`, {
      field: 'budget',
    });
  const seed = options.seed ?? 42;
  const split: SplitOptions = { ...DEFAULT_SPLIT, ...options.split };
  validateSplit(split);

  const dataset = await resolveDatasetVersion(context.db, options.dataset ?? DEFAULT_DATASET);
  const pairs = await readDatasetPairs(context, dataset);
  const { train, evaluatedUsers } = splitInteractions(pairs, split);
  checkTrainable(pairs, dataset, evaluatedUsers, split);
  const carved = carveValidation({ matrix: matrixOf(train), pairs: train });
  if (carved === undefined)
    throw new ValidationError(
      `the training period of ${dataset.dataset} ${dataset.version_id.slice(0, 12)} leaves no user with 5 movies to validate on`,
      { field: 'dataset' },
    );
  return runStudy(context, { ...options, seed, budget, split }, algorithm, dataset, carved);
}

async function runStudy(
  context: ModelsContext,
  options: TuneOptions & { seed: number; budget: number; split: SplitOptions },
  algorithm: AlgorithmName,
  dataset: DatasetVersion,
  carved: { data: TrainingData; validation: InteractionPairs },
): Promise<TuneResult> {
  const spec = ALGORITHM_SPECS[algorithm];
  const space = SEARCH_SPACES[algorithm].filter((dimension) => !(dimension.name in (options.fixed ?? {})));
  const search = new RandomThenRefine(space, options.trials, options.seed);
  const tracker = new Tracker(context);
  const revision = codeRevision();
  const experiment = options.experiment ?? DEFAULT_EXPERIMENT;
  const stamp = new Date().toISOString().slice(0, 19);
  const parent = await tracker.startRun({
    experiment,
    runName: `tune-${algorithm}-${stamp}`,
    tags: {
      'mlflow.source.git.commit': revision,
      'mlops.algorithm': algorithm,
      'mlops.dataset_version': dataset.version_id,
      'mlops.study': 'tune',
      ...options.tags,
    },
  });
  await parent.logParams({
    algorithm,
    trials: options.trials,
    budget_seconds: Number.isFinite(options.budget) ? options.budget : 'none',
    seed: options.seed,
    search: 'random-then-refine',
    searched: space.map((dimension) => dimension.name).join(',') || 'none',
    dataset_version: dataset.version_id,
    validation: 'latest 10% of each user in the training period',
  });
  const started = performance.now();
  const budgetTimer = new AbortController();
  const timer = Number.isFinite(options.budget)
    ? setTimeout(() => budgetTimer.abort(new Error('tuning budget spent')), options.budget * 1000)
    : undefined;
  const trials: TrialResult[] = [];
  /** Validation NDCG per epoch of each finished trial, for pruning. */
  const curves: number[][] = [];
  let stoppedBy: TuneResult['stoppedBy'];
  try {
    for (let index = 0; index < options.trials; index++) {
      if (options.signal?.aborted) {
        stoppedBy = 'cancelled';
        break;
      }
      if (budgetTimer.signal.aborted) {
        stoppedBy = 'budget';
        break;
      }
      const unit = search.propose(index);
      const { hyperparameters } = parseHyperparameters(algorithm, {
        ...options.fixed,
        ...valuesAt(space, unit),
        ...('seed' in spec.params.shape && options.fixed?.seed === undefined ? { seed: options.seed } : {}),
      });
      const trial = await runTrial({
        tracker,
        experiment,
        parentRunId: parent.runId,
        algorithm,
        number: index + 1,
        hyperparameters,
        carved,
        curves,
        revision,
        threads: options.threads,
        // Ctrl-C always stops the trial; the budget only once a trial has finished.
        signal: anySignal(
          options.signal,
          trials.some((t) => t.state !== 'KILLED') ? budgetTimer.signal : undefined,
        ),
      });
      trials.push(trial);
      options.onTrial?.(trial);
      await parent.logMetrics({ trial_validation_ndcg_at_10: trial.validationNdcg }, { step: trial.number });
      if (trial.state === 'FINISHED' || trial.state === 'PRUNED') search.observe(unit, trial.validationNdcg);
      if (trial.state === 'KILLED') stoppedBy = options.signal?.aborted ? 'cancelled' : 'budget';
      if (trial.state === 'KILLED') break;
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  const best = bestTrial(trials);
  if (best !== undefined) {
    await parent.logParams(
      Object.fromEntries(
        Object.entries({
          ...best.hyperparameters,
          ...(best.epochs === undefined ? {} : { epochs: best.epochs }),
        }).map(([key, value]) => [`best_${key}`, String(value)]),
      ),
    );
    await parent.logMetrics({ best_validation_ndcg_at_10: best.validationNdcg, best_trial: best.number });
  }
  await parent.logMetrics({ tune_seconds: (performance.now() - started) / 1000, trials_run: trials.length });
  await parent.end(stoppedBy === 'cancelled' ? 'KILLED' : 'FINISHED');
  return {
    parentRunId: parent.runId,
    algorithm,
    dataset,
    trials,
    best,
    ...(stoppedBy === undefined ? {} : { stoppedBy }),
  };
}

async function runTrial(trial: {
  tracker: Tracker;
  experiment: string;
  parentRunId: string;
  algorithm: AlgorithmName;
  number: number;
  hyperparameters: Record<string, unknown>;
  carved: { data: TrainingData; validation: InteractionPairs };
  curves: number[][];
  revision: string;
  threads: number | undefined;
  signal: AbortSignal | undefined;
}): Promise<TrialResult> {
  const { algorithm, hyperparameters, carved } = trial;
  const run = await trial.tracker.startRun({
    experiment: trial.experiment,
    runName: `trial-${trial.number}`,
    tags: {
      'mlflow.parentRunId': trial.parentRunId,
      'mlflow.source.git.commit': trial.revision,
      'mlops.algorithm': algorithm,
      'mlops.trial': String(trial.number),
    },
  });
  await run.logParams(
    Object.fromEntries(
      Object.entries({ algorithm, ...hyperparameters }).map(([key, value]) => [key, String(value)]),
    ),
  );
  const started = performance.now();
  const curve: number[] = [];
  let best = Number.NEGATIVE_INFINITY;
  let bestEpoch = 0;
  let pruned = false;
  const patience = typeof hyperparameters.patience === 'number' ? hyperparameters.patience : 0;
  const isEpochTrained = typeof hyperparameters.epochs === 'number' && patience > 0;
  let state: TrialResult['state'] = 'FINISHED';
  try {
    const model = await ALGORITHM_SPECS[algorithm].train(carved.data, hyperparameters, {
      ...(trial.signal === undefined ? {} : { signal: trial.signal }),
      ...(trial.threads === undefined ? {} : { threads: trial.threads }),
      onProgress: () => {},
      ...(isEpochTrained
        ? {
            validate: async (current, epoch) => {
              const ndcg = validationNdcg(current, carved.data.matrix, carved.validation);
              curve.push(ndcg);
              await run.logMetrics({ validation_ndcg_at_10: ndcg }, { step: epoch });
              if (ndcg > best) {
                best = ndcg;
                bestEpoch = epoch;
              }
              const earlier = trial.curves
                .map((c) => c[epoch - 1])
                .filter((v): v is number => v !== undefined);
              if (epoch >= PRUNE_FROM_EPOCH && earlier.length >= 2 && best < median(earlier)) {
                pruned = true;
                return false;
              }
              return epoch < minimumEpochs(patience) || epoch - bestEpoch < patience;
            },
          }
        : {}),
    });
    if (!isEpochTrained) {
      best = validationNdcg(model, carved.data.matrix, carved.validation);
      await run.logMetrics({ validation_ndcg_at_10: best });
    } else if (!pruned) trial.curves.push(curve);
    if (pruned) state = 'PRUNED';
  } catch (error) {
    state = trial.signal?.aborted ? 'KILLED' : 'FAILED';
    if (state === 'FAILED') await run.setTags({ 'mlops.error': String(error).slice(0, 500) });
  }
  const seconds = (performance.now() - started) / 1000;
  await run.logMetrics({ train_seconds: seconds });
  await run.setTags({ 'mlops.trial_state': state });
  await run.end(state === 'KILLED' ? 'KILLED' : state === 'FAILED' ? 'FAILED' : 'FINISHED');
  return {
    number: trial.number,
    runId: run.runId,
    hyperparameters,
    validationNdcg: Number.isFinite(best) ? best : 0,
    ...(isEpochTrained && bestEpoch > 0 ? { epochs: bestEpoch } : {}),
    seconds,
    state,
  };
}

/** The finished trial with the highest validation NDCG (pruned trials only if nothing finished). */
export function bestTrial(trials: TrialResult[]): TrialResult | undefined {
  const pick = (states: TrialResult['state'][]) =>
    trials
      .filter((trial) => states.includes(trial.state))
      .reduce<TrialResult | undefined>(
        (best, trial) => (best === undefined || trial.validationNdcg > best.validationNdcg ? trial : best),
        undefined,
      );
  return pick(['FINISHED']) ?? pick(['PRUNED']);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (present.length === 0) return undefined;
  return present.length === 1 ? present[0] : AbortSignal.any(present);
}

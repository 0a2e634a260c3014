import { ALGORITHM_SPECS } from './algorithms/index.js';
import { evaluateRanking } from './evaluate.js';
import { buildMatrix, type InteractionMatrix, type InteractionPairs } from './interactions.js';
import type { AlgorithmName, Recommender, TrainingContext, TrainingData } from './model.js';
import { splitInteractions } from './split.js';

/** Share of each user's training-period movies (their latest) held out to validate on. */
export const VALIDATION_FRACTION = 0.1;
/** Users scored per validation: enough for a stable NDCG, few enough to validate after every epoch. */
export const VALIDATION_USERS = 2000;
const VALIDATION_K = 10;

/** The training period cut again in time: never the test period, so choices cannot peek at the test. */
export interface ValidationSplit {
  /** The training period minus each user's latest movies, over the full data's id maps. */
  data: TrainingData;
  validation: InteractionPairs;
}

/** Carves a validation split from the training data (each user's latest 10 %); undefined if it would be empty. */
export function carveValidation(data: TrainingData): ValidationSplit | undefined {
  const { train, test } = splitInteractions(data.pairs, {
    strategy: 'time',
    testFraction: VALIDATION_FRACTION,
    minInteractions: 5,
    seed: 0,
  });
  if (test.length === 0) return undefined;
  return {
    data: { pairs: train, matrix: buildMatrix(train, data.matrix.users, data.matrix.items) },
    validation: test,
  };
}

/** NDCG@10 of a model on the validation split (the first {@link VALIDATION_USERS} users). */
export function validationNdcg(
  model: Recommender,
  matrix: InteractionMatrix,
  validation: InteractionPairs,
): number {
  return evaluateRanking(model, matrix, validation, VALIDATION_K, { maxUsers: VALIDATION_USERS }).ndcg;
}

/**
 * Early stopping never stops before twice the patience: SGD-trained rankers (BPR) often dip below their
 * first epoch's popularity-like ranking before they learn, and stopping in that dip keeps a worse model.
 */
export function minimumEpochs(patience: number): number {
  return 2 * patience;
}

export interface FitResult {
  model: Recommender;
  /** The hyperparameters the model was trained with: `epochs` is the chosen count after early stopping. */
  hyperparameters: Record<string, unknown>;
  /** Early stopping's outcome, when it ran. */
  earlyStopping?: { epochs: number; validationNdcg: number };
}

/**
 * Trains an algorithm, choosing its epoch count by early stopping when it has one (`patience` > 0): a first
 * pass on the training period minus its latest 10 % per user stops once NDCG@10 on that 10 % has not
 * improved for `patience` epochs; the model is then trained on the whole training period for the best
 * epoch count. Progress of the first pass reports `validation_ndcg_at_10` per epoch.
 */
export async function fitAlgorithm(
  algorithm: AlgorithmName,
  data: TrainingData,
  hyperparameters: Record<string, unknown>,
  context: TrainingContext,
): Promise<FitResult> {
  const spec = ALGORITHM_SPECS[algorithm];
  const patience = typeof hyperparameters.patience === 'number' ? hyperparameters.patience : 0;
  const maxEpochs = typeof hyperparameters.epochs === 'number' ? hyperparameters.epochs : 0;
  const split = patience > 0 && maxEpochs > 1 ? carveValidation(data) : undefined;
  if (split === undefined)
    return { model: await spec.train(data, hyperparameters, context), hyperparameters };

  let best = Number.NEGATIVE_INFINITY;
  let bestEpoch = 1;
  await spec.train(split.data, hyperparameters, {
    ...context,
    onProgress: () => {},
    validate: async (model, epoch) => {
      // Scored with the SIMD kernel, as evaluation and serving do: after every epoch it is most of the cost.
      await model.prepareFastScoring?.();
      const ndcg = validationNdcg(model, split.data.matrix, split.validation);
      if (ndcg > best) {
        best = ndcg;
        bestEpoch = epoch;
      }
      await context.onProgress({
        iteration: epoch,
        total: maxEpochs,
        metrics: { validation_ndcg_at_10: ndcg },
      });
      return epoch < minimumEpochs(patience) || epoch - bestEpoch < patience;
    },
  });
  const chosen = { ...hyperparameters, epochs: bestEpoch };
  const model = await spec.train(data, chosen, context);
  return { model, hyperparameters: chosen, earlyStopping: { epochs: bestEpoch, validationNdcg: best } };
}

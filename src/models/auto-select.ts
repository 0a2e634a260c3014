import { ValidationError } from '../errors/index.js';
import { ALGORITHMS, type AlgorithmName } from './model.js';
import type { ModelsContext } from './train-model.js';
import { type TuneResult, tuneModel } from './tune-model.js';

/** The candidates `algorithm: auto` tunes by default: the strong ones that train in seconds to minutes. */
export const AUTO_CANDIDATES: AlgorithmName[] = ['ease', 'als', 'bpr', 'item-knn'];

export interface AutoSelectOptions {
  candidates?: string[];
  /** Whole budget, shared equally by the candidates. */
  budgetSeconds: number;
  /** Most trials per candidate. */
  trials: number;
  seed?: number;
  dataset?: string;
  experiment?: string;
  /** More tags for each study's parent run. */
  tags?: Record<string, string>;
  signal?: AbortSignal;
  onStudy?: (study: TuneResult) => void;
}

export interface AutoSelection {
  algorithm: AlgorithmName;
  /** The winner's hyperparameters, epochs fixed to the chosen count (early stopping off). */
  hyperparameters: Record<string, unknown>;
  validationNdcg: number;
  /** Every candidate's best validation NDCG@10 (absent: no trial finished, e.g. EASE above max_items). */
  candidates: Record<string, number | null>;
}

/**
 * Tunes each candidate algorithm within its share of the budget on the validation split of the training
 * period and returns the one with the best validation NDCG@10, ready to train on the whole training period.
 */
export async function selectAlgorithm(
  context: ModelsContext,
  options: AutoSelectOptions,
): Promise<AutoSelection> {
  const candidates = options.candidates ?? AUTO_CANDIDATES;
  for (const name of candidates)
    if (!ALGORITHMS.includes(name as AlgorithmName))
      throw new ValidationError(
        `unknown candidate algorithm "${name}": choose from ${ALGORITHMS.join(', ')}`,
        {
          field: 'candidates',
        },
      );
  const share = options.budgetSeconds / Math.max(1, candidates.length);
  const scores: Record<string, number | null> = {};
  let winner: AutoSelection | undefined;
  for (const name of candidates) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('cancelled');
    const study = await tuneModel(context, {
      algorithm: name,
      trials: options.trials,
      budgetSeconds: share,
      seed: options.seed ?? 42,
      ...(options.dataset === undefined ? {} : { dataset: options.dataset }),
      ...(options.experiment === undefined ? {} : { experiment: options.experiment }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.tags === undefined ? {} : { tags: options.tags }),
    });
    options.onStudy?.(study);
    const best = study.best;
    scores[name] = best?.validationNdcg ?? null;
    if (best !== undefined && (winner === undefined || best.validationNdcg > winner.validationNdcg)) {
      winner = {
        algorithm: study.algorithm,
        hyperparameters: {
          ...best.hyperparameters,
          ...(best.epochs === undefined ? {} : { epochs: best.epochs, patience: 0 }),
        },
        validationNdcg: best.validationNdcg,
        candidates: scores,
      };
    }
  }
  if (options.signal?.aborted) throw options.signal.reason ?? new Error('cancelled');
  if (winner === undefined)
    throw new ValidationError(`no candidate finished a trial within the budget (${candidates.join(', ')})`, {
      field: 'algorithm',
    });
  return { ...winner, candidates: scores };
}

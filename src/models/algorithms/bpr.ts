import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { SeededRandom } from '../../data/index.js';
import type { SparseMatrix } from '../interactions.js';
import { FactorScorer } from '../kernels/factor-kernel.js';
import {
  checkAborted,
  cosineToAll,
  type DotProductForm,
  f32,
  type Recommender,
  scoreAllRows,
  type Tensor,
  type TrainingContext,
  type TrainingData,
  type UserHistory,
} from '../model.js';
import { BprKernel } from './bpr-kernel.js';

export const bprParams = z.object({
  factors: z.number().int().min(1).max(1024).default(64),
  /** Epochs, or the most epochs when `patience` > 0 (early stopping picks the count). */
  epochs: z.number().int().min(1).max(10_000).default(60),
  learning_rate: z.number().finite().positive().default(0.05),
  reg: z.number().finite().min(0).default(0.01),
  /**
   * Early stopping: epochs without a better NDCG@10 on the validation split (each user's latest 10 % of
   * the training period) before training stops; 0 trains exactly `epochs`.
   */
  patience: z.number().int().min(0).max(1000).default(5),
  seed: z.number().int().default(42),
});
export type BprParams = z.infer<typeof bprParams>;

/** Bayesian personalised ranking: factors learned so watched movies outrank unwatched ones. */
export class BprModel implements Recommender {
  readonly algorithm = 'bpr';
  private scorer: FactorScorer | undefined;

  constructor(
    readonly userFactors: Float32Array,
    readonly itemFactors: Float32Array,
    readonly itemBias: Float32Array,
    readonly factors: number,
  ) {}

  get itemCount(): number {
    return this.itemBias.length;
  }

  scoreUser(user: number, history: UserHistory, out: Float32Array): void {
    const f = this.factors;
    const vector =
      user >= 0 ? this.userFactors.subarray(user * f, (user + 1) * f) : this.meanOfItems(history);
    if (this.scorer !== undefined) this.scorer.score(vector, out);
    else scoreAllRows(vector, this.itemFactors, f, out);
    for (let i = 0; i < this.itemCount; i++) out[i] = (out[i] as number) + (this.itemBias[i] as number);
  }

  async prepareFastScoring(): Promise<void> {
    this.scorer ??= await FactorScorer.create(this.itemFactors, this.factors);
  }

  similarItems(item: number, out: Float32Array): void {
    cosineToAll(this.itemFactors, this.factors, item, out);
  }

  /** Scores as one dot product: item rows carry their bias as a last column, queries a 1 to meet it. */
  dotProductForm(): DotProductForm {
    const f = this.factors;
    const width = f + 1;
    const itemRows = new Float32Array(this.itemCount * width);
    for (let item = 0; item < this.itemCount; item++) {
      itemRows.set(this.itemFactors.subarray(item * f, (item + 1) * f), item * width);
      itemRows[item * width + f] = this.itemBias[item] as number;
    }
    const withBiasTerm = (vector: ArrayLike<number>) => {
      const query = new Float32Array(width);
      for (let d = 0; d < f; d++) query[d] = vector[d] as number;
      query[f] = 1;
      return query;
    };
    return {
      itemRows,
      width,
      query: (user, history) =>
        withBiasTerm(
          user >= 0 ? this.userFactors.subarray(user * f, (user + 1) * f) : this.meanOfItems(history),
        ),
      userCount: this.userFactors.length / f,
    };
  }

  /** A stand-in user vector for someone unseen in training: the mean of their movies' factors. */
  private meanOfItems(history: UserHistory): Float64Array {
    const f = this.factors;
    const vector = new Float64Array(f);
    for (const item of history.items)
      for (let d = 0; d < f; d++)
        vector[d] = (vector[d] as number) + (this.itemFactors[item * f + d] as number);
    if (history.items.length > 0)
      for (let d = 0; d < f; d++) vector[d] = (vector[d] as number) / history.items.length;
    return vector;
  }

  tensors(): Record<string, Tensor> {
    return {
      user_factors: f32([this.userFactors.length / this.factors, this.factors], this.userFactors),
      item_factors: f32([this.itemCount, this.factors], this.itemFactors),
      item_bias: f32([this.itemCount], this.itemBias),
    };
  }

  static load(tensors: Record<string, Tensor>): BprModel {
    return new BprModel(
      tensors.user_factors?.data as Float32Array,
      tensors.item_factors?.data as Float32Array,
      tensors.item_bias?.data as Float32Array,
      tensors.item_factors?.shape[1] ?? 0,
    );
  }
}

export async function trainBpr(
  data: TrainingData,
  params: BprParams,
  context: TrainingContext,
): Promise<BprModel> {
  const { byUser } = data.matrix;
  const f = params.factors;
  const random = new SeededRandom(params.seed);
  const init = () => (random.next() - 0.5) * (0.2 / Math.sqrt(f));
  const users = Float32Array.from({ length: byUser.rows * f }, init);
  const items = Float32Array.from({ length: byUser.cols * f }, init);
  const bias = new Float32Array(byUser.cols);
  const sgd = await BprKernel.create(byUser, users, items, {
    factors: f,
    seed: params.seed,
    threads: Math.min(context.threads ?? availableParallelism(), 16),
  });
  const samples = byUser.indices.length;
  const modelNow = () => {
    sgd.copyOut(users, items, bias);
    return new BprModel(users, items, bias, f);
  };
  try {
    for (let epoch = 1; epoch <= params.epochs; epoch++) {
      checkAborted(context.signal);
      const { logLikelihood, correct, skipped } = await sgd.steps(samples, params.learning_rate, params.reg);
      const used = Math.max(1, samples - skipped);
      await context.onProgress({
        iteration: epoch,
        total: params.epochs,
        metrics: { loss: -logLikelihood / used, correct_ranking: correct / used },
      });
      if (context.validate !== undefined && !(await context.validate(modelNow(), epoch))) break;
    }
    return modelNow();
  } finally {
    await sgd.close();
  }
}

/** For each stored entry, the row it belongs to. */
export function rowOfEachSlot(matrix: SparseMatrix): Int32Array {
  const rows = new Int32Array(matrix.indices.length);
  for (let row = 0; row < matrix.rows; row++) rows.fill(row, matrix.indptr[row], matrix.indptr[row + 1]);
  return rows;
}

/** Whether row `row` has column `column` (rows are sorted: binary search). */
export function contains(matrix: SparseMatrix, row: number, column: number): boolean {
  let low = matrix.indptr[row] as number;
  let high = (matrix.indptr[row + 1] as number) - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const value = matrix.indices[middle] as number;
    if (value === column) return true;
    if (value < column) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

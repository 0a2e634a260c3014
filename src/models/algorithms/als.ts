import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { SeededRandom } from '../../data/index.js';
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
import { choleskySolve, gramOf } from './als-dense-solve.js';
import { AlsWorkspace } from './als-workspace.js';

export const alsParams = z.object({
  factors: z.number().int().min(1).max(1024).default(64),
  iterations: z.number().int().min(1).max(1000).default(15),
  /** L2 regularization λ. */
  reg: z.number().finite().min(0).default(20),
  /** Confidence per watch: c = 1 + α·count. */
  alpha: z.number().finite().min(0).default(2),
  /** Conjugate-gradient steps per row and half-iteration. */
  cg_steps: z.number().int().min(1).max(100).default(3),
  seed: z.number().int().default(42),
});
export type AlsParams = z.infer<typeof alsParams>;

/** Below this many interactions, threads cost more than they save. */
const MIN_NON_ZEROS_FOR_THREADS = 50_000;

/** Matrix factorization for implicit feedback, scored by dot product; new users are folded in. */
export class AlsModel implements Recommender {
  readonly algorithm = 'als';
  private gram: Float64Array | undefined;
  private scorer: FactorScorer | undefined;

  constructor(
    readonly userFactors: Float32Array,
    readonly itemFactors: Float32Array,
    readonly factors: number,
    readonly reg: number,
    readonly alpha: number,
  ) {}

  get itemCount(): number {
    return this.itemFactors.length / this.factors;
  }

  scoreUser(user: number, history: UserHistory, out: Float32Array): void {
    const vector =
      user >= 0
        ? this.userFactors.subarray(user * this.factors, (user + 1) * this.factors)
        : this.foldIn(history);
    if (this.scorer !== undefined) this.scorer.score(vector, out);
    else scoreAllRows(vector, this.itemFactors, this.factors, out);
  }

  async prepareFastScoring(): Promise<void> {
    this.scorer ??= await FactorScorer.create(this.itemFactors, this.factors);
  }

  similarItems(item: number, out: Float32Array): void {
    cosineToAll(this.itemFactors, this.factors, item, out);
  }

  dotProductForm(): DotProductForm {
    return {
      itemRows: this.itemFactors,
      width: this.factors,
      query: (user, history) =>
        user >= 0
          ? this.userFactors.subarray(user * this.factors, (user + 1) * this.factors)
          : Float32Array.from(this.foldIn(history)),
      userCount: this.userFactors.length / this.factors,
    };
  }

  /**
   * A user's factors computed from their interactions and the item factors alone, exactly as one ALS
   * user step would (solved directly), so new users and fresh feedback need no retraining.
   */
  foldIn(history: UserHistory): Float64Array {
    const f = this.factors;
    this.gram ??= gramOf(this.itemFactors, f, this.reg);
    const a = Float64Array.from(this.gram);
    const b = new Float64Array(f);
    history.items.forEach((item, slot) => {
      const confidence = 1 + this.alpha * (history.counts[slot] as number);
      const base = item * f;
      for (let d = 0; d < f; d++) {
        const yd = this.itemFactors[base + d] as number;
        b[d] = (b[d] as number) + confidence * yd;
        const row = d * f;
        for (let e = 0; e < f; e++)
          a[row + e] =
            (a[row + e] as number) + (confidence - 1) * yd * (this.itemFactors[base + e] as number);
      }
    });
    return choleskySolve(a, b, f);
  }

  tensors(): Record<string, Tensor> {
    return {
      user_factors: f32([this.userFactors.length / this.factors, this.factors], this.userFactors),
      item_factors: f32([this.itemCount, this.factors], this.itemFactors),
    };
  }

  static load(tensors: Record<string, Tensor>, params: AlsParams): AlsModel {
    return new AlsModel(
      tensors.user_factors?.data as Float32Array,
      tensors.item_factors?.data as Float32Array,
      tensors.item_factors?.shape[1] ?? params.factors,
      params.reg,
      params.alpha,
    );
  }
}

export async function trainAls(
  data: TrainingData,
  params: AlsParams,
  context: TrainingContext,
): Promise<AlsModel> {
  const { byUser, byItem } = data.matrix;
  const f = params.factors;
  const random = new SeededRandom(params.seed);
  const initialUsers = Float32Array.from({ length: byUser.rows * f }, () => random.next() * 0.01);
  const initialItems = Float32Array.from({ length: byItem.rows * f }, () => random.next() * 0.01);
  const threads = Math.min(context.threads ?? availableParallelism(), 16);
  const workspace = await AlsWorkspace.create(
    byUser,
    byItem,
    f,
    params,
    byUser.indices.length >= MIN_NON_ZEROS_FOR_THREADS ? threads : 1,
  );
  workspace.setFactors(initialUsers, initialItems);
  try {
    for (let iteration = 1; iteration <= params.iterations; iteration++) {
      checkAborted(context.signal);
      await workspace.solve('users');
      await workspace.solve('items');
      const loss = await workspace.loss();
      await context.onProgress({ iteration, total: params.iterations, metrics: { loss } });
    }
    const { users, items } = workspace.factors();
    return new AlsModel(users, items, f, params.reg, params.alpha);
  } finally {
    await workspace.close();
  }
}

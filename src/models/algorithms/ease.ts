import { z } from 'zod';
import { ValidationError } from '../../errors/index.js';
import { rowItems } from '../interactions.js';
import { invertSpdInPlace } from '../kernels/spd-inverse.js';
import {
  checkAborted,
  f32,
  type Recommender,
  type Tensor,
  type TrainingContext,
  type TrainingData,
  type UserHistory,
} from '../model.js';

/** Bytes EASE needs per items²: the Gram matrix and its inverse in float64, then the weights in float32. */
export const EASE_BYTES_PER_ITEM_PAIR = 12;

export const easeParams = z.object({
  /** L2 regularisation λ added to the Gram matrix's diagonal; larger = smoother, more popular items. */
  reg: z.number().finite().positive().default(250),
  /**
   * Largest catalogue EASE will train on: it needs items² × 12 bytes (1.2 GB at 10,000 movies). Above
   * it training is refused before any memory is taken; ALS grows linearly with the catalogue instead.
   */
  max_items: z.number().int().min(2).default(10_000),
});
export type EaseParams = z.infer<typeof easeParams>;

/**
 * EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"): an item-item weight matrix B with a zero
 * diagonal, in closed form from one regularised Gram-matrix inverse P = (XᵀX + λI)⁻¹:
 * B = I − P·diag(1/diag(P)). A user's scores are their (binary) history times B.
 */
export class EaseModel implements Recommender {
  readonly algorithm = 'ease';

  /** `weights`: items × items, row i = how much having watched item i adds to every item's score. */
  constructor(readonly weights: Float32Array) {}

  get itemCount(): number {
    return Math.round(Math.sqrt(this.weights.length));
  }

  scoreUser(_user: number, history: UserHistory, out: Float32Array): void {
    const n = out.length;
    const sums = new Float64Array(n);
    for (const item of history.items) {
      const base = item * n;
      for (let j = 0; j < n; j++) sums[j] = (sums[j] as number) + (this.weights[base + j] as number);
    }
    out.set(sums);
  }

  similarItems(item: number, out: Float32Array): void {
    const n = out.length;
    out.set(this.weights.subarray(item * n, (item + 1) * n));
    out[item] = Number.NEGATIVE_INFINITY;
  }

  tensors(): Record<string, Tensor> {
    const n = this.itemCount;
    return { weights: f32([n, n], this.weights) };
  }

  static load(tensors: Record<string, Tensor>): EaseModel {
    return new EaseModel(tensors.weights?.data as Float32Array);
  }
}

/** Refuses catalogues above `max_items`, naming the memory it would take and the alternative. */
export function checkEaseSize(items: number, maxItems: number): void {
  if (items <= maxItems) return;
  const gigabytes = (items * items * EASE_BYTES_PER_ITEM_PAIR) / 1e9;
  throw new ValidationError(
    `EASE is limited to ${maxItems.toLocaleString('en')} movies (max_items) and this training set has ${items.toLocaleString('en')}: it would need ${gigabytes.toFixed(1)} GB (items² × ${EASE_BYTES_PER_ITEM_PAIR} bytes). Use ALS (-a als), whose memory grows linearly with the catalogue, or raise --max-items if the machine has the memory`,
    { field: 'max_items' },
  );
}

export async function trainEase(
  data: TrainingData,
  params: EaseParams,
  context: TrainingContext,
): Promise<EaseModel> {
  const { byUser } = data.matrix;
  const n = byUser.cols;
  checkEaseSize(n, params.max_items);
  // Gram matrix of the binary user × item matrix: co-watch counts, item audiences on the diagonal.
  const gram = new Float64Array(n * n);
  for (let user = 0; user < byUser.rows; user++) {
    const items = rowItems(byUser, user);
    for (const i of items) {
      const base = i * n;
      for (const j of items) gram[base + j] = (gram[base + j] as number) + 1;
    }
  }
  for (let i = 0; i < n; i++) gram[i * n + i] = (gram[i * n + i] as number) + params.reg;
  checkAborted(context.signal);
  const steps = 10;
  let reported = 0;
  await invertSpdInPlace(gram, n, async (done, total) => {
    checkAborted(context.signal);
    const step = Math.floor((done / total) * steps);
    if (step > reported) {
      reported = step;
      await context.onProgress({ iteration: step, total: steps, metrics: {} });
    }
  });
  const weights = new Float32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      if (i !== j) weights[i * n + j] = -(gram[i * n + j] as number) / (gram[j * n + j] as number);
  return new EaseModel(weights);
}

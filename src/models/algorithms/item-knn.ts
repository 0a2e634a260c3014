import { z } from 'zod';
import { rowItems } from '../interactions.js';
import {
  checkAborted,
  f32,
  i32,
  type Recommender,
  type Tensor,
  type TrainingContext,
  type TrainingData,
  type UserHistory,
} from '../model.js';
import { topK } from '../top-k.js';

export const itemKnnParams = z.object({
  /**
   * Neighbours kept per item; any value at or above the catalogue size keeps them all (memory: items ×
   * kept × 8 bytes, 512 MB for all neighbours of 8,000 movies).
   */
  neighbours: z.number().int().min(1).default(100),
  /** Shrinks similarities of rarely co-watched pairs: sim · n / (n + shrinkage). */
  shrinkage: z.number().finite().min(0).default(10),
});
export type ItemKnnParams = z.infer<typeof itemKnnParams>;

/**
 * Item-based collaborative filtering: a movie is recommended for being like what the user watched.
 * Similarity is the cosine between items' (binary) audiences; each item keeps its top-N neighbours.
 */
export class ItemKnnModel implements Recommender {
  readonly algorithm = 'item-knn';

  constructor(
    /** items × neighbours: neighbour index, -1 where an item has fewer. */
    readonly neighbours: Int32Array,
    readonly similarities: Float32Array,
    readonly width: number,
  ) {}

  get itemCount(): number {
    return this.neighbours.length / this.width;
  }

  scoreUser(_user: number, history: UserHistory, out: Float32Array): void {
    out.fill(0);
    for (const item of history.items) {
      const base = item * this.width;
      for (let slot = 0; slot < this.width; slot++) {
        const neighbour = this.neighbours[base + slot] as number;
        if (neighbour < 0) break;
        out[neighbour] = (out[neighbour] as number) + (this.similarities[base + slot] as number);
      }
    }
  }

  similarItems(item: number, out: Float32Array): void {
    out.fill(Number.NEGATIVE_INFINITY);
    const base = item * this.width;
    for (let slot = 0; slot < this.width; slot++) {
      const neighbour = this.neighbours[base + slot] as number;
      if (neighbour < 0) break;
      out[neighbour] = this.similarities[base + slot] as number;
    }
  }

  tensors(): Record<string, Tensor> {
    const shape = [this.itemCount, this.width];
    return { neighbours: i32(shape, this.neighbours), similarities: f32(shape, this.similarities) };
  }

  static load(tensors: Record<string, Tensor>): ItemKnnModel {
    const neighbours = tensors.neighbours;
    return new ItemKnnModel(
      neighbours?.data as Int32Array,
      tensors.similarities?.data as Float32Array,
      neighbours?.shape[1] ?? 0,
    );
  }
}

export async function trainItemKnn(
  data: TrainingData,
  params: ItemKnnParams,
  context: TrainingContext,
): Promise<ItemKnnModel> {
  const { byUser, byItem } = data.matrix;
  const items = byItem.rows;
  const width = Math.min(params.neighbours, Math.max(1, items - 1));
  const audience = new Float64Array(items);
  for (let item = 0; item < items; item++)
    audience[item] = (byItem.indptr[item + 1] as number) - (byItem.indptr[item] as number);
  const neighbours = new Int32Array(items * width).fill(-1);
  const similarities = new Float32Array(items * width);
  const coCounts = new Float32Array(items);
  const similarity = new Float32Array(items);
  const reportEvery = Math.max(1, Math.ceil(items / 20));
  for (let item = 0; item < items; item++) {
    coCounts.fill(0);
    for (const user of rowItems(byItem, item)) {
      for (const other of rowItems(byUser, user)) coCounts[other] = (coCounts[other] as number) + 1;
    }
    for (let other = 0; other < items; other++) {
      const together = coCounts[other] as number;
      similarity[other] =
        other === item || together === 0
          ? Number.NEGATIVE_INFINITY
          : (together / Math.sqrt((audience[item] as number) * (audience[other] as number))) *
            (together / (together + params.shrinkage));
    }
    const best = topK(similarity, width);
    neighbours.set(best.indices, item * width);
    similarities.set(best.scores, item * width);
    if ((item + 1) % reportEvery === 0 || item === items - 1) {
      checkAborted(context.signal);
      await context.onProgress({ iteration: item + 1, total: items, metrics: {} });
    }
  }
  return new ItemKnnModel(neighbours, similarities, width);
}

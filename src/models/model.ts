import type { InteractionMatrix, InteractionPairs } from './interactions.js';

export const ALGORITHMS = ['popularity', 'item-knn', 'ease', 'als', 'bpr', 'ncf'] as const;
export type AlgorithmName = (typeof ALGORITHMS)[number];

/** A named array as stored in a safetensors file. */
export type Tensor =
  | { dtype: 'F32'; shape: number[]; data: Float32Array }
  | { dtype: 'F64'; shape: number[]; data: Float64Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array };

/** What a user has interacted with: sorted item indices and how strongly (watch counts). */
export interface UserHistory {
  items: Int32Array;
  counts: Float32Array;
}

/**
 * A trained recommender over a fixed catalogue of `itemCount` items (dense indices). Every algorithm
 * scores all items for a user at once, which is what ranking and serving need.
 */
export interface Recommender {
  readonly algorithm: AlgorithmName;
  readonly itemCount: number;
  /**
   * Writes a score for every item into `out` (higher is better). `user` is the index of a user seen in
   * training, or -1 for anyone else; `history` is what the user has watched, up to now.
   */
  scoreUser(user: number, history: UserHistory, out: Float32Array): void;
  /** Items most like `item` (for "more like this"), written as scores into `out`; undefined if unsupported. */
  similarItems?(item: number, out: Float32Array): void;
  /** The learned parameters, for the model artifact. */
  tensors(): Record<string, Tensor>;
  /**
   * Moves scoring onto the SIMD kernel where the algorithm has one (factor models), for serving. Scores
   * then come from f32 arithmetic and may differ from the default path in the last bits.
   */
  prepareFastScoring?(): Promise<void>;
  /** For models whose score is a dot product (factor models): the form serving indexes for approximate top-k. */
  dotProductForm?(): DotProductForm;
}

/**
 * A model whose score for (user, item) is `query(user) · itemRows[item]`, exactly: what an approximate
 * nearest-neighbour index over the item rows needs.
 */
export interface DotProductForm {
  /** `itemCount` rows of `width` floats. */
  readonly itemRows: Float32Array;
  readonly width: number;
  /** The user's query vector (`width` floats), as `scoreUser` would score them. */
  query(user: number, history: UserHistory): Float32Array;
  /** Users seen in training (the indices `query` takes). */
  readonly userCount: number;
}

/** What a training run reports after each epoch or iteration. */
export interface TrainingProgress {
  iteration: number;
  total: number;
  metrics: Record<string, number>;
}

export interface TrainingContext {
  /** Called after each epoch/iteration; awaited, so it can log and yield. */
  onProgress: (progress: TrainingProgress) => Promise<void> | void;
  /** Aborts training between iterations. */
  signal?: AbortSignal;
  /** Worker threads for algorithms that use them (default: the machine's cores). Never changes results. */
  threads?: number;
  /**
   * Early stopping, for algorithms trained in epochs: called with the model as it stands after each epoch
   * (it may share the arrays being trained: read it, keep nothing); training stops when it returns false.
   */
  validate?: (model: Recommender, epoch: number) => Promise<boolean> | boolean;
}

/** The data an algorithm learns from: the training split as a matrix, plus the raw pairs with times. */
export interface TrainingData {
  matrix: InteractionMatrix;
  pairs: InteractionPairs;
}

export function f32(shape: number[], data: Float32Array): Tensor {
  return { dtype: 'F32', shape, data };
}

export function i32(shape: number[], data: Int32Array): Tensor {
  return { dtype: 'I32', shape, data };
}

/** Throws the signal's reason when training was cancelled. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('training was cancelled');
}

/** Dot product of row `a` of `left` with row `b` of `right`, both with `width` columns. */
export function rowDot(left: Float32Array, a: number, right: Float32Array, b: number, width: number): number {
  let sum = 0;
  const leftBase = a * width;
  const rightBase = b * width;
  for (let d = 0; d < width; d++) sum += (left[leftBase + d] as number) * (right[rightBase + d] as number);
  return sum;
}

/**
 * `out[i] = vector · rows[i]` for every row of a row-major matrix: the hot loop of scoring, unrolled by
 * four with independent sums.
 */
export function scoreAllRows(
  vector: Float32Array | Float64Array,
  rows: Float32Array,
  width: number,
  out: Float32Array,
): void {
  const count = rows.length / width;
  const width4 = width - (width % 4);
  for (let i = 0; i < count; i++) {
    const base = i * width;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let d = 0;
    for (; d < width4; d += 4) {
      s0 += (vector[d] as number) * (rows[base + d] as number);
      s1 += (vector[d + 1] as number) * (rows[base + d + 1] as number);
      s2 += (vector[d + 2] as number) * (rows[base + d + 2] as number);
      s3 += (vector[d + 3] as number) * (rows[base + d + 3] as number);
    }
    for (; d < width; d++) s0 += (vector[d] as number) * (rows[base + d] as number);
    out[i] = s0 + s1 + (s2 + s3);
  }
}

/** Cosine similarity of `item` against every row (embeddings), written to `out`; the item itself is -Infinity. */
export function cosineToAll(rows: Float32Array, width: number, item: number, out: Float32Array): void {
  const count = rows.length / width;
  const norms = new Float64Array(count);
  for (let i = 0; i < count; i++) norms[i] = Math.sqrt(rowDot(rows, i, rows, i, width)) || 1;
  for (let i = 0; i < count; i++)
    out[i] = rowDot(rows, item, rows, i, width) / ((norms[item] as number) * (norms[i] as number));
  out[item] = Number.NEGATIVE_INFINITY;
}

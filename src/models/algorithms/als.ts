import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { SeededRandom } from '../../data/index.js';
import type { SparseMatrix } from '../interactions.js';
import {
  checkAborted,
  cosineToAll,
  f32,
  type Recommender,
  scoreAllRows,
  type Tensor,
  type TrainingContext,
  type TrainingData,
  type UserHistory,
} from '../model.js';
import { alsObservedLoss, solveAlsRows } from './als-kernel.js';

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
    scoreAllRows(vector, this.itemFactors, this.factors, out);
  }

  similarItems(item: number, out: Float32Array): void {
    cosineToAll(this.itemFactors, this.factors, item, out);
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
  const userFactors = shared(Float32Array.from({ length: byUser.rows * f }, () => random.next() * 0.01));
  const itemFactors = shared(Float32Array.from({ length: byItem.rows * f }, () => random.next() * 0.01));
  const gram = shared(new Float64Array(f * f));
  const threads = Math.min(context.threads ?? availableParallelism(), 16);
  const pool =
    threads > 1 && byUser.indices.length >= MIN_NON_ZEROS_FOR_THREADS
      ? new AlsWorkerPool(threads, {
          users: { ...sharedMatrix(byUser), source: itemFactors, target: userFactors },
          items: { ...sharedMatrix(byItem), source: userFactors, target: itemFactors },
          gram,
          factors: f,
          alpha: params.alpha,
          cgSteps: params.cg_steps,
        })
      : undefined;
  try {
    for (let iteration = 1; iteration <= params.iterations; iteration++) {
      checkAborted(context.signal);
      for (const side of ['users', 'items'] as const) {
        const matrix = side === 'users' ? byUser : byItem;
        const source = side === 'users' ? itemFactors : userFactors;
        const target = side === 'users' ? userFactors : itemFactors;
        gram.set(gramOf(source, f, params.reg));
        if (pool === undefined) {
          solveAlsRows(
            matrix.indptr,
            matrix.indices,
            matrix.values,
            source,
            target,
            gram,
            f,
            params.alpha,
            params.cg_steps,
            0,
            matrix.rows,
          );
        } else {
          await pool.run('solve', side, balancedRanges(matrix, f, threads * 4));
        }
      }
      const ranges = balancedRanges(byUser, f, threads * 4);
      const observed =
        pool === undefined
          ? alsObservedLoss(
              byUser.indptr,
              byUser.indices,
              byUser.values,
              userFactors,
              itemFactors,
              f,
              params.alpha,
              0,
              byUser.rows,
            )
          : (await pool.run('loss', 'users', ranges)).reduce((sum, part) => sum + part, 0);
      const loss = alsLoss(byUser, userFactors, itemFactors, f, params, observed);
      await context.onProgress({ iteration, total: params.iterations, metrics: { loss } });
    }
  } finally {
    await pool?.close();
  }
  return new AlsModel(
    Float32Array.from(userFactors),
    Float32Array.from(itemFactors),
    f,
    params.reg,
    params.alpha,
  );
}

/** YᵀY + λI in double precision. */
function gramOf(rows: Float32Array, f: number, reg: number): Float64Array {
  const gram = new Float64Array(f * f);
  const count = rows.length / f;
  for (let i = 0; i < count; i++) {
    const base = i * f;
    for (let d = 0; d < f; d++) {
      const yd = rows[base + d] as number;
      if (yd === 0) continue;
      const row = d * f;
      for (let e = d; e < f; e++) gram[row + e] = (gram[row + e] as number) + yd * (rows[base + e] as number);
    }
  }
  for (let d = 0; d < f; d++) {
    gram[d * f + d] = (gram[d * f + d] as number) + reg;
    for (let e = 0; e < d; e++) gram[d * f + e] = gram[e * f + d] as number;
  }
  return gram;
}

/**
 * The implicit-ALS objective per matrix cell: Σ cᵤᵢ(pᵤᵢ − xᵤ·yᵢ)² over every cell + λ(‖X‖² + ‖Y‖²),
 * computed without visiting the zeros: Σ over all cells of (x·y)² is the sum of (XᵀX) ⊙ (YᵀY), and the
 * observed cells' correction comes from `alsObservedLoss`.
 */
function alsLoss(
  byUser: SparseMatrix,
  users: Float32Array,
  items: Float32Array,
  f: number,
  params: AlsParams,
  observed: number,
): number {
  const userGram = gramOf(users, f, 0);
  const itemGram = gramOf(items, f, 0);
  let loss = observed;
  let norms = 0;
  for (let d = 0; d < f; d++) {
    norms += (userGram[d * f + d] as number) + (itemGram[d * f + d] as number);
    for (let e = 0; e < f; e++) loss += (userGram[d * f + e] as number) * (itemGram[d * f + e] as number);
  }
  loss += params.reg * norms;
  return loss / (byUser.rows * byUser.cols + byUser.indices.length);
}

/** Solves A·x = b for a symmetric positive-definite A (row-major f×f), by Cholesky. */
function choleskySolve(a: Float64Array, b: Float64Array, f: number): Float64Array {
  const l = new Float64Array(f * f);
  for (let i = 0; i < f; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * f + j] as number;
      for (let k = 0; k < j; k++) sum -= (l[i * f + k] as number) * (l[j * f + k] as number);
      l[i * f + j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / (l[j * f + j] as number);
    }
  }
  const y = new Float64Array(f);
  for (let i = 0; i < f; i++) {
    let sum = b[i] as number;
    for (let k = 0; k < i; k++) sum -= (l[i * f + k] as number) * (y[k] as number);
    y[i] = sum / (l[i * f + i] as number);
  }
  const x = new Float64Array(f);
  for (let i = f - 1; i >= 0; i--) {
    let sum = y[i] as number;
    for (let k = i + 1; k < f; k++) sum -= (l[k * f + i] as number) * (x[k] as number);
    x[i] = sum / (l[i * f + i] as number);
  }
  return x;
}

/** Row ranges of roughly equal work (rows cost f² each plus f per interaction). */
function balancedRanges(matrix: SparseMatrix, f: number, parts: number): [number, number][] {
  const total = matrix.rows * f + matrix.indices.length;
  const ranges: [number, number][] = [];
  let start = 0;
  for (let part = 1; part <= parts && start < matrix.rows; part++) {
    const goal = (total * part) / parts;
    let end = start + 1;
    while (end < matrix.rows && end * f + (matrix.indptr[end] as number) < goal) end++;
    if (part === parts) end = matrix.rows;
    ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

function shared<T extends Float32Array | Float64Array | Int32Array>(array: T): T {
  const buffer = new SharedArrayBuffer(array.byteLength);
  const copy = new (array.constructor as new (buffer: SharedArrayBuffer) => T)(buffer);
  copy.set(array as never);
  return copy;
}

function sharedMatrix(matrix: SparseMatrix) {
  return { indptr: shared(matrix.indptr), indices: shared(matrix.indices), counts: shared(matrix.values) };
}

interface SideData {
  indptr: Int32Array;
  indices: Int32Array;
  counts: Float32Array;
  source: Float32Array;
  target: Float32Array;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const solveAlsRows = ${solveAlsRows.toString()};
const alsObservedLoss = ${alsObservedLoss.toString()};
parentPort.on('message', (task) => {
  const side = workerData[task.side];
  if (task.kind === 'loss') {
    const loss = alsObservedLoss(side.indptr, side.indices, side.counts, side.target, side.source,
      workerData.factors, workerData.alpha, task.start, task.end);
    parentPort.postMessage(loss);
    return;
  }
  solveAlsRows(side.indptr, side.indices, side.counts, side.source, side.target, workerData.gram,
    workerData.factors, workerData.alpha, workerData.cgSteps, task.start, task.end);
  parentPort.postMessage(0);
});`;

/**
 * Worker threads that share the factor matrices (SharedArrayBuffer) and solve row ranges. Rows are
 * independent within a half-step, so the result is the same for any number of threads.
 */
class AlsWorkerPool {
  private readonly workers: Worker[];

  constructor(
    size: number,
    data: {
      users: SideData;
      items: SideData;
      gram: Float64Array;
      factors: number;
      alpha: number;
      cgSteps: number;
    },
  ) {
    this.workers = Array.from(
      { length: size },
      () => new Worker(WORKER_SOURCE, { eval: true, workerData: data }),
    );
  }

  /**
   * Runs a task over every range, handing the next range to whichever worker finishes first; resolves
   * with each range's answer, in range order.
   */
  async run(kind: 'solve' | 'loss', side: 'users' | 'items', ranges: [number, number][]): Promise<number[]> {
    const answers = new Array<number>(ranges.length).fill(0);
    let next = 0;
    await Promise.all(
      this.workers.map(async (worker) => {
        while (next < ranges.length) {
          const id = next++;
          const [start, end] = ranges[id] as [number, number];
          answers[id] = await new Promise<number>((resolve, reject) => {
            const onError = (error: Error) => reject(error);
            worker.once('error', onError);
            worker.once('message', (answer: number) => {
              worker.off('error', onError);
              resolve(answer);
            });
            worker.postMessage({ kind, side, start, end });
          });
        }
      }),
    );
    return answers;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

import type { Worker } from 'node:worker_threads';
import type { SparseMatrix } from '../interactions.js';
import {
  type FactorKernel,
  instantiateFactorKernel,
  kernelLayout,
  kernelMemory,
  kernelWorker,
  loadFactorKernel,
} from '../kernels/factor-kernel.js';
import type { AlsParams } from './als.js';

/** ALS training on the WebAssembly factor kernel: shared memory layout, worker threads, solve and loss passes. */

/** Row ranges of roughly equal work (rows cost f² each plus f per interaction); a fixed number of them, so
 * sums over ranges (the loss) add up in the same order whatever the thread count. */
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

const RANGES = 32;

/** Byte offsets of one side's matrix and factors inside the kernel memory. */
interface SideLayout {
  indptr: number;
  indices: number;
  counts: number;
  /** Factors being solved. */
  target: number;
  /** The other side's factors. */
  source: number;
  rows: number;
}

interface Layout {
  users: SideLayout;
  items: SideLayout;
  gram: number;
  /** A second Gram matrix, for the loss. */
  gramB: number;
  /** Padded factor count: a multiple of 4, for f32x4 vectors; the padding stays zero. */
  width: number;
  alpha: number;
  cgSteps: number;
}

const ON_TASK = `
  const { layout, scratch } = data;
  const side = layout[task.side];
  if (task.kind === 'loss') {
    parentPort.postMessage(kernel.observedLoss(side.indptr, side.indices, side.counts, side.target, side.source,
      layout.width, layout.alpha, task.start, task.end));
    return;
  }
  kernel.solveRows(side.indptr, side.indices, side.counts, side.source, side.target, layout.gram, layout.width,
    layout.alpha, layout.cgSteps, task.start, task.end, scratch);
  parentPort.postMessage(0);`;

/**
 * Everything ALS touches, in one shared WebAssembly memory: both sparse matrices, both factor matrices
 * (rows padded to a multiple of 4 floats), the Gram matrix and per-thread scratch vectors. Worker threads
 * instantiate the same kernel over the same memory and solve disjoint row ranges; rows are independent
 * within a half-step, so the factors are identical for any number of threads.
 */
export class AlsWorkspace {
  /** Which side's Gram matrix (plus λI) `layout.gram` holds, and whether `layout.gramB` holds the items' current one. */
  private gramHolds: 'users' | 'items' | undefined;
  private itemGramReady = false;

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly kernel: FactorKernel,
    private readonly layout: Layout,
    private readonly ranges: { users: [number, number][]; items: [number, number][] },
    private readonly mainScratch: number,
    private readonly workers: Worker[],
    private readonly factorCount: number,
    private readonly reg: number,
    private readonly byUser: SparseMatrix,
  ) {}

  static async create(
    byUser: SparseMatrix,
    byItem: SparseMatrix,
    f: number,
    params: AlsParams,
    threads: number,
  ): Promise<AlsWorkspace> {
    const width = Math.ceil(f / 4) * 4;
    const regions = kernelLayout();
    const { take } = regions;
    const place = (matrix: SparseMatrix) => ({
      indptr: take(matrix.indptr.byteLength),
      indices: take(matrix.indices.byteLength),
      counts: take(matrix.values.byteLength),
      rows: matrix.rows,
    });
    const userMatrix = place(byUser);
    const itemMatrix = place(byItem);
    const userFactors = take(byUser.rows * width * 4);
    const itemFactors = take(byItem.rows * width * 4);
    const layout: Layout = {
      users: { ...userMatrix, target: userFactors, source: itemFactors },
      items: { ...itemMatrix, target: itemFactors, source: userFactors },
      gram: take(width * width * 4),
      gramB: take(width * width * 4),
      width,
      alpha: params.alpha,
      cgSteps: params.cg_steps,
    };
    const scratch = Array.from({ length: threads + 1 }, () => take(3 * width * 4));
    const memory = kernelMemory(regions.end);
    for (const [matrix, side] of [
      [byUser, layout.users],
      [byItem, layout.items],
    ] as const) {
      new Int32Array(memory.buffer, side.indptr, matrix.indptr.length).set(matrix.indptr);
      new Int32Array(memory.buffer, side.indices, matrix.indices.length).set(matrix.indices);
      new Float32Array(memory.buffer, side.counts, matrix.values.length).set(matrix.values);
    }
    const module = await loadFactorKernel();
    const workers =
      threads > 1
        ? Array.from({ length: threads }, (_, index) =>
            kernelWorker(module, memory, { layout, scratch: scratch[index + 1] }, ON_TASK),
          )
        : [];
    return new AlsWorkspace(
      memory,
      instantiateFactorKernel(module, memory),
      layout,
      { users: balancedRanges(byUser, f, RANGES), items: balancedRanges(byItem, f, RANGES) },
      scratch[0] as number,
      workers,
      f,
      params.reg,
      byUser,
    );
  }

  setFactors(users: Float32Array, items: Float32Array): void {
    this.write(this.layout.users.target, users);
    this.write(this.layout.items.target, items);
    this.gramHolds = undefined;
    this.itemGramReady = false;
  }

  /** The factor matrices without padding, copied out of the kernel memory. */
  factors(): { users: Float32Array; items: Float32Array } {
    return { users: this.read(this.layout.users), items: this.read(this.layout.items) };
  }

  /** One half-step: solves every row of one side against the other side's factors. */
  async solve(side: 'users' | 'items'): Promise<void> {
    const { layout, kernel } = this;
    const otherSide = side === 'users' ? 'items' : 'users';
    const other = layout[otherSide];
    if (otherSide === 'items' && this.itemGramReady) this.copyItemGram();
    else kernel.gram(other.target, other.rows, layout.width, this.reg, layout.gram);
    this.gramHolds = otherSide;
    if (side === 'items') this.itemGramReady = false;
    const s = layout[side];
    if (this.workers.length === 0) {
      kernel.solveRows(
        s.indptr,
        s.indices,
        s.counts,
        s.source,
        s.target,
        layout.gram,
        layout.width,
        layout.alpha,
        layout.cgSteps,
        0,
        s.rows,
        this.mainScratch,
      );
      return;
    }
    await this.run('solve', side);
  }

  /**
   * The implicit-ALS objective per matrix cell: Σ cᵤᵢ(pᵤᵢ − xᵤ·yᵢ)² over every cell + λ(‖X‖² + ‖Y‖²),
   * without visiting the zeros: Σ over all cells of (x·y)² is the sum of (XᵀX) ⊙ (YᵀY).
   */
  async loss(): Promise<number> {
    const { layout, kernel, byUser } = this;
    const u = layout.users;
    const observed =
      this.workers.length === 0
        ? kernel.observedLoss(
            u.indptr,
            u.indices,
            u.counts,
            u.target,
            u.source,
            layout.width,
            layout.alpha,
            0,
            u.rows,
          )
        : (await this.run('loss', 'users')).reduce((sum, part) => sum + part, 0);
    // After an items half-step the solve's Gram matrix is the users' (plus λ on the diagonal): reused, and
    // the items' Gram computed here is kept for the next users half-step, so the loss costs no Gram of its own.
    if (this.gramHolds !== 'users') {
      kernel.gram(u.target, u.rows, layout.width, this.reg, layout.gram);
      this.gramHolds = 'users';
    }
    kernel.gram(layout.items.target, layout.items.rows, layout.width, 0, layout.gramB);
    this.itemGramReady = true;
    const width = layout.width;
    const userGram = new Float32Array(this.memory.buffer, layout.gram, width * width);
    const itemGram = new Float32Array(this.memory.buffer, layout.gramB, width * width);
    let loss = observed;
    let norms = 0;
    for (let d = 0; d < width; d++) {
      const userDiagonal = (userGram[d * width + d] as number) - this.reg;
      norms += userDiagonal + (itemGram[d * width + d] as number);
      for (let e = 0; e < width; e++)
        loss +=
          (e === d ? userDiagonal : (userGram[d * width + e] as number)) *
          (itemGram[d * width + e] as number);
    }
    loss += this.reg * norms;
    return loss / (byUser.rows * byUser.cols + byUser.indices.length);
  }

  /** The items' Gram matrix the loss computed, plus λ on the diagonal, as the next users half-step's. */
  private copyItemGram(): void {
    const width = this.layout.width;
    const gram = new Float32Array(this.memory.buffer, this.layout.gram, width * width);
    gram.set(new Float32Array(this.memory.buffer, this.layout.gramB, width * width));
    for (let d = 0; d < width; d++) gram[d * width + d] = (gram[d * width + d] as number) + this.reg;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  /**
   * Runs a task over every range of a side, handing the next range to whichever worker finishes first;
   * resolves with each range's answer, in range order.
   */
  private async run(kind: 'solve' | 'loss', side: 'users' | 'items'): Promise<number[]> {
    const ranges = this.ranges[side];
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

  private write(at: number, factors: Float32Array): void {
    const f = this.factorCount;
    const width = this.layout.width;
    const view = new Float32Array(this.memory.buffer, at, (factors.length / f) * width);
    view.fill(0);
    for (let row = 0; row < factors.length / f; row++)
      view.set(factors.subarray(row * f, (row + 1) * f), row * width);
  }

  private read(side: SideLayout): Float32Array {
    const f = this.factorCount;
    const width = this.layout.width;
    const view = new Float32Array(this.memory.buffer, side.target, side.rows * width);
    const out = new Float32Array(side.rows * f);
    for (let row = 0; row < side.rows; row++) out.set(view.subarray(row * width, row * width + f), row * f);
    return out;
  }
}

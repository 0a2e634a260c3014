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

/** Below this many watched pairs a second thread costs more than it saves (and one thread is exact). */
const MIN_PAIRS_FOR_THREADS = 200_000;

interface Layout {
  indptr: number;
  indices: number;
  userOfSlot: number;
  users: number;
  items: number;
  bias: number;
  /** Per thread: its generator's 8 bytes and its 16 bytes of results. */
  states: number[];
  stats: number[];
  /** Padded factor count: a multiple of 4 for f32x4 vectors; the padding stays zero. */
  width: number;
  columns: number;
  slots: number;
}

const ON_TASK = `
  const { layout, thread } = data;
  kernel.bprSteps(layout.indptr, layout.indices, layout.userOfSlot, layout.users, layout.items, layout.bias,
    layout.width, layout.columns, layout.slots, task.samples, task.lr, task.reg, layout.states[thread],
    layout.stats[thread]);
  parentPort.postMessage(0);`;

/**
 * BPR's SGD in the WebAssembly SIMD kernel (`bprSteps`): the by-user matrix, each slot's user, the factor
 * rows (padded) and the item biases live in one shared kernel memory for the whole fit. On large data the
 * epoch's samples are shared among threads that update the same factors without locks (Hogwild, as
 * implicit does): fast, but not reproducible to the bit; one thread is.
 */
export class BprKernel {
  private constructor(
    private readonly kernel: FactorKernel,
    private readonly memory: WebAssembly.Memory,
    private readonly layout: Layout,
    private readonly workers: Worker[],
    private readonly rows: number,
    private readonly factors: number,
  ) {}

  static async create(
    matrix: SparseMatrix,
    users: Float32Array,
    items: Float32Array,
    options: { factors: number; seed: number; threads: number; minPairsForThreads?: number },
  ): Promise<BprKernel> {
    const { factors } = options;
    const threads =
      matrix.indices.length >= (options.minPairsForThreads ?? MIN_PAIRS_FOR_THREADS)
        ? Math.max(1, options.threads)
        : 1;
    const width = Math.ceil(factors / 4) * 4;
    const slots = matrix.indices.length;
    const regions = kernelLayout();
    const { take } = regions;
    const layout: Layout = {
      indptr: take((matrix.rows + 1) * 4),
      indices: take(slots * 4),
      userOfSlot: take(slots * 4),
      users: take(matrix.rows * width * 4),
      items: take(matrix.cols * width * 4),
      bias: take(matrix.cols * 4),
      states: Array.from({ length: threads }, () => take(8)),
      stats: Array.from({ length: threads }, () => take(16)),
      width,
      columns: matrix.cols,
      slots,
    };
    const memory = kernelMemory(regions.end);
    new Int32Array(memory.buffer, layout.indptr, matrix.rows + 1).set(matrix.indptr);
    new Int32Array(memory.buffer, layout.indices, slots).set(matrix.indices);
    const userOfSlot = new Int32Array(memory.buffer, layout.userOfSlot, slots);
    for (let row = 0; row < matrix.rows; row++)
      userOfSlot.fill(row, matrix.indptr[row], matrix.indptr[row + 1]);
    const pad = (from: Float32Array, count: number, to: number) => {
      const padded = new Float32Array(memory.buffer, to, count * width);
      for (let row = 0; row < count; row++)
        padded.set(from.subarray(row * factors, (row + 1) * factors), row * width);
    };
    pad(users, matrix.rows, layout.users);
    pad(items, matrix.cols, layout.items);
    // One xorshift64* stream per thread, from the seed (never zero).
    layout.states.forEach((at, thread) => {
      new BigUint64Array(memory.buffer, at, 1)[0] =
        (BigInt(options.seed >>> 0) + 1n) * 0x9e3779b97f4a7c15n + BigInt(thread) * 0xbf58476d1ce4e5b9n;
    });
    const module = await loadFactorKernel();
    const workers = Array.from({ length: threads - 1 }, (_, index) =>
      kernelWorker(module, memory, { layout, thread: index + 1 }, ON_TASK),
    );
    return new BprKernel(
      instantiateFactorKernel(module, memory),
      memory,
      layout,
      workers,
      matrix.rows,
      factors,
    );
  }

  /** `samples` SGD steps shared among the threads; the summed log-likelihood, pairs ranked right, pairs skipped. */
  async steps(
    samples: number,
    lr: number,
    reg: number,
  ): Promise<{ logLikelihood: number; correct: number; skipped: number }> {
    const { layout } = this;
    const threads = this.workers.length + 1;
    const share = Math.floor(samples / threads);
    const done = this.workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
          worker.postMessage({ samples: share, lr, reg });
        }),
    );
    this.kernel.bprSteps(
      layout.indptr,
      layout.indices,
      layout.userOfSlot,
      layout.users,
      layout.items,
      layout.bias,
      layout.width,
      layout.columns,
      layout.slots,
      samples - share * (threads - 1),
      lr,
      reg,
      layout.states[0] as number,
      layout.stats[0] as number,
    );
    await Promise.all(done);
    let logLikelihood = 0;
    let correct = 0;
    let skipped = 0;
    for (const at of layout.stats) {
      logLikelihood += new Float64Array(this.memory.buffer, at, 1)[0] as number;
      const counts = new Int32Array(this.memory.buffer, at + 8, 2);
      correct += counts[0] as number;
      skipped += counts[1] as number;
    }
    return { logLikelihood, correct, skipped };
  }

  /** The factors and biases as they stand, unpadded, into the model's arrays. */
  copyOut(users: Float32Array, items: Float32Array, bias: Float32Array): void {
    const { width, columns } = this.layout;
    const unpad = (from: number, count: number, to: Float32Array) => {
      const padded = new Float32Array(this.memory.buffer, from, count * width);
      for (let row = 0; row < count; row++)
        to.set(padded.subarray(row * width, row * width + this.factors), row * this.factors);
    };
    unpad(this.layout.users, this.rows, users);
    unpad(this.layout.items, columns, items);
    bias.set(new Float32Array(this.memory.buffer, this.layout.bias, columns));
  }

  /** Threads sharing each epoch's samples (this one included). */
  get threads(): number {
    return this.workers.length + 1;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

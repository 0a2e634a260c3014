import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

// Built by `npm run build:kernels` into <repo>/dist/kernels: the same relative path from src/ and dist/.
const KERNEL_FILE = new URL('../../../dist/kernels/factor-kernel.wasm', import.meta.url);
let compiled: Promise<WebAssembly.Module> | undefined;

/** The compiled factor-model kernel (WebAssembly SIMD, from factor-kernel.as.ts), loaded once per process. */
export function loadFactorKernel(): Promise<WebAssembly.Module> {
  compiled ??= readFile(KERNEL_FILE).then(
    (bytes) => WebAssembly.compile(bytes),
    (error: unknown) => {
      compiled = undefined;
      throw new Error(
        `the factor-model kernel ${fileURLToPath(KERNEL_FILE)} is missing: run \`npm run build\` (${String(error)})`,
      );
    },
  );
  return compiled;
}

/** The kernel's exports; every pointer is a byte offset into the memory it was instantiated with. */
export interface FactorKernel {
  solveRows(
    indptr: number,
    indices: number,
    counts: number,
    source: number,
    target: number,
    gram: number,
    f: number,
    alpha: number,
    cgSteps: number,
    rowStart: number,
    rowEnd: number,
    scratch: number,
  ): void;
  observedLoss(
    indptr: number,
    indices: number,
    counts: number,
    rows: number,
    columns: number,
    f: number,
    alpha: number,
    rowStart: number,
    rowEnd: number,
  ): number;
  gram(rows: number, count: number, f: number, reg: number, out: number): void;
  scoreRows(vector: number, rows: number, count: number, f: number, out: number): void;
  bprSteps(
    indptr: number,
    indices: number,
    userOfSlot: number,
    users: number,
    items: number,
    bias: number,
    f: number,
    columns: number,
    slots: number,
    samples: number,
    lr: number,
    reg: number,
    state: number,
    stats: number,
  ): void;
}

export function instantiateFactorKernel(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): FactorKernel {
  const imports = {
    env: {
      memory,
      abort: () => {
        throw new Error('the factor-model kernel aborted');
      },
    },
  };
  return new WebAssembly.Instance(module, imports).exports as unknown as FactorKernel;
}

/** A shared WebAssembly memory (the kernel imports one) large enough for `bytes` after its first page. */
export function kernelMemory(bytes: number): WebAssembly.Memory {
  const pages = Math.ceil(bytes / 65_536) + 2;
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

/** Where buffers start in a kernel memory: the kernel keeps nothing there, but its first page is left alone. */
export const FIRST_FREE_BYTE = 65_536;

/** Lays buffers out in a kernel memory from its first free byte, each 16-byte aligned for f32x4 loads. */
export function kernelLayout(): { take(bytes: number): number; readonly end: number } {
  let offset = FIRST_FREE_BYTE;
  return {
    take(bytes: number) {
      const at = offset;
      offset += Math.ceil(bytes / 16) * 16;
      return at;
    },
    get end() {
      return offset;
    },
  };
}

/**
 * A worker thread with its own instance of the kernel on the shared `memory`. `onTask` is the body of its
 * message handler (plain JavaScript, with `kernel`, `data` — the `data` given here — and `task` in scope),
 * which answers with `parentPort.postMessage`.
 */
export function kernelWorker(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  data: Record<string, unknown>,
  onTask: string,
): Worker {
  const source = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, data } = workerData;
const kernel = new WebAssembly.Instance(module, {
  env: { memory, abort() { throw new Error('the factor-model kernel aborted'); } },
}).exports;
parentPort.on('message', (task) => {${onTask}});`;
  return new Worker(source, { eval: true, workerData: { module, memory, data } });
}

/**
 * Dot products of one vector against every row of a factor matrix, with SIMD: serving's scoring loop.
 * Rows are copied once into kernel memory, padded to a multiple of 4 floats.
 */
export class FactorScorer {
  private constructor(
    private readonly kernel: FactorKernel,
    private readonly memory: WebAssembly.Memory,
    private readonly count: number,
    private readonly factors: number,
    private readonly width: number,
    private readonly vectorAt: number,
    private readonly rowsAt: number,
    private readonly outAt: number,
  ) {}

  static async create(rows: Float32Array, factors: number): Promise<FactorScorer> {
    const count = rows.length / factors;
    const width = Math.ceil(factors / 4) * 4;
    const vectorAt = FIRST_FREE_BYTE;
    const rowsAt = vectorAt + width * 4;
    const outAt = rowsAt + count * width * 4;
    const memory = kernelMemory(outAt + count * 4);
    const padded = new Float32Array(memory.buffer, rowsAt, count * width);
    for (let row = 0; row < count; row++)
      padded.set(rows.subarray(row * factors, (row + 1) * factors), row * width);
    const kernel = instantiateFactorKernel(await loadFactorKernel(), memory);
    return new FactorScorer(kernel, memory, count, factors, width, vectorAt, rowsAt, outAt);
  }

  /** out[i] = vector · row i. */
  score(vector: ArrayLike<number>, out: Float32Array): void {
    const input = new Float32Array(this.memory.buffer, this.vectorAt, this.width);
    for (let d = 0; d < this.factors; d++) input[d] = vector[d] as number;
    this.kernel.scoreRows(this.vectorAt, this.rowsAt, this.count, this.width, this.outAt);
    out.set(new Float32Array(this.memory.buffer, this.outAt, this.count));
  }

  /** The kernel's output: row i's score from the last call that scored it (`scoreRange` leaves the rest). */
  get scores(): Float32Array {
    return new Float32Array(this.memory.buffer, this.outAt, this.count);
  }

  /**
   * Scores rows `start` to `end` (exclusive) into `scores` and returns a view of theirs: valid until the
   * next call that scores those rows.
   */
  scoreRange(vector: ArrayLike<number>, start: number, end: number): Float32Array {
    const input = new Float32Array(this.memory.buffer, this.vectorAt, this.width);
    for (let d = 0; d < this.factors; d++) input[d] = vector[d] as number;
    const outAt = this.outAt + start * 4;
    this.kernel.scoreRows(
      this.vectorAt,
      this.rowsAt + start * this.width * 4,
      end - start,
      this.width,
      outAt,
    );
    return new Float32Array(this.memory.buffer, outAt, end - start);
  }
}

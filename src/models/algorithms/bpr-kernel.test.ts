import { describe, expect, it } from 'vitest';
import type { SparseMatrix } from '../interactions.js';
import { BprKernel } from './bpr-kernel.js';

// Two communities of users, each watching movies of its own half of the catalogue: a ranking any working
// BPR learns, so the share of correctly ordered pairs must climb towards 1 on one thread and on two.
function communities(users: number, movies: number, perUser: number): SparseMatrix {
  const indptr = new Int32Array(users + 1);
  const indices: number[] = [];
  for (let user = 0; user < users; user++) {
    const half = user % 2;
    const picked = new Set<number>();
    for (let k = 0; picked.size < perUser; k++)
      picked.add(half * (movies / 2) + ((user * 7 + k * 13) % (movies / 2)));
    indices.push(...[...picked].sort((a, b) => a - b));
    indptr[user + 1] = indices.length;
  }
  return {
    rows: users,
    cols: movies,
    indptr,
    indices: Int32Array.from(indices),
    values: new Float32Array(indices.length).fill(1),
  };
}

async function trainKernel(matrix: SparseMatrix, threads: number) {
  const f = 8;
  const init = (count: number) => Float32Array.from({ length: count * f }, (_, i) => Math.sin(i) * 0.05);
  const users = init(matrix.rows);
  const items = init(matrix.cols);
  const kernel = await BprKernel.create(matrix, users, items, {
    factors: f,
    seed: 3,
    threads,
    minPairsForThreads: 0,
  });
  try {
    const epochs = [];
    for (let epoch = 0; epoch < 30; epoch++)
      epochs.push(await kernel.steps(matrix.indices.length, 0.05, 0.01));
    const bias = new Float32Array(matrix.cols);
    kernel.copyOut(users, items, bias);
    return { epochs, threads: kernel.threads, users, items };
  } finally {
    await kernel.close();
  }
}

describe('the BPR kernel', () => {
  it('learns the same ranking on one thread and on two (Hogwild), counting every sample', async () => {
    const matrix = communities(400, 60, 12);
    for (const threads of [1, 2]) {
      const { epochs, threads: used, users, items } = await trainKernel(matrix, threads);
      expect(used).toBe(threads);
      const samples = matrix.indices.length;
      for (const epoch of epochs) expect(epoch.correct + epoch.skipped).toBeLessThanOrEqual(samples);
      const share = (epoch: (typeof epochs)[number]) => epoch.correct / (samples - epoch.skipped);
      expect(share(epochs[0] as (typeof epochs)[number])).toBeLessThan(0.8);
      expect(share(epochs.at(-1) as (typeof epochs)[number])).toBeGreaterThan(0.9);
      // A user of the first community scores its own movies above the other community's.
      const score = (movie: number) => {
        let s = 0;
        for (let d = 0; d < 8; d++) s += (users[d] as number) * (items[movie * 8 + d] as number);
        return s;
      };
      expect(score(5)).toBeGreaterThan(score(35));
    }
  });

  it('is exact on one thread: the same seed gives the same factors', async () => {
    const matrix = communities(100, 40, 8);
    const [a, b] = [await trainKernel(matrix, 1), await trainKernel(matrix, 1)];
    expect(a.users).toEqual(b.users);
    expect(a.items).toEqual(b.items);
  });
});

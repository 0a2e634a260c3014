import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../data/index.js';
import { topK } from '../models/index.js';
import { scoreAllRows } from '../models/model.js';
import { ItemIndex } from './item-index.js';

const WIDTH = 16;

/** Factor-like rows: tastes around a few directions, with norms that vary as popularity does. */
function factorRows(count: number, random: SeededRandom, directions: Float32Array[]): Float32Array {
  const rows = new Float32Array(count * WIDTH);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  for (let row = 0; row < count; row++) {
    const direction = directions[Math.floor(random.next() * directions.length)] as Float32Array;
    const scale = 0.2 + 2 * random.next() ** 3;
    for (let d = 0; d < WIDTH; d++)
      rows[row * WIDTH + d] = scale * ((direction[d] as number) + 0.6 * gaussian());
  }
  return rows;
}

function exactTop(items: Float32Array, query: Float32Array, k: number, excluded: number[] = []): Int32Array {
  const scores = new Float32Array(items.length / WIDTH);
  scoreAllRows(query, items, WIDTH, scores);
  for (const item of excluded) scores[item] = Number.NEGATIVE_INFINITY;
  return topK(scores, k).indices;
}

describe('ItemIndex (approximate top-k by dot product)', () => {
  const random = new SeededRandom(7);
  const directions = Array.from({ length: 12 }, () =>
    Float32Array.from({ length: WIDTH }, () => random.next() * 2 - 1),
  );
  const items = factorRows(20_000, random, directions);
  const users = factorRows(800, random, directions);
  const user = (row: number) => users.slice(row * WIDTH, (row + 1) * WIDTH);
  const calibration = Array.from({ length: 200 }, (_, row) => ({ vector: user(row) }));

  it('finds the recall it was calibrated for on users it was not calibrated on', async () => {
    const index = await ItemIndex.build(items, WIDTH, { recallTarget: 0.95, sampleQueries: calibration });
    if (index === undefined) throw new Error('no index was built');
    expect(index.summary).toMatchObject({ kind: 'ivf', lists: 141, calibration_users: 200 });
    expect(index.summary.recall_at_10).toBeGreaterThanOrEqual(0.95);
    // It scans a small part of the catalogue, else it would be pointless.
    expect(index.summary.probes).toBeLessThan(index.summary.lists / 2);

    let found = 0;
    for (let row = 200; row < 800; row++) {
      const truth = new Set(exactTop(items, user(row), 10));
      const got = index.search(user(row), 10, []);
      if (got === undefined) throw new Error(`user ${row} got no answer`);
      expect(got.indices).toHaveLength(10);
      // Best first, and each score is the item's true dot product.
      expect([...got.scores]).toEqual([...got.scores].sort((a, b) => b - a));
      const expected = new Float32Array(items.length / WIDTH);
      scoreAllRows(user(row), items, WIDTH, expected);
      got.indices.forEach((item, rank) => {
        expect(got.scores[rank]).toBeCloseTo(expected[item] as number, 4);
      });
      for (const item of got.indices) if (truth.has(item)) found++;
    }
    expect(found / (600 * 10)).toBeGreaterThanOrEqual(0.93);
  });

  it('asks for more probes for a higher recall target, and builds the same index every time', async () => {
    const loose = await ItemIndex.build(items, WIDTH, { recallTarget: 0.8, sampleQueries: calibration });
    const strict = await ItemIndex.build(items, WIDTH, { recallTarget: 0.99, sampleQueries: calibration });
    const again = await ItemIndex.build(items, WIDTH, { recallTarget: 0.8, sampleQueries: calibration });
    expect(loose?.summary.probes).toBeLessThan(strict?.summary.probes ?? 0);
    expect(again?.summary.probes).toBe(loose?.summary.probes);
    expect(again?.search(user(300), 10, [])?.indices).toEqual(loose?.search(user(300), 10, [])?.indices);
  });

  it('never returns an excluded item, and gives up (undefined) when the scanned clusters hold too few', async () => {
    const index = await ItemIndex.build(items, WIDTH, { recallTarget: 0.95, sampleQueries: calibration });
    if (index === undefined) throw new Error('no index was built');
    const query = user(400);
    const first = index.search(query, 10, []);
    const excluded = [...(first?.indices ?? [])].slice(0, 5);
    const second = index.search(query, 10, excluded);
    expect(second?.indices).toHaveLength(10);
    for (const item of excluded) expect([...(second?.indices ?? [])]).not.toContain(item);
    // The exclusion marks are cleared after each search: the excluded items come back when not excluded.
    expect(index.search(query, 10, [])?.indices).toEqual(first?.indices);
    expect(index.search(query, 20_001, [])).toBeUndefined();
  });

  it('is not built when no probe count under half the clusters reaches the target', async () => {
    // Directionless noise: every cluster is as likely as the next to hold a top-10 item.
    const noise = Float32Array.from({ length: 4_000 * WIDTH }, () => random.next() * 2 - 1);
    const queries = Array.from({ length: 100 }, () => ({
      vector: Float32Array.from({ length: WIDTH }, () => random.next() * 2 - 1),
    }));
    expect(await ItemIndex.build(noise, WIDTH, { recallTarget: 1, sampleQueries: queries })).toBeUndefined();
  });
});

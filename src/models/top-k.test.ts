import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../data/index.js';
import { topK } from './top-k.js';

/** The reference answer: a full sort by score, ties by index. */
function sortedTop(scores: Float32Array, k: number, exclude: number[] = []): number[] {
  const skip = new Set(exclude);
  return [...scores.keys()]
    .filter((index) => !skip.has(index) && (scores[index] as number) > Number.NEGATIVE_INFINITY)
    .sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b)
    .slice(0, k);
}

describe('topK', () => {
  it('matches a full sort on random scores, best first', () => {
    const random = new SeededRandom(1);
    for (const [n, k] of [
      [1000, 10],
      [50, 50],
      [7, 20],
      [10_000, 100],
    ] as const) {
      const scores = Float32Array.from({ length: n }, () => random.next());
      const result = topK(scores, k);
      expect([...result.indices]).toEqual(sortedTop(scores, k));
      expect([...result.scores]).toEqual(sortedTop(scores, k).map((index) => scores[index]));
    }
  });

  it('skips excluded items, NaN and -Infinity, and breaks ties by the lower index', () => {
    const scores = Float32Array.from([5, 1, 5, Number.NaN, 9, Number.NEGATIVE_INFINITY, 5, 2]);
    expect([...topK(scores, 4, Int32Array.from([4])).indices]).toEqual([0, 2, 6, 7]);
    expect([...topK(scores, 10).indices]).toEqual([4, 0, 2, 6, 7, 1]);
    expect(topK(scores, 0).indices).toHaveLength(0);
  });
});

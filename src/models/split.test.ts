import { describe, expect, it } from 'vitest';
import { pairsFromRows } from './interactions.js';
import { splitInteractions } from './split.js';

const DAY = 86_400_000;
// User 1 watched movies 10..19 on days 0..9; user 2 only two movies (too few to evaluate).
const rows = [
  ...Array.from({ length: 10 }, (_, day) => ({ userId: 1, movieId: 10 + day, at: day * DAY })),
  { userId: 2, movieId: 10, at: 0 },
  { userId: 2, movieId: 11, at: DAY },
];

describe('splitInteractions', () => {
  it('time: holds out each user’s most recently started movies', () => {
    const split = splitInteractions(pairsFromRows(rows), {
      strategy: 'time',
      testFraction: 0.2,
      minInteractions: 5,
      seed: 1,
    });
    expect([...split.test.movieId]).toEqual([18, 19]);
    expect([...split.test.userId]).toEqual([1, 1]);
    expect(split.train.length).toBe(10);
    expect(split.evaluatedUsers).toBe(1);
  });

  it('time: a re-watch counts from the first watch, so old favourites are never "future"', () => {
    const split = splitInteractions(pairsFromRows([...rows, { userId: 1, movieId: 10, at: 20 * DAY }]), {
      strategy: 'time',
      testFraction: 0.2,
      minInteractions: 5,
      seed: 1,
    });
    expect([...split.test.movieId]).toEqual([18, 19]);
  });

  it('time: movies started in the same second are held out by the source order, not by movie id', () => {
    // As in ml-100k: all five ratings share one second; the file lists the high ids first.
    const sameSecond = [50, 40, 30, 20, 10].map((movieId) => ({ userId: 1, movieId, at: 7 * DAY }));
    const split = splitInteractions(pairsFromRows(sameSecond), {
      strategy: 'time',
      testFraction: 0.4,
      minInteractions: 5,
      seed: 1,
    });
    expect([...split.test.movieId]).toEqual([20, 10]);
  });

  it('random: seeded and reproducible, same size per user', () => {
    const options = { strategy: 'random', testFraction: 0.3, minInteractions: 5, seed: 9 } as const;
    const first = splitInteractions(pairsFromRows(rows), options);
    const again = splitInteractions(pairsFromRows(rows), options);
    const other = splitInteractions(pairsFromRows(rows), { ...options, seed: 10 });
    expect(first.test.length).toBe(3);
    expect([...first.test.movieId]).toEqual([...again.test.movieId]);
    expect([...first.test.movieId, ...first.train.movieId].filter((movie) => movie >= 10).length).toBe(12);
    expect([...other.test.movieId].join()).not.toBe([...first.test.movieId].join());
  });
});

import { SeededRandom } from '../data/index.js';
import { type InteractionPairs, pairsOfLength } from './interactions.js';

export type SplitStrategy = 'time' | 'random';

export interface SplitOptions {
  strategy: SplitStrategy;
  /** Share of each user's movies held out for evaluation (at least one). */
  testFraction: number;
  /** Users with fewer movies than this are kept whole in training and not evaluated. */
  minInteractions: number;
  /** For the random split. */
  seed: number;
}

export const DEFAULT_SPLIT: SplitOptions = {
  strategy: 'time',
  testFraction: 0.2,
  minInteractions: 5,
  seed: 42,
};

export interface Split {
  train: InteractionPairs;
  test: InteractionPairs;
  /** Users that have held-out movies. */
  evaluatedUsers: number;
}

/**
 * Holds out part of each user's movies. `time`: the movies each user started watching last (a user's
 * future, as in production). `random`: a seeded random share. Pairs must be grouped by user in
 * first-watch order, as `readInteractionPairs` returns them; movies started at the same moment are in
 * the source's order, so the time split holds out the ones the source lists last.
 */
export function splitInteractions(pairs: InteractionPairs, options: SplitOptions): Split {
  const isTest = new Uint8Array(pairs.length);
  const random = new SeededRandom(options.seed);
  let evaluatedUsers = 0;
  let testCount = 0;
  for (let start = 0; start < pairs.length; ) {
    let end = start + 1;
    while (end < pairs.length && pairs.userId[end] === pairs.userId[start]) end++;
    const size = end - start;
    if (size >= options.minInteractions) {
      const held = Math.max(1, Math.round(size * options.testFraction));
      if (options.strategy === 'time') {
        for (let slot = end - held; slot < end; slot++) isTest[slot] = 1;
      } else {
        // Partial Fisher-Yates: the first `held` of a shuffled order are held out.
        const order = Int32Array.from({ length: size }, (_, offset) => start + offset);
        for (let i = 0; i < held; i++) {
          const j = i + Math.floor(random.next() * (size - i));
          const swap = order[i] as number;
          order[i] = order[j] as number;
          order[j] = swap;
          isTest[order[i] as number] = 1;
        }
      }
      evaluatedUsers++;
      testCount += held;
    }
    start = end;
  }
  return {
    train: selectPairs(pairs, isTest, 0, pairs.length - testCount),
    test: selectPairs(pairs, isTest, 1, testCount),
    evaluatedUsers,
  };
}

function selectPairs(
  pairs: InteractionPairs,
  flags: Uint8Array,
  wanted: number,
  length: number,
): InteractionPairs {
  const selected: InteractionPairs = pairsOfLength(length);
  let target = 0;
  for (let p = 0; p < pairs.length; p++) {
    if (flags[p] !== wanted) continue;
    selected.userId[target] = pairs.userId[p] as number;
    selected.movieId[target] = pairs.movieId[p] as number;
    selected.count[target] = pairs.count[p] as number;
    selected.firstAt[target] = pairs.firstAt[p] as number;
    selected.lastAt[target] = pairs.lastAt[p] as number;
    target++;
  }
  return selected;
}

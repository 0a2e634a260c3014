import { SeededRandom } from '../data/index.js';
import type { AlgorithmName } from './model.js';

/** One tunable hyperparameter: a range searched on a linear or log scale, rounded for integers. */
export interface SearchDimension {
  name: string;
  low: number;
  high: number;
  scale: 'linear' | 'log';
  integer?: boolean;
}

/**
 * What `mlops tune` searches per algorithm; everything else keeps its default. Ranges are where the
 * generator's data and MovieLens put good values, wide enough for other catalogues.
 */
export const SEARCH_SPACES: Record<AlgorithmName, SearchDimension[]> = {
  popularity: [{ name: 'half_life_days', low: 1, high: 3650, scale: 'log' }],
  'item-knn': [
    { name: 'neighbours', low: 10, high: 1000, scale: 'log', integer: true },
    { name: 'shrinkage', low: 0.1, high: 200, scale: 'log' },
  ],
  ease: [{ name: 'reg', low: 10, high: 5000, scale: 'log' }],
  als: [
    { name: 'factors', low: 16, high: 128, scale: 'log', integer: true },
    { name: 'reg', low: 0.5, high: 200, scale: 'log' },
    { name: 'alpha', low: 0.5, high: 40, scale: 'log' },
  ],
  bpr: [
    { name: 'factors', low: 16, high: 128, scale: 'log', integer: true },
    { name: 'learning_rate', low: 0.01, high: 0.2, scale: 'log' },
    { name: 'reg', low: 0.0001, high: 0.1, scale: 'log' },
  ],
  ncf: [
    { name: 'factors', low: 8, high: 64, scale: 'log', integer: true },
    { name: 'learning_rate', low: 0.0001, high: 0.003, scale: 'log' },
    { name: 'reg', low: 0.000001, high: 0.01, scale: 'log' },
  ],
};

/** Maps a point of the unit cube to hyperparameter values. */
export function valuesAt(space: SearchDimension[], unit: number[]): Record<string, number> {
  const values: Record<string, number> = {};
  space.forEach((dimension, index) => {
    const u = Math.min(1, Math.max(0, unit[index] ?? 0.5));
    const value =
      dimension.scale === 'log'
        ? Math.exp(Math.log(dimension.low) + u * (Math.log(dimension.high) - Math.log(dimension.low)))
        : dimension.low + u * (dimension.high - dimension.low);
    values[dimension.name] = dimension.integer ? Math.round(value) : Number(value.toPrecision(4));
  });
  return values;
}

/**
 * Random-then-refine search, deterministic given the seed: the first half of the trials (at least one)
 * sample the space uniformly (log-uniform on log scales); each later trial perturbs the best point so far
 * with a Gaussian step that narrows as trials go on.
 */
export class RandomThenRefine {
  private readonly random: SeededRandom;
  private best: { unit: number[]; score: number } | undefined;

  constructor(
    readonly space: SearchDimension[],
    readonly trials: number,
    seed: number,
  ) {
    this.random = new SeededRandom(seed);
  }

  /** The unit-cube point of trial `index` (0-based). */
  propose(index: number): number[] {
    const explore = Math.max(1, Math.ceil(this.trials / 2));
    if (index < explore || this.best === undefined) return this.space.map(() => this.random.next());
    const spread = 0.25 * (1 - (index - explore) / Math.max(1, this.trials - explore)) + 0.05;
    return this.best.unit.map((u) => Math.min(1, Math.max(0, u + this.random.normal() * spread)));
  }

  /** Reports a finished trial's score (higher is better). */
  observe(unit: number[], score: number): void {
    if (this.best === undefined || score > this.best.score) this.best = { unit, score };
  }
}

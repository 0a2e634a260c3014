import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../data/index.js';
import { detectDrift } from './drift.js';

function normal(random: SeededRandom, n: number, mean = 0, sd = 1): Float64Array {
  return Float64Array.from({ length: n }, () => mean + sd * random.normal());
}

function categories(random: SeededRandom, n: number, weights: number[]): string[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return Array.from({ length: n }, () => {
    let pick = random.next() * total;
    for (const [index, weight] of weights.entries()) {
      pick -= weight;
      if (pick < 0) return `c${index}`;
    }
    return `c${weights.length - 1}`;
  });
}

describe('drift detection', () => {
  it('chooses the test like Evidently: by type, distinct values and reference size', () => {
    const random = new SeededRandom(1);
    const report = detectDrift([
      {
        name: 'small_numeric',
        kind: 'numerical',
        reference: normal(random, 500),
        current: normal(random, 500),
      },
      {
        name: 'large_numeric',
        kind: 'numerical',
        reference: normal(random, 5000),
        current: normal(random, 5000),
      },
      {
        name: 'few_values',
        kind: 'numerical',
        reference: Float64Array.from({ length: 600 }, (_, i) => i % 4),
        current: Float64Array.from({ length: 600 }, (_, i) => i % 4),
      },
      {
        name: 'binary',
        kind: 'categorical',
        reference: categories(random, 800, [1, 1]),
        current: categories(random, 800, [1, 1]),
      },
      {
        name: 'genre_small',
        kind: 'categorical',
        reference: categories(random, 800, [3, 2, 1]),
        current: categories(random, 800, [3, 2, 1]),
      },
      {
        name: 'genre_large',
        kind: 'categorical',
        reference: categories(random, 3000, [3, 2, 1]),
        current: categories(random, 3000, [3, 2, 1]),
      },
    ]);
    expect(report.columns.map((column) => [column.column, column.test])).toEqual([
      ['small_numeric', 'ks'],
      ['large_numeric', 'wasserstein'],
      ['few_values', 'chisquare'],
      ['binary', 'z'],
      ['genre_small', 'chisquare'],
      ['genre_large', 'jensenshannon'],
    ]);
  });

  it('detects injected drift in numbers and categories, and dataset drift from the share', () => {
    const random = new SeededRandom(2);
    const report = detectDrift([
      {
        name: 'shifted',
        kind: 'numerical',
        reference: normal(random, 5000),
        current: normal(random, 5000, 0.4),
      },
      {
        name: 'wider',
        kind: 'numerical',
        reference: normal(random, 400),
        current: normal(random, 400, 0, 1.8),
      },
      {
        name: 'mix',
        kind: 'categorical',
        reference: categories(random, 4000, [5, 3, 2]),
        current: categories(random, 4000, [2, 3, 5]),
      },
      { name: 'stable', kind: 'numerical', reference: normal(random, 5000), current: normal(random, 5000) },
    ]);
    expect(report.columns.map((column) => column.drifted)).toEqual([true, true, true, false]);
    expect(report.drifted_columns).toBe(3);
    expect(report.drift_share).toBe(0.75);
    expect(report.dataset_drift).toBe(true);
    const shifted = report.columns[0];
    expect(shifted?.score).toBeGreaterThan(0.35); // Wasserstein normed ≈ the 0.4 shift
    expect(shifted?.histogram.labels).toHaveLength(20);
    expect(shifted?.histogram.current.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 10);
  });

  it('rarely calls drift on data without any: false-positive rate over 200 seeds', () => {
    let datasetAlarms = 0;
    let columnAlarms = 0;
    for (let seed = 0; seed < 200; seed++) {
      const random = new SeededRandom(1000 + seed);
      const report = detectDrift([
        { name: 'a', kind: 'numerical', reference: normal(random, 300), current: normal(random, 300) },
        {
          name: 'b',
          kind: 'numerical',
          reference: normal(random, 2000, 5, 2),
          current: normal(random, 2000, 5, 2),
        },
        {
          name: 'c',
          kind: 'categorical',
          reference: categories(random, 500, [4, 3, 2, 1]),
          current: categories(random, 500, [4, 3, 2, 1]),
        },
      ]);
      if (report.dataset_drift) datasetAlarms += 1;
      columnAlarms += report.drifted_columns;
    }
    // p < 0.05 tests alarm on about 5 % of columns by construction; the distance test almost never.
    expect(columnAlarms / 600).toBeLessThan(0.05);
    expect(datasetAlarms / 200).toBeLessThan(0.02);
  });

  it('uses PSI for every column when asked', () => {
    const random = new SeededRandom(3);
    const report = detectDrift(
      [
        { name: 'n', kind: 'numerical', reference: normal(random, 3000), current: normal(random, 3000, 1) },
        {
          name: 'c',
          kind: 'categorical',
          reference: categories(random, 3000, [1, 1, 1]),
          current: categories(random, 3000, [1, 1, 1]),
        },
      ],
      { method: 'psi' },
    );
    expect(report.columns.map((column) => [column.test, column.drifted])).toEqual([
      ['psi', true],
      ['psi', false],
    ]);
  });
});

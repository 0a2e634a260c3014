import {
  chiSquareTwoSample,
  jensenShannonDistance,
  ksTwoSample,
  populationStabilityIndex,
  proportionsZTest,
  standardDeviation,
  wassersteinDistance,
} from './statistics.js';

export type DriftTest = 'ks' | 'wasserstein' | 'chisquare' | 'z' | 'jensenshannon' | 'psi';

/** One column of both windows. Numbers skip NaN; categories skip null. */
export type DriftColumn =
  | { name: string; kind: 'numerical'; reference: Float64Array; current: Float64Array }
  | {
      name: string;
      kind: 'categorical';
      reference: readonly (string | null)[];
      current: readonly (string | null)[];
    };

export interface ColumnDrift {
  column: string;
  kind: 'numerical' | 'categorical';
  test: DriftTest;
  /** The p-value for tests that have one, else the distance; compared with `threshold`. */
  score: number;
  threshold: number;
  /** p-value tests drift below the threshold, distances at or above it. */
  drifted: boolean;
  reference_rows: number;
  current_rows: number;
  /** Shares per bin (numbers) or category, for the report's charts. */
  histogram: { labels: string[]; reference: number[]; current: number[] };
}

export interface DriftReport {
  reference_rows: number;
  current_rows: number;
  drift_share_threshold: number;
  drifted_columns: number;
  drift_share: number;
  dataset_drift: boolean;
  columns: ColumnDrift[];
}

export interface DriftOptions {
  /** Dataset drift when at least this share of columns drifted (Evidently's default 0.5). */
  driftShare?: number;
  /** `auto`: Evidently's choice by type and size; `psi`: PSI (threshold 0.1) for every column. */
  method?: 'auto' | 'psi';
}

const P_VALUE_THRESHOLD = 0.05;
const DISTANCE_THRESHOLD = 0.1;
const EMPTY_SHARE = 0.0001; // Evidently fills empty bins so distances stay finite
const CHART_BINS = 20;

/**
 * Per-column drift between a reference and a current window, with the test chosen as Evidently does by
 * column type, distinct values (over both windows) and reference size: numbers with more than 5 values get
 * K-S (≤ 1,000 reference rows, p < 0.05) or the Wasserstein distance normed by the reference's standard
 * deviation (≥ 0.1); 3-5 values or categories with more than 2 get chi-squared (p < 0.05; the two-sample
 * test of homogeneity, where Evidently tests the current counts against the reference's shares and so
 * alarms about five times too often on equal distributions) or Jensen-Shannon
 * (≥ 0.1); two values get a proportions Z-test (p < 0.05) or Jensen-Shannon. The dataset drifts when the
 * share of drifted columns reaches `driftShare`.
 */
export function detectDrift(columns: readonly DriftColumn[], options: DriftOptions = {}): DriftReport {
  const results = columns.map((column) => columnDrift(column, options.method ?? 'auto'));
  const drifted = results.filter((result) => result.drifted).length;
  const threshold = options.driftShare ?? 0.5;
  const share = results.length === 0 ? 0 : drifted / results.length;
  return {
    reference_rows: Math.max(0, ...results.map((result) => result.reference_rows)),
    current_rows: Math.max(0, ...results.map((result) => result.current_rows)),
    drift_share_threshold: threshold,
    drifted_columns: drifted,
    drift_share: share,
    dataset_drift: results.length > 0 && share >= threshold,
    columns: results,
  };
}

function columnDrift(column: DriftColumn, method: 'auto' | 'psi'): ColumnDrift {
  if (column.kind === 'numerical') {
    const reference = column.reference.filter((value) => !Number.isNaN(value));
    const current = column.current.filter((value) => !Number.isNaN(value));
    const base = {
      column: column.name,
      kind: column.kind,
      reference_rows: reference.length,
      current_rows: current.length,
    };
    const chart = numericHistogram(reference, current, CHART_BINS);
    if (reference.length === 0 || current.length === 0)
      return {
        ...base,
        test: 'ks',
        score: 1,
        threshold: P_VALUE_THRESHOLD,
        drifted: false,
        histogram: chart,
      };
    const distinct = distinctUpTo(6, reference, current);
    if (method === 'psi')
      return distanceResult(
        base,
        'psi',
        psiOf(numericHistogram(reference, current, sturges(reference.length + current.length))),
        chart,
      );
    if (distinct > 5) {
      if (reference.length <= 1000) {
        const { pValue } = ksTwoSample(reference, current);
        return {
          ...base,
          test: 'ks',
          score: pValue,
          threshold: P_VALUE_THRESHOLD,
          drifted: pValue < P_VALUE_THRESHOLD,
          histogram: chart,
        };
      }
      const std = standardDeviation(reference);
      const distance = wassersteinDistance(reference, current) / (std === 0 ? 1 : std);
      return distanceResult(base, 'wasserstein', distance, chart);
    }
    // Few values: compare them as categories.
    return countsDrift(
      { ...base, kind: 'numerical' },
      countValues(reference),
      countValues(current),
      distinct,
      'auto',
    );
  }
  const referenceCounts = countValues(column.reference);
  const currentCounts = countValues(column.current);
  const total = (counts: Map<string, number>) => [...counts.values()].reduce((sum, value) => sum + value, 0);
  const base = {
    column: column.name,
    kind: column.kind,
    reference_rows: total(referenceCounts),
    current_rows: total(currentCounts),
  };
  const distinct = new Set([...referenceCounts.keys(), ...currentCounts.keys()]).size;
  return countsDrift(base, referenceCounts, currentCounts, distinct, method);
}

/** Counts of each value (null skipped), keyed by its text. */
function countValues(values: Iterable<string | number | null>): Map<string, number> {
  const counts = new Map<string | number, number>();
  for (const value of values) if (value !== null) counts.set(value, (counts.get(value) ?? 0) + 1);
  return new Map([...counts].map(([key, count]) => [String(key), count]));
}

/** How many distinct values the windows hold, counting no further than `limit`. */
function distinctUpTo(limit: number, ...arrays: Float64Array[]): number {
  const seen = new Set<number>();
  for (const values of arrays) {
    for (const value of values) {
      seen.add(value);
      if (seen.size >= limit) return seen.size;
    }
  }
  return seen.size;
}

function countsDrift(
  base: Pick<ColumnDrift, 'column' | 'kind' | 'reference_rows' | 'current_rows'>,
  referenceByKey: Map<string, number>,
  currentByKey: Map<string, number>,
  distinct: number,
  method: 'auto' | 'psi',
): ColumnDrift {
  const keys = [...new Set([...referenceByKey.keys(), ...currentByKey.keys()])].sort();
  const referenceCounts = keys.map((key) => referenceByKey.get(key) ?? 0);
  const currentCounts = keys.map((key) => currentByKey.get(key) ?? 0);
  const shares = (counts: number[], total: number) =>
    counts.map((value) => (total === 0 ? 0 : value / total));
  const chartOrder = keys
    .map((key, index) => ({
      key,
      index,
      weight: (referenceCounts[index] ?? 0) + (currentCounts[index] ?? 0),
    }))
    .sort((a, b) => b.weight - a.weight)
    .slice(0, CHART_BINS);
  const referenceShares = shares(referenceCounts, base.reference_rows);
  const currentShares = shares(currentCounts, base.current_rows);
  const chart = {
    labels: chartOrder.map((item) => item.key),
    reference: chartOrder.map((item) => referenceShares[item.index] ?? 0),
    current: chartOrder.map((item) => currentShares[item.index] ?? 0),
  };
  if (base.reference_rows === 0 || base.current_rows === 0)
    return {
      ...base,
      test: 'chisquare',
      score: 1,
      threshold: P_VALUE_THRESHOLD,
      drifted: false,
      histogram: chart,
    };
  const filled = (values: number[]) => values.map((value) => (value === 0 ? EMPTY_SHARE : value));
  if (method === 'psi')
    return distanceResult(
      base,
      'psi',
      populationStabilityIndex(filled(referenceShares), filled(currentShares)),
      chart,
    );
  if (base.reference_rows > 1000)
    return distanceResult(
      base,
      'jensenshannon',
      jensenShannonDistance(filled(referenceShares), filled(currentShares)),
      chart,
    );
  if (distinct <= 2) {
    // The share of rows that are not the first value, in each window.
    const { pValue } = proportionsZTest(
      base.reference_rows - (referenceCounts[0] ?? 0),
      base.reference_rows,
      base.current_rows - (currentCounts[0] ?? 0),
      base.current_rows,
    );
    return {
      ...base,
      test: 'z',
      score: pValue,
      threshold: P_VALUE_THRESHOLD,
      drifted: pValue < P_VALUE_THRESHOLD,
      histogram: chart,
    };
  }
  const { pValue } = chiSquareTwoSample(referenceCounts, currentCounts);
  return {
    ...base,
    test: 'chisquare',
    score: pValue,
    threshold: P_VALUE_THRESHOLD,
    drifted: pValue < P_VALUE_THRESHOLD,
    histogram: chart,
  };
}

function distanceResult(
  base: Pick<ColumnDrift, 'column' | 'kind' | 'reference_rows' | 'current_rows'>,
  test: DriftTest,
  distance: number,
  histogram: ColumnDrift['histogram'],
): ColumnDrift {
  return {
    ...base,
    test,
    score: distance,
    threshold: DISTANCE_THRESHOLD,
    drifted: distance >= DISTANCE_THRESHOLD,
    histogram,
  };
}

function psiOf(histogram: ColumnDrift['histogram']): number {
  const fill = (values: number[]) => values.map((value) => (value === 0 ? EMPTY_SHARE : value));
  return populationStabilityIndex(fill(histogram.reference), fill(histogram.current));
}

/** numpy's 'sturges' bin count. */
function sturges(n: number): number {
  return Math.ceil(Math.log2(Math.max(1, n))) + 1;
}

/** Equal-width bins over both windows' range; shares per window. */
function numericHistogram(
  reference: Float64Array,
  current: Float64Array,
  bins: number,
): ColumnDrift['histogram'] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const values of [reference, current]) {
    for (const value of values) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
  }
  if (!Number.isFinite(min)) return { labels: [], reference: [], current: [] };
  const width = max > min ? (max - min) / bins : 1;
  const shares = (values: Float64Array) => {
    const counts = new Array<number>(bins).fill(0);
    for (const value of values) {
      const bin = Math.min(bins - 1, Math.floor((value - min) / width));
      counts[bin] = (counts[bin] ?? 0) + 1;
    }
    return counts.map((count) => (values.length === 0 ? 0 : count / values.length));
  };
  const label = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3));
  return {
    labels: Array.from({ length: bins }, (_, index) => label(min + index * width)),
    reference: shares(reference),
    current: shares(current),
  };
}

/** Scales, ticks and smoothing for the run pages' SVG charts (pure, so they are unit-tested). */

export interface Point {
  x: number;
  y: number;
}

/**
 * TensorBoard's smoothing: an exponential moving average, debiased so the first points are not pulled
 * towards zero. `weight` 0 returns the points unchanged; 0.99 is very smooth.
 */
export function smooth(points: Point[], weight: number): Point[] {
  if (weight <= 0) return points;
  let last = 0;
  let count = 0;
  return points.map((point) => {
    last = last * weight + (1 - weight) * point.y;
    count += 1;
    const debias = 1 - weight ** count;
    return { x: point.x, y: debias === 0 ? point.y : last / debias };
  });
}

/** Up to about `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((factor) => factor * magnitude).find((value) => value >= raw) ?? raw;
  const ticks: number[] = [];
  for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step)
    ticks.push(Number(value.toPrecision(12)));
  return ticks;
}

/** A linear map from [domainMin, domainMax] onto [rangeMin, rangeMax]; a flat domain maps to the middle. */
export function linearScale(
  domainMin: number,
  domainMax: number,
  rangeMin: number,
  rangeMax: number,
): (value: number) => number {
  const span = domainMax - domainMin;
  if (span === 0) return () => (rangeMin + rangeMax) / 2;
  return (value) => rangeMin + ((value - domainMin) / span) * (rangeMax - rangeMin);
}

/** The [min, max] of some values, padded by 5% so points do not sit on the frame. */
export function paddedExtent(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const pad = (max - min) * 0.05 || Math.abs(max) * 0.05 || 1;
  return [min - pad, max + pad];
}

/** A short label for a number on an axis: 0.1235, 1.2k, 3e-5. */
export function formatTick(value: number): string {
  const size = Math.abs(value);
  if (size === 0) return '0';
  if (size >= 10_000) return `${Number((value / 1000).toPrecision(3))}k`;
  if (size < 0.001) return value.toExponential(0);
  return String(Number(value.toPrecision(4)));
}

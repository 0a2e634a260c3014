import { describe, expect, it } from 'vitest';
import { formatTick, linearScale, niceTicks, paddedExtent, smooth } from './svg-chart';

describe('svg chart helpers', () => {
  it('smooths with a debiased moving average and leaves the points alone at weight 0', () => {
    const points = [
      { x: 0, y: 1 },
      { x: 1, y: 3 },
      { x: 2, y: 1 },
    ];
    expect(smooth(points, 0)).toBe(points);
    const smoothed = smooth(points, 0.5);
    expect(smoothed[0]?.y).toBeCloseTo(1);
    expect(smoothed[1]?.y).toBeCloseTo((0.5 * 0.5 + 0.5 * 3) / 0.75);
    expect(smoothed.map((point) => point.x)).toEqual([0, 1, 2]);
  });

  it('picks round ticks inside the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });

  it('maps a domain onto a range and a flat domain onto its middle', () => {
    expect(linearScale(0, 10, 0, 100)(5)).toBe(50);
    expect(linearScale(2, 2, 0, 100)(2)).toBe(50);
    expect(paddedExtent([1, 2])).toEqual([0.95, 2.05]);
  });

  it('labels ticks briefly', () => {
    expect(formatTick(0.123456)).toBe('0.1235');
    expect(formatTick(25_000)).toBe('25k');
    expect(formatTick(0.00002)).toBe('2e-5');
  });
});

import { describe, expect, it } from 'vitest';
import {
  chiSquare,
  chiSquareTwoSample,
  erfc,
  jensenShannonDistance,
  ksTwoSample,
  logGamma,
  populationStabilityIndex,
  proportionsZTest,
  upperIncompleteGammaRegularized,
  wassersteinDistance,
} from './statistics.js';

// Expected values computed once with scipy 1.17.1 / numpy 2.4.6 and recorded here.
const A = Float64Array.from([0.1, 0.5, 0.9, 1.3, 2.0, 2.2, 3.1, 3.3, 4.0, 5.5]);
const B = Float64Array.from([0.3, 1.1, 1.9, 2.5, 2.6, 3.9, 4.4, 5.0, 6.1, 7.2, 8.0]);

describe('drift statistics against scipy', () => {
  it('two-sample K-S: statistic as ks_2samp, p-value as kstwobign.sf(sqrt(n·m/(n+m))·D)', () => {
    const { statistic, pValue } = ksTwoSample(A, B);
    expect(statistic).toBeCloseTo(0.35454545454545455, 12);
    expect(pValue).toBeCloseTo(0.525640072235571, 10);
    expect(ksTwoSample(A, A)).toEqual({ statistic: 0, pValue: 1 });
  });

  it('Wasserstein distance as scipy.stats.wasserstein_distance', () => {
    expect(wassersteinDistance(A, B)).toBeCloseTo(1.6190909090909091, 12);
    expect(wassersteinDistance(A, A)).toBe(0);
  });

  it('chi-squared goodness of fit as scipy.stats.chisquare', () => {
    const { statistic, pValue } = chiSquare([30, 14, 34, 45, 57, 20], [20, 20, 30, 40, 60, 30]);
    expect(statistic).toBeCloseTo(11.441666666666666, 10);
    expect(pValue).toBeCloseTo(0.04329313031580497, 10);
  });

  it('two-sample chi-squared as scipy.stats.chi2_contingency(correction=False)', () => {
    const { statistic, pValue } = chiSquareTwoSample([30, 14, 34, 45, 57, 20], [25, 22, 30, 40, 60, 33]);
    expect(statistic).toBeCloseTo(5.801592036827196, 10);
    expect(pValue).toBeCloseTo(0.32600612908687204, 10);
  });

  it('Jensen-Shannon distance as scipy.spatial.distance.jensenshannon', () => {
    expect(jensenShannonDistance([0.1, 0.4, 0.5], [0.3, 0.3, 0.4])).toBeCloseTo(0.18035965602712561, 12);
    expect(jensenShannonDistance([1, 4, 5], [1, 4, 5])).toBe(0);
  });

  it('two-sample proportions Z-test as Evidently computes it with scipy.stats.norm', () => {
    const { statistic, pValue } = proportionsZTest(30, 100, 45, 120);
    expect(statistic).toBeCloseTo(-1.1685534824642432, 12);
    expect(pValue).toBeCloseTo(0.2425835793483211, 10);
  });

  it('special functions as scipy.special', () => {
    expect(upperIncompleteGammaRegularized(2.5, 3.7)).toBeCloseTo(0.1925504330793957, 12);
    expect(upperIncompleteGammaRegularized(2, 12.3 / 2)).toBeCloseTo(0.015254394655769615, 12); // chi2.sf(12.3, 4)
    expect(upperIncompleteGammaRegularized(0.5, 0.01)).toBeCloseTo(0.887537083981715, 12);
    expect(erfc(1.3)).toBeCloseTo(0.06599205505934758, 12);
    expect(erfc(0.05)).toBeCloseTo(0.9436280222029834, 12);
    expect(logGamma(4.5)).toBeCloseTo(2.4537365708424423, 12);
    expect(logGamma(0.3)).toBeCloseTo(1.0957979948180756, 12);
  });

  it('PSI is 0 for equal shares and grows with the shift', () => {
    expect(populationStabilityIndex([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
    const small = populationStabilityIndex([0.2, 0.3, 0.5], [0.25, 0.3, 0.45]);
    const large = populationStabilityIndex([0.2, 0.3, 0.5], [0.5, 0.3, 0.2]);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(small * 10);
  });
});

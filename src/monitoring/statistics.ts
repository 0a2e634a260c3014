/**
 * The statistical tests drift detection uses, written out because no maintained npm package offers them
 * together: two-sample Kolmogorov–Smirnov, Wasserstein distance, chi-squared goodness of fit, two-sample
 * proportions Z-test, Jensen–Shannon distance and PSI. Special functions follow the classic
 * series/continued-fraction forms (regularized incomplete gamma, erfc) to ~1e-10.
 */

/** Two-sample K-S statistic and its p-value from the Kolmogorov limiting distribution (scipy's kstwobign). */
export function ksTwoSample(a: Float64Array, b: Float64Array): { statistic: number; pValue: number } {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const value = Math.min(x[i] as number, y[j] as number);
    while (i < x.length && (x[i] as number) <= value) i++;
    while (j < y.length && (y[j] as number) <= value) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const en = (x.length * y.length) / (x.length + y.length);
  return { statistic: d, pValue: kolmogorovSurvival(Math.sqrt(en) * d) };
}

/** P(K > λ) for the Kolmogorov distribution: 2 Σ (-1)^(k-1) exp(-2 k² λ²). */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 0.2) return 1; // the series converges slowly here; the probability is 1 to 1e-12
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = (k % 2 === 1 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-16) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** The first Wasserstein distance between two empirical distributions (scipy.stats.wasserstein_distance). */
export function wassersteinDistance(a: Float64Array, b: Float64Array): number {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  // Walk both sorted samples together: between consecutive values the two CDFs are constant.
  let i = 0;
  let j = 0;
  let previous = Math.min(x[0] ?? 0, y[0] ?? 0);
  let distance = 0;
  while (i < x.length || j < y.length) {
    const value =
      j >= y.length || (i < x.length && (x[i] as number) <= (y[j] as number))
        ? (x[i] as number)
        : (y[j] as number);
    distance += Math.abs(i / x.length - j / y.length) * (value - previous);
    while (i < x.length && (x[i] as number) <= value) i++;
    while (j < y.length && (y[j] as number) <= value) j++;
    previous = value;
  }
  return distance;
}

/** Population standard deviation (numpy's default, ddof 0). */
export function standardDeviation(values: Float64Array): number {
  let mean = 0;
  for (const value of values) mean += value;
  mean /= values.length;
  let sum = 0;
  for (const value of values) sum += (value - mean) ** 2;
  return Math.sqrt(sum / values.length);
}

/** Chi-squared goodness of fit of observed counts against expected counts (scipy.stats.chisquare). */
export function chiSquare(
  observed: readonly number[],
  expected: readonly number[],
): { statistic: number; pValue: number } {
  let statistic = 0;
  for (let k = 0; k < observed.length; k++) {
    const e = expected[k] ?? 0;
    const o = observed[k] ?? 0;
    if (e === 0) {
      if (o !== 0) return { statistic: Number.POSITIVE_INFINITY, pValue: 0 };
      continue;
    }
    statistic += (o - e) ** 2 / e;
  }
  const degrees = observed.length - 1;
  return { statistic, pValue: degrees < 1 ? 1 : upperIncompleteGammaRegularized(degrees / 2, statistic / 2) };
}

/**
 * Chi-squared test of homogeneity of two samples' category counts (scipy.stats.chi2_contingency without
 * Yates' correction): unlike a goodness-of-fit test against the reference's shares, it counts the
 * reference's own sampling noise, so equal distributions alarm at the nominal rate.
 */
export function chiSquareTwoSample(
  a: readonly number[],
  b: readonly number[],
): { statistic: number; pValue: number } {
  const totalA = a.reduce((sum, value) => sum + value, 0);
  const totalB = b.reduce((sum, value) => sum + value, 0);
  const total = totalA + totalB;
  let statistic = 0;
  let categories = 0;
  for (let k = 0; k < a.length; k++) {
    const column = (a[k] ?? 0) + (b[k] ?? 0);
    if (column === 0) continue;
    categories += 1;
    const expectedA = (totalA * column) / total;
    const expectedB = (totalB * column) / total;
    statistic += ((a[k] ?? 0) - expectedA) ** 2 / expectedA + ((b[k] ?? 0) - expectedB) ** 2 / expectedB;
  }
  const degrees = categories - 1;
  return { statistic, pValue: degrees < 1 ? 1 : upperIncompleteGammaRegularized(degrees / 2, statistic / 2) };
}

/** Two-sided two-sample proportions Z-test (Evidently's `z` test for binary columns). */
export function proportionsZTest(
  successesA: number,
  nA: number,
  successesB: number,
  nB: number,
): { statistic: number; pValue: number } {
  const p1 = successesA / nA;
  const p2 = successesB / nB;
  const pooled = (successesA + successesB) / (nA + nB);
  const denominator = Math.sqrt(pooled * (1 - pooled) * (1 / nA + 1 / nB));
  if (denominator === 0) return { statistic: 0, pValue: 1 };
  const z = (p1 - p2) / denominator;
  return { statistic: z, pValue: erfc(Math.abs(z) / Math.SQRT2) };
}

/** Jensen–Shannon distance (natural log), as scipy.spatial.distance.jensenshannon; inputs are normalized. */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  const sumP = p.reduce((sum, value) => sum + value, 0);
  const sumQ = q.reduce((sum, value) => sum + value, 0);
  let divergence = 0;
  for (let k = 0; k < p.length; k++) {
    const a = (p[k] ?? 0) / sumP;
    const b = (q[k] ?? 0) / sumQ;
    const m = (a + b) / 2;
    if (a > 0) divergence += 0.5 * a * Math.log(a / m);
    if (b > 0) divergence += 0.5 * b * Math.log(b / m);
  }
  return Math.sqrt(Math.max(0, divergence));
}

/** Population stability index over matching bins (shares; zeros should be floored by the caller). */
export function populationStabilityIndex(reference: readonly number[], current: readonly number[]): number {
  let psi = 0;
  for (let k = 0; k < reference.length; k++) {
    const r = reference[k] ?? 0;
    const c = current[k] ?? 0;
    psi += (r - c) * Math.log(r / c);
  }
  return psi;
}

/** Q(a, x): the regularized upper incomplete gamma function (chi-squared survival is Q(k/2, x/2)). */
export function upperIncompleteGammaRegularized(a: number, x: number): number {
  if (x <= 0) return 1;
  if (!Number.isFinite(x)) return 0;
  if (x < a + 1) {
    // Series for P(a, x).
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + a * Math.log(x) - logGamma(a)));
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(-x + a * Math.log(x) - logGamma(a)) * h);
}

/** ln Γ(x), Lanczos approximation (g = 7, n = 9). */
export function logGamma(x: number): number {
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = coefficients[0] as number;
  for (let i = 1; i < coefficients.length; i++) sum += (coefficients[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** erfc(x) through Q(1/2, x²) for x ≥ 0 (full double precision, unlike the usual rational approximations). */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  return upperIncompleteGammaRegularized(0.5, x * x);
}

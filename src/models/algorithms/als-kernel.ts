/**
 * One half-step of implicit ALS for rows [rowStart, rowEnd): for each row u, a few conjugate-gradient
 * steps towards the solution of (G + Σᵢ (cᵤᵢ − 1) yᵢyᵢᵀ) xᵤ = Σᵢ cᵤᵢ yᵢ, with cᵤᵢ = 1 + α·countᵤᵢ and
 * G = YᵀY + λI, warm-started from the current xᵤ (Hu, Koren & Volinsky 2008; Takács et al. 2011).
 *
 * This function must stay self-contained (no imports, no helpers, no closures): worker threads run its
 * source text, so the same code runs in one thread or many. Inner loops are unrolled by four with
 * separate accumulators: JavaScript engines do not vectorise, and independent sums keep the CPU busy.
 */
export function solveAlsRows(
  indptr: Int32Array,
  indices: Int32Array,
  counts: Float32Array,
  source: Float32Array,
  target: Float32Array,
  gram: Float64Array,
  factors: number,
  alpha: number,
  cgSteps: number,
  rowStart: number,
  rowEnd: number,
): void {
  const f = factors;
  const f4 = f - (f % 4);
  const x = new Float64Array(f);
  const r = new Float64Array(f);
  const p = new Float64Array(f);
  const ap = new Float64Array(f);
  for (let u = rowStart; u < rowEnd; u++) {
    const start = indptr[u] as number;
    const end = indptr[u + 1] as number;
    const base = u * f;
    for (let d = 0; d < f; d++) x[d] = target[base + d] as number;
    // r = b − A·x, and the same loop shapes below for A·p.
    for (let step = -1; step < cgSteps; step++) {
      const v = step < 0 ? x : p;
      const out = step < 0 ? r : ap;
      for (let d = 0; d < f; d++) {
        const row = d * f;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let e = 0;
        for (; e < f4; e += 4) {
          s0 += (gram[row + e] as number) * (v[e] as number);
          s1 += (gram[row + e + 1] as number) * (v[e + 1] as number);
          s2 += (gram[row + e + 2] as number) * (v[e + 2] as number);
          s3 += (gram[row + e + 3] as number) * (v[e + 3] as number);
        }
        for (; e < f; e++) s0 += (gram[row + e] as number) * (v[e] as number);
        const sum = s0 + s1 + (s2 + s3);
        out[d] = step < 0 ? -sum : sum;
      }
      for (let s = start; s < end; s++) {
        const item = (indices[s] as number) * f;
        const boost = alpha * (counts[s] as number); // c − 1
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let d = 0;
        for (; d < f4; d += 4) {
          s0 += (source[item + d] as number) * (v[d] as number);
          s1 += (source[item + d + 1] as number) * (v[d + 1] as number);
          s2 += (source[item + d + 2] as number) * (v[d + 2] as number);
          s3 += (source[item + d + 3] as number) * (v[d + 3] as number);
        }
        for (; d < f; d++) s0 += (source[item + d] as number) * (v[d] as number);
        const dot = s0 + s1 + (s2 + s3);
        // Residual: + (c − (c−1)·y·x)·y.  Product A·p: + (c−1)·(y·p)·y.
        const weight = step < 0 ? 1 + boost - boost * dot : boost * dot;
        d = 0;
        for (; d < f4; d += 4) {
          out[d] = (out[d] as number) + weight * (source[item + d] as number);
          out[d + 1] = (out[d + 1] as number) + weight * (source[item + d + 1] as number);
          out[d + 2] = (out[d + 2] as number) + weight * (source[item + d + 2] as number);
          out[d + 3] = (out[d + 3] as number) + weight * (source[item + d + 3] as number);
        }
        for (; d < f; d++) out[d] = (out[d] as number) + weight * (source[item + d] as number);
      }
      if (step < 0) {
        for (let d = 0; d < f; d++) p[d] = r[d] as number;
        continue;
      }
      let rsOld = 0;
      let pAp = 0;
      for (let d = 0; d < f; d++) {
        rsOld += (r[d] as number) * (r[d] as number);
        pAp += (p[d] as number) * (ap[d] as number);
      }
      if (!(rsOld > 1e-20 && pAp > 0)) break;
      const stepSize = rsOld / pAp;
      let rsNew = 0;
      for (let d = 0; d < f; d++) {
        x[d] = (x[d] as number) + stepSize * (p[d] as number);
        r[d] = (r[d] as number) - stepSize * (ap[d] as number);
        rsNew += (r[d] as number) * (r[d] as number);
      }
      const beta = rsNew / rsOld;
      for (let d = 0; d < f; d++) p[d] = (r[d] as number) + beta * (p[d] as number);
    }
    for (let d = 0; d < f; d++) target[base + d] = x[d] as number;
  }
}

/**
 * Σ over the observed cells of rows [rowStart, rowEnd) of c − 2c·(x·y) + (c−1)·(x·y)²: the part of the
 * implicit-ALS loss that depends on the interactions (the rest is computed from Gram matrices).
 * Self-contained for the same reason as `solveAlsRows`.
 */
export function alsObservedLoss(
  indptr: Int32Array,
  indices: Int32Array,
  counts: Float32Array,
  rows: Float32Array,
  columns: Float32Array,
  factors: number,
  alpha: number,
  rowStart: number,
  rowEnd: number,
): number {
  const f = factors;
  const f4 = f - (f % 4);
  let loss = 0;
  for (let u = rowStart; u < rowEnd; u++) {
    const base = u * f;
    for (let s = indptr[u] as number; s < (indptr[u + 1] as number); s++) {
      const item = (indices[s] as number) * f;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let d = 0;
      for (; d < f4; d += 4) {
        s0 += (rows[base + d] as number) * (columns[item + d] as number);
        s1 += (rows[base + d + 1] as number) * (columns[item + d + 1] as number);
        s2 += (rows[base + d + 2] as number) * (columns[item + d + 2] as number);
        s3 += (rows[base + d + 3] as number) * (columns[item + d + 3] as number);
      }
      for (; d < f; d++) s0 += (rows[base + d] as number) * (columns[item + d] as number);
      const dot = s0 + s1 + (s2 + s3);
      const confidence = 1 + alpha * (counts[s] as number);
      loss += confidence - 2 * confidence * dot + (confidence - 1) * dot * dot;
    }
  }
  return loss;
}

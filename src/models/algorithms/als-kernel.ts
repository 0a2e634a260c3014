/**
 * One half-step of implicit ALS for rows [rowStart, rowEnd): for each row u, a few conjugate-gradient
 * steps towards the solution of (G + Σᵢ (cᵤᵢ − 1) yᵢyᵢᵀ) xᵤ = Σᵢ cᵤᵢ yᵢ, with cᵤᵢ = 1 + α·countᵤᵢ and
 * G = YᵀY + λI, warm-started from the current xᵤ (Hu, Koren & Volinsky 2008; Takács et al. 2011).
 *
 * This function must stay self-contained (no imports, no helpers, no closures): worker threads run its
 * source text, so the same code runs in one thread or many.
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
  const x = new Float64Array(f);
  const r = new Float64Array(f);
  const p = new Float64Array(f);
  const ap = new Float64Array(f);
  for (let u = rowStart; u < rowEnd; u++) {
    const start = indptr[u] as number;
    const end = indptr[u + 1] as number;
    const base = u * f;
    for (let d = 0; d < f; d++) x[d] = target[base + d] as number;
    // r = b − A·x
    for (let d = 0; d < f; d++) {
      let sum = 0;
      const row = d * f;
      for (let e = 0; e < f; e++) sum += (gram[row + e] as number) * (x[e] as number);
      r[d] = -sum;
    }
    for (let s = start; s < end; s++) {
      const item = (indices[s] as number) * f;
      const confidence = 1 + alpha * (counts[s] as number);
      let dot = 0;
      for (let d = 0; d < f; d++) dot += (source[item + d] as number) * (x[d] as number);
      const weight = confidence - (confidence - 1) * dot;
      for (let d = 0; d < f; d++) r[d] = (r[d] as number) + weight * (source[item + d] as number);
    }
    let rsOld = 0;
    for (let d = 0; d < f; d++) {
      p[d] = r[d] as number;
      rsOld += (r[d] as number) * (r[d] as number);
    }
    for (let step = 0; step < cgSteps && rsOld > 1e-20; step++) {
      // ap = A·p
      for (let d = 0; d < f; d++) {
        let sum = 0;
        const row = d * f;
        for (let e = 0; e < f; e++) sum += (gram[row + e] as number) * (p[e] as number);
        ap[d] = sum;
      }
      for (let s = start; s < end; s++) {
        const item = (indices[s] as number) * f;
        let dot = 0;
        for (let d = 0; d < f; d++) dot += (source[item + d] as number) * (p[d] as number);
        const weight = alpha * (counts[s] as number) * dot;
        for (let d = 0; d < f; d++) ap[d] = (ap[d] as number) + weight * (source[item + d] as number);
      }
      let pAp = 0;
      for (let d = 0; d < f; d++) pAp += (p[d] as number) * (ap[d] as number);
      if (!(pAp > 0)) break;
      const stepSize = rsOld / pAp;
      let rsNew = 0;
      for (let d = 0; d < f; d++) {
        x[d] = (x[d] as number) + stepSize * (p[d] as number);
        r[d] = (r[d] as number) - stepSize * (ap[d] as number);
        rsNew += (r[d] as number) * (r[d] as number);
      }
      const beta = rsNew / rsOld;
      for (let d = 0; d < f; d++) p[d] = (r[d] as number) + beta * (p[d] as number);
      rsOld = rsNew;
    }
    for (let d = 0; d < f; d++) target[base + d] = x[d] as number;
  }
}

/** The dense f×f algebra of ALS fold-in: the Gram matrix YᵀY + λI and a Cholesky solve. */

/** YᵀY + λI in double precision (for fold-in). */
export function gramOf(rows: Float32Array, f: number, reg: number): Float64Array {
  const gram = new Float64Array(f * f);
  const count = rows.length / f;
  for (let i = 0; i < count; i++) {
    const base = i * f;
    for (let d = 0; d < f; d++) {
      const yd = rows[base + d] as number;
      if (yd === 0) continue;
      const row = d * f;
      for (let e = d; e < f; e++) gram[row + e] = (gram[row + e] as number) + yd * (rows[base + e] as number);
    }
  }
  for (let d = 0; d < f; d++) {
    gram[d * f + d] = (gram[d * f + d] as number) + reg;
    for (let e = 0; e < d; e++) gram[d * f + e] = gram[e * f + d] as number;
  }
  return gram;
}

/** Solves A·x = b for a symmetric positive-definite A (row-major f×f), by Cholesky. */
export function choleskySolve(a: Float64Array, b: Float64Array, f: number): Float64Array {
  const l = new Float64Array(f * f);
  for (let i = 0; i < f; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * f + j] as number;
      for (let k = 0; k < j; k++) sum -= (l[i * f + k] as number) * (l[j * f + k] as number);
      l[i * f + j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / (l[j * f + j] as number);
    }
  }
  const y = new Float64Array(f);
  for (let i = 0; i < f; i++) {
    let sum = b[i] as number;
    for (let k = 0; k < i; k++) sum -= (l[i * f + k] as number) * (y[k] as number);
    y[i] = sum / (l[i * f + i] as number);
  }
  const x = new Float64Array(f);
  for (let i = f - 1; i >= 0; i--) {
    let sum = y[i] as number;
    for (let k = i + 1; k < f; k++) sum -= (l[k * f + i] as number) * (x[k] as number);
    x[i] = sum / (l[i * f + i] as number);
  }
  return x;
}

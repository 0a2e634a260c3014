/**
 * In-place inverse of a symmetric positive-definite matrix (row-major n×n, Float64Array), by Cholesky:
 * A = L·Lᵀ, then A⁻¹ = L⁻ᵀ·L⁻¹. Only one n×n buffer is used: L fills the strict lower triangle (its
 * diagonal is kept aside), the rows of L⁻ᵀ fill the upper triangle, and A⁻¹ is written back into the lower
 * triangle and mirrored. Every inner loop is a dot product of two contiguous row segments, so the ~n³/2
 * multiply-adds run at memory speed rather than cache-miss speed.
 *
 * `onRow` is called every `reportEvery` rows of each of the three passes with (done, total) over all of
 * them; it may throw to cancel. Throws if the matrix is not positive definite.
 */
export async function invertSpdInPlace(
  a: Float64Array,
  n: number,
  onRow: (done: number, total: number) => Promise<void> | void = () => {},
  reportEvery = 64,
): Promise<void> {
  const diagonal = new Float64Array(n);
  const total = 3 * n;
  // 1. Cholesky: L[i][j] = (A[i][j] − Σ_{k<j} L[i][k]·L[j][k]) / L[j][j].
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * n;
      const sum = (a[rowI + j] as number) - dot(a, rowI, a, rowJ, j);
      if (j < i) a[rowI + j] = sum / (diagonal[j] as number);
      else {
        if (!(sum > 0)) throw new Error(`the matrix is not positive definite (pivot ${i} is ${sum})`);
        diagonal[i] = Math.sqrt(sum);
      }
    }
    if ((i + 1) % reportEvery === 0) await onRow(i + 1, total);
  }
  // 2. Row j of L⁻ᵀ (= column j of L⁻¹) by forward substitution, written to A[j][j..n).
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    a[rowJ + j] = 1 / (diagonal[j] as number);
    for (let i = j + 1; i < n; i++) {
      // L[i][j..i) · m[j..i), both contiguous.
      const sum = dotRange(a, i * n, a, rowJ, j, i);
      a[rowJ + i] = -sum / (diagonal[i] as number);
    }
    if ((j + 1) % reportEvery === 0) await onRow(n + j + 1, total);
  }
  // 3. A⁻¹[i][j] = Σ_{k≥i} M[i][k]·M[j][k] for j ≤ i (M = L⁻ᵀ, upper): written to the lower triangle. Row
  //    i's diagonal last, since the others still read M[i][i]; later rows never read it.
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = 0; j < i; j++) a[rowI + j] = dotRange(a, rowI, a, j * n, i, n);
    a[rowI + i] = dotRange(a, rowI, a, rowI, i, n);
    if ((i + 1) % reportEvery === 0) await onRow(2 * n + i + 1, total);
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j] as number;
  await onRow(total, total);
}

/** Σ_{k<length} x[xBase+k]·y[yBase+k], four independent sums. */
function dot(x: Float64Array, xBase: number, y: Float64Array, yBase: number, length: number): number {
  return dotRange(x, xBase, y, yBase, 0, length);
}

/** Σ_{k∈[from,to)} x[xBase+k]·y[yBase+k]. */
function dotRange(
  x: Float64Array,
  xBase: number,
  y: Float64Array,
  yBase: number,
  from: number,
  to: number,
): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = from;
  const end4 = to - ((to - from) % 4);
  for (; k < end4; k += 4) {
    s0 += (x[xBase + k] as number) * (y[yBase + k] as number);
    s1 += (x[xBase + k + 1] as number) * (y[yBase + k + 1] as number);
    s2 += (x[xBase + k + 2] as number) * (y[yBase + k + 2] as number);
    s3 += (x[xBase + k + 3] as number) * (y[yBase + k + 3] as number);
  }
  for (; k < to; k++) s0 += (x[xBase + k] as number) * (y[yBase + k] as number);
  return s0 + s1 + (s2 + s3);
}

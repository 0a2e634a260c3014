// AssemblyScript (compiled to WebAssembly with SIMD by `npm run build:kernels`, not by tsc): the hot loops of
// factor models on f32x4 vectors — ALS training and dot-product scoring. JavaScript engines do not vectorise;
// these loops run ~9× faster here.
// Every array lives in one shared WebAssembly memory whose offsets the caller passes in, so any number of
// worker threads can solve disjoint row ranges of the same factor matrices.

/** Σ a[d]·b[d] over f floats (f a multiple of 4). */
@inline
function dot(a: usize, b: usize, f: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let d: i32 = 0;
  for (; d + 8 <= f; d += 8) {
    const o = <usize>(d << 2);
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  if (d < f) {
    const o = <usize>(d << 2);
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  s0 = f32x4.add(s0, s1);
  return f32x4.extract_lane(s0, 0) + f32x4.extract_lane(s0, 1) + (f32x4.extract_lane(s0, 2) + f32x4.extract_lane(s0, 3));
}

/** out[d] = a[d] + w·y[d] over f floats. */
@inline
function axpy(out: usize, a: usize, w: f32, y: usize, f: i32): void {
  const wv = f32x4.splat(w);
  for (let d: i32 = 0; d < f; d += 4) {
    const o = <usize>(d << 2);
    v128.store(out + o, f32x4.add(v128.load(a + o), f32x4.mul(wv, v128.load(y + o))));
  }
}

/**
 * One half-step of implicit ALS for rows [rowStart, rowEnd): for each row u, `cgSteps` conjugate-gradient
 * steps towards (G + Σᵢ (cᵤᵢ − 1) yᵢyᵢᵀ) xᵤ = Σᵢ cᵤᵢ yᵢ with cᵤᵢ = 1 + α·countᵤᵢ and G = YᵀY + λI,
 * warm-started from the current xᵤ (Hu, Koren & Volinsky 2008; Takács et al. 2011). `scratch` holds three
 * vectors of f floats for this thread.
 */
export function solveRows(
  indptr: usize,
  indices: usize,
  counts: usize,
  source: usize,
  target: usize,
  gram: usize,
  f: i32,
  alpha: f32,
  cgSteps: i32,
  rowStart: i32,
  rowEnd: i32,
  scratch: usize,
): void {
  const bytes = <usize>(f << 2);
  const r = scratch;
  const p = scratch + bytes;
  const ap = scratch + 2 * bytes;
  for (let u = rowStart; u < rowEnd; u++) {
    const start = load<i32>(indptr + (<usize>u << 2));
    const end = load<i32>(indptr + (<usize>(u + 1) << 2));
    const x = target + <usize>u * bytes;
    // Step -1 computes the residual r = b − A·x; steps 0.. compute A·p. Both visit the same entries.
    for (let step = -1; step < cgSteps; step++) {
      const v = step < 0 ? x : p;
      const out = step < 0 ? r : ap;
      for (let d: i32 = 0; d < f; d++) {
        const s = dot(gram + <usize>d * bytes, v, f);
        store<f32>(out + (<usize>d << 2), step < 0 ? -s : s);
      }
      for (let s = start; s < end; s++) {
        const y = source + <usize>load<i32>(indices + (<usize>s << 2)) * bytes;
        const boost = alpha * load<f32>(counts + (<usize>s << 2)); // c − 1
        const yv = dot(y, v, f);
        axpy(out, out, step < 0 ? 1 + boost - boost * yv : boost * yv, y, f);
      }
      if (step < 0) {
        memory.copy(p, r, bytes);
        continue;
      }
      const rsOld = dot(r, r, f);
      const pAp = dot(p, ap, f);
      if (!(rsOld > 1e-20 && pAp > 0)) break;
      const stepSize = rsOld / pAp;
      axpy(x, x, stepSize, p, f);
      axpy(r, r, -stepSize, ap, f);
      const beta = dot(r, r, f) / rsOld;
      // p = r + β·p
      const bv = f32x4.splat(beta);
      for (let d: i32 = 0; d < f; d += 4) {
        const o = <usize>(d << 2);
        v128.store(p + o, f32x4.add(v128.load(r + o), f32x4.mul(bv, v128.load(p + o))));
      }
    }
  }
}

/**
 * Σ over the observed cells of rows [rowStart, rowEnd) of c − 2c·(x·y) + (c−1)·(x·y)²: the part of the
 * implicit-ALS loss that depends on the interactions (the rest comes from Gram matrices).
 */
export function observedLoss(
  indptr: usize,
  indices: usize,
  counts: usize,
  rows: usize,
  columns: usize,
  f: i32,
  alpha: f32,
  rowStart: i32,
  rowEnd: i32,
): f64 {
  const bytes = <usize>(f << 2);
  let loss: f64 = 0;
  for (let u = rowStart; u < rowEnd; u++) {
    const x = rows + <usize>u * bytes;
    const end = load<i32>(indptr + (<usize>(u + 1) << 2));
    for (let s = load<i32>(indptr + (<usize>u << 2)); s < end; s++) {
      const y = columns + <usize>load<i32>(indices + (<usize>s << 2)) * bytes;
      const xy = <f64>dot(x, y, f);
      const c = 1 + <f64>alpha * <f64>load<f32>(counts + (<usize>s << 2));
      loss += c - 2 * c * xy + (c - 1) * xy * xy;
    }
  }
  return loss;
}

/** out = YᵀY + reg·I (f × f) for the `count` rows of Y. */
export function gram(rows: usize, count: i32, f: i32, reg: f32, out: usize): void {
  const bytes = <usize>(f << 2);
  memory.fill(out, 0, <usize>f * bytes);
  for (let i: i32 = 0; i < count; i++) {
    const y = rows + <usize>i * bytes;
    for (let d: i32 = 0; d < f; d++) {
      const yd = load<f32>(y + (<usize>d << 2));
      if (yd == 0) continue;
      const row = out + <usize>d * bytes;
      axpy(row, row, yd, y, f);
    }
  }
  for (let d: i32 = 0; d < f; d++) {
    const at = out + <usize>d * bytes + (<usize>d << 2);
    store<f32>(at, load<f32>(at) + reg);
  }
}

/**
 * Serving's hot loop: out[i] = vector · rows[i] for `count` rows of f floats (f a multiple of 4), four
 * rows at a time so each load of the user vector feeds four products.
 */
export function scoreRows(vector: usize, rows: usize, count: i32, f: i32, out: usize): void {
  const bytes = <usize>(f << 2);
  let i: i32 = 0;
  for (; i + 4 <= count; i += 4) {
    const r0 = rows + <usize>i * bytes;
    const r1 = r0 + bytes;
    const r2 = r1 + bytes;
    const r3 = r2 + bytes;
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0);
    for (let d: i32 = 0; d < f; d += 4) {
      const o = <usize>(d << 2);
      const v = v128.load(vector + o);
      s0 = f32x4.add(s0, f32x4.mul(v, v128.load(r0 + o)));
      s1 = f32x4.add(s1, f32x4.mul(v, v128.load(r1 + o)));
      s2 = f32x4.add(s2, f32x4.mul(v, v128.load(r2 + o)));
      s3 = f32x4.add(s3, f32x4.mul(v, v128.load(r3 + o)));
    }
    const at = out + (<usize>i << 2);
    store<f32>(at, f32x4.extract_lane(s0, 0) + f32x4.extract_lane(s0, 1) + (f32x4.extract_lane(s0, 2) + f32x4.extract_lane(s0, 3)));
    store<f32>(at, f32x4.extract_lane(s1, 0) + f32x4.extract_lane(s1, 1) + (f32x4.extract_lane(s1, 2) + f32x4.extract_lane(s1, 3)), 4);
    store<f32>(at, f32x4.extract_lane(s2, 0) + f32x4.extract_lane(s2, 1) + (f32x4.extract_lane(s2, 2) + f32x4.extract_lane(s2, 3)), 8);
    store<f32>(at, f32x4.extract_lane(s3, 0) + f32x4.extract_lane(s3, 1) + (f32x4.extract_lane(s3, 2) + f32x4.extract_lane(s3, 3)), 12);
  }
  for (; i < count; i++) store<f32>(out + (<usize>i << 2), dot(vector, rows + <usize>i * bytes, f));
}

/** Whether sorted row `row` of a CSR matrix holds column `column` (binary search). */
@inline
function rowHas(indptr: usize, indices: usize, row: i32, column: i32): bool {
  let low = load<i32>(indptr + (<usize>row << 2));
  let high = load<i32>(indptr + (<usize>(row + 1) << 2)) - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const value = load<i32>(indices + (<usize>middle << 2));
    if (value == column) return true;
    if (value < column) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/** The next of xorshift64* (Vigna 2016) as a whole number below `n`, from the high 32 bits. */
@inline
function below(state: usize, n: i32): i32 {
  let s = load<u64>(state);
  s ^= s >> 12;
  s ^= s << 25;
  s ^= s >> 27;
  store<u64>(state, s);
  return <i32>((((s * 0x2545f4914f6cdd1d) >> 32) * <u64>n) >> 32);
}

/**
 * `samples` steps of BPR's stochastic gradient ascent (Rendle et al. 2009): a random watched pair (u, i)
 * — slot s of the by-user matrix, whose user is `userOfSlot[s]` — and a random movie j that u has not
 * watched; x = b_i − b_j + w_u·(h_i − h_j) moves up by the gradient of ln σ(x) − reg·‖θ‖². Factor rows are
 * f floats (a multiple of 4); `state` holds the generator's 8 bytes, `stats` receives the summed
 * log-likelihood (f64), the pairs ranked right (i32) and the pairs skipped because u had watched j (i32).
 */
export function bprSteps(
  indptr: usize,
  indices: usize,
  userOfSlot: usize,
  users: usize,
  items: usize,
  bias: usize,
  f: i32,
  columns: i32,
  slots: i32,
  samples: i32,
  lr: f32,
  reg: f32,
  state: usize,
  stats: usize,
): void {
  const bytes = <usize>(f << 2);
  const lrv = f32x4.splat(lr);
  const regv = f32x4.splat(reg);
  let logLikelihood: f64 = 0;
  let correct: i32 = 0;
  let skipped: i32 = 0;
  for (let n: i32 = 0; n < samples; n++) {
    const slot = below(state, slots);
    const j = below(state, columns);
    const u = load<i32>(userOfSlot + (<usize>slot << 2));
    if (rowHas(indptr, indices, u, j)) {
      skipped++;
      continue;
    }
    const i = load<i32>(indices + (<usize>slot << 2));
    const wu = users + <usize>u * bytes;
    const hi = items + <usize>i * bytes;
    const hj = items + <usize>j * bytes;
    let acc = f32x4.splat(0);
    for (let d: i32 = 0; d < f; d += 4) {
      const o = <usize>(d << 2);
      acc = f32x4.add(acc, f32x4.mul(v128.load(wu + o), f32x4.sub(v128.load(hi + o), v128.load(hj + o))));
    }
    const bi = bias + (<usize>i << 2);
    const bj = bias + (<usize>j << 2);
    const x: f64 =
      <f64>(load<f32>(bi) - load<f32>(bj)) +
      <f64>(f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3)));
    const z = 1 / (1 + Math.exp(x)); // ∂ ln σ(x) / ∂x
    logLikelihood += x > 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
    if (x > 0) correct++;
    const zv = f32x4.splat(<f32>z);
    for (let d: i32 = 0; d < f; d += 4) {
      const o = <usize>(d << 2);
      const w = v128.load(wu + o);
      const a = v128.load(hi + o);
      const b = v128.load(hj + o);
      const step = f32x4.mul(zv, w);
      v128.store(wu + o, f32x4.add(w, f32x4.mul(lrv, f32x4.sub(f32x4.mul(zv, f32x4.sub(a, b)), f32x4.mul(regv, w)))));
      v128.store(hi + o, f32x4.add(a, f32x4.mul(lrv, f32x4.sub(step, f32x4.mul(regv, a)))));
      v128.store(hj + o, f32x4.add(b, f32x4.mul(lrv, f32x4.sub(f32x4.neg(step), f32x4.mul(regv, b)))));
    }
    const zf = <f32>z;
    store<f32>(bi, load<f32>(bi) + lr * (zf - reg * load<f32>(bi)));
    store<f32>(bj, load<f32>(bj) + lr * (-zf - reg * load<f32>(bj)));
  }
  store<f64>(stats, logLikelihood);
  store<i32>(stats + 8, correct);
  store<i32>(stats + 12, skipped);
}

/**
 * The indices of the `k` highest scores, best first, skipping `exclude` (sorted ascending) and any NaN
 * or -Infinity score. A bounded min-heap: O(n log k) with no allocation proportional to n. Ties are
 * broken by the lower index, so results are deterministic.
 */
export function topK(
  scores: Float32Array | Float64Array,
  k: number,
  exclude: Int32Array = EMPTY,
): { indices: Int32Array; scores: Float32Array } {
  const heapIndex = new Int32Array(k);
  const heapScore = new Float64Array(k);
  let size = 0;
  let skip = 0;
  // The worst score kept so far (the heap's root) once the heap is full: most items lose to it at once.
  let floor = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] as number;
    if (score < floor || !(score > Number.NEGATIVE_INFINITY)) continue;
    while (skip < exclude.length && (exclude[skip] as number) < i) skip++;
    if (skip < exclude.length && exclude[skip] === i) continue;
    if (size < k) {
      // Sift up.
      let child = size++;
      while (child > 0) {
        const parent = (child - 1) >> 1;
        if (!isWorse(score, i, heapScore[parent] as number, heapIndex[parent] as number)) break;
        heapScore[child] = heapScore[parent] as number;
        heapIndex[child] = heapIndex[parent] as number;
        child = parent;
      }
      heapScore[child] = score;
      heapIndex[child] = i;
      if (size === k) floor = heapScore[0] as number;
    } else if (k > 0 && isWorse(heapScore[0] as number, heapIndex[0] as number, score, i)) {
      siftDown(heapScore, heapIndex, size, score, i);
      floor = heapScore[0] as number;
    }
  }
  // Pop the heap: worst first, filled from the back.
  const indices = new Int32Array(size);
  const best = new Float32Array(size);
  for (let slot = size - 1; slot >= 0; slot--) {
    indices[slot] = heapIndex[0] as number;
    best[slot] = heapScore[0] as number;
    const lastScore = heapScore[slot] as number;
    const lastIndex = heapIndex[slot] as number;
    siftDown(heapScore, heapIndex, slot, lastScore, lastIndex);
  }
  return { indices, scores: best };
}

const EMPTY = new Int32Array(0);

/** Is (a, ai) ranked below (b, bi)? Lower score, or equal score and higher index. */
function isWorse(a: number, ai: number, b: number, bi: number): boolean {
  return a < b || (a === b && ai > bi);
}

/** Places (score, index) at the root of a min-heap of `size` and sifts it down. */
function siftDown(
  heapScore: Float64Array,
  heapIndex: Int32Array,
  size: number,
  score: number,
  index: number,
): void {
  let parent = 0;
  for (;;) {
    let child = 2 * parent + 1;
    if (child >= size) break;
    const right = child + 1;
    if (
      right < size &&
      isWorse(
        heapScore[right] as number,
        heapIndex[right] as number,
        heapScore[child] as number,
        heapIndex[child] as number,
      )
    )
      child = right;
    if (!isWorse(heapScore[child] as number, heapIndex[child] as number, score, index)) break;
    heapScore[parent] = heapScore[child] as number;
    heapIndex[parent] = heapIndex[child] as number;
    parent = child;
  }
  heapScore[parent] = score;
  heapIndex[parent] = index;
}

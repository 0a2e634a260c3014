import { setImmediate as nextTurn } from 'node:timers/promises';
import { SeededRandom } from '../data/index.js';
import { FactorScorer, topK } from '../models/index.js';

/** What an index was built to and what calibration measured (reported by `GET /api/v1/model/info`). */
export interface ItemIndexSummary {
  kind: 'ivf';
  /** Clusters the items were split into. */
  lists: number;
  /** Clusters scanned for a top 10 (more for a longer list). */
  probes: number;
  /** Share of the exact top 10 found with `probes`, over the calibration users. */
  recall_at_10: number;
  calibration_users: number;
  build_seconds: number;
}

/** A query typical of the traffic (a user's vector from training) and the items it would exclude. */
export interface CalibrationQuery {
  vector: ArrayLike<number>;
  /** Item indices never shown to this user (what they watched). */
  excluded?: ArrayLike<number>;
}

export interface ItemIndexOptions {
  /** The share of the exact top 10 the chosen probes must find on the calibration users. */
  recallTarget: number;
  sampleQueries: CalibrationQuery[];
  seed?: number;
}

/** k-means rounds over a sample of the items: the lists only need to be good, not converged. */
const KMEANS_ROUNDS = 8;
const SAMPLE_PER_LIST = 64;
/** Rows (and calibration queries) handled between yields to the event loop, so a build never stalls requests being served. */
const ROWS_PER_TURN = 4096;
const QUERIES_PER_TURN = 16;

/**
 * An inverted-file index for approximate top-k by dot product over a factor model's item rows. Items are
 * clustered by k-means (after the usual transform that turns the largest inner product into the nearest
 * neighbour: each row gains a coordinate √(M² − ‖x‖²)), stored cluster by cluster, and a query scans only
 * the clusters whose centres score highest for it, with the same SIMD kernel exact scoring uses. How many
 * to scan is calibrated on real users' vectors against exact scoring when the index is built, so the
 * recall it reports is measured, not assumed.
 */
export class ItemIndex {
  /** Scratch reused by every search (serving is single-threaded): the clusters' scores, which are probed, the probed runs copied side by side and where each run starts. */
  private readonly listScores: Float32Array;
  private readonly isProbed: Uint8Array;
  private readonly candidates: Float32Array;
  private readonly runStarts: Int32Array;
  /** Inverse of `order`, and each position's cluster: to knock excluded items out of the scored runs. */
  private readonly positionOfItem: Int32Array;
  private readonly listOfPosition: Int32Array;

  private constructor(
    private readonly blocks: FactorScorer,
    private readonly centres: FactorScorer,
    /** `order[position]` is the item stored at that position; clusters are contiguous runs of positions. */
    private readonly order: Int32Array,
    private readonly offsets: Int32Array,
    private readonly probes: number,
    readonly summary: ItemIndexSummary,
  ) {
    const lists = offsets.length - 1;
    this.listScores = new Float32Array(lists);
    this.isProbed = new Uint8Array(lists);
    this.candidates = new Float32Array(order.length);
    this.runStarts = new Int32Array(lists);
    this.positionOfItem = new Int32Array(order.length);
    order.forEach((item, position) => {
      this.positionOfItem[item] = position;
    });
    this.listOfPosition = listsOfPositions(offsets);
  }

  get lists(): number {
    return this.offsets.length - 1;
  }

  /**
   * Builds and calibrates an index over `rows` (`width` floats each); undefined when no number of
   * probes short of scanning nearly everything reaches the recall target (exact scoring is then as cheap).
   */
  static async build(
    rows: Float32Array,
    width: number,
    options: ItemIndexOptions,
  ): Promise<ItemIndex | undefined> {
    const started = performance.now();
    const count = Math.floor(rows.length / width);
    const lists = Math.max(1, Math.round(Math.sqrt(count)));
    const assignment = await clusterRows(rows, width, count, lists, options.seed ?? 42);

    const offsets = new Int32Array(lists + 1);
    for (const list of assignment) offsets[list + 1] = (offsets[list + 1] as number) + 1;
    for (let list = 0; list < lists; list++)
      offsets[list + 1] = (offsets[list + 1] as number) + (offsets[list] as number);
    const order = new Int32Array(count);
    const next = offsets.slice(0, lists);
    for (let item = 0; item < count; item++) {
      const list = assignment[item] as number;
      order[next[list] as number] = item;
      next[list] = (next[list] as number) + 1;
    }
    const stored = new Float32Array(count * width);
    for (let position = 0; position < count; position++) {
      const item = order[position] as number;
      stored.set(rows.subarray(item * width, (item + 1) * width), position * width);
    }
    // Each centre is the mean of its list's rows, in the rows' own space (queries have no extra coordinate).
    const centres = new Float32Array(lists * width);
    for (let list = 0; list < lists; list++) {
      const start = offsets[list] as number;
      const end = offsets[list + 1] as number;
      for (let position = start; position < end; position++)
        for (let d = 0; d < width; d++)
          centres[list * width + d] =
            (centres[list * width + d] as number) + (stored[position * width + d] as number);
      if (end > start)
        for (let d = 0; d < width; d++)
          centres[list * width + d] = (centres[list * width + d] as number) / (end - start);
    }
    const blocks = await FactorScorer.create(stored, width);
    const centreScorer = await FactorScorer.create(centres, width);
    const { probes, recall } = await calibrate(blocks, centreScorer, order, offsets, options);
    if (probes === undefined) return undefined;
    return new ItemIndex(blocks, centreScorer, order, offsets, probes, {
      kind: 'ivf',
      lists,
      probes,
      recall_at_10: recall,
      calibration_users: options.sampleQueries.length,
      build_seconds: (performance.now() - started) / 1000,
    });
  }

  /**
   * The `k` best items for `query`, best first, never one of `excluded` (item indices); undefined when
   * the scanned clusters hold fewer than `k` items that may be shown (the caller then scores exactly).
   */
  search(
    query: ArrayLike<number>,
    k: number,
    excluded: ArrayLike<number>,
  ): { indices: Int32Array; scores: Float32Array } | undefined {
    const lists = this.lists;
    // A longer list reaches further down the ranking: scan proportionally more clusters.
    const probes = Math.min(lists, Math.ceil((this.probes * Math.max(k, 10)) / 10));
    this.centres.score(query, this.listScores);
    const probed = topK(this.listScores, probes).indices;
    // Each probed cluster is scored into its own run of the kernel's output, in place.
    for (const list of probed) {
      const start = this.offsets[list] as number;
      const end = this.offsets[list + 1] as number;
      if (end > start) this.blocks.scoreRange(query, start, end);
      this.isProbed[list] = 1;
    }
    const scores = this.blocks.scores;
    let hidden = 0;
    for (let slot = 0; slot < excluded.length; slot++) {
      const position = this.positionOfItem[excluded[slot] as number] as number;
      if (this.isProbed[this.listOfPosition[position] as number] === 1) {
        scores[position] = Number.NEGATIVE_INFINITY;
        hidden++;
      }
    }
    // The runs side by side, so one top-k pass sees them all; starts[] maps a slot back to its position.
    let taken = 0;
    probed.forEach((list, slot) => {
      const start = this.offsets[list] as number;
      const end = this.offsets[list + 1] as number;
      this.runStarts[slot] = taken;
      this.candidates.set(scores.subarray(start, end), taken);
      taken += end - start;
      this.isProbed[list] = 0;
    });
    if (taken - hidden < k) return undefined;
    const best = topK(this.candidates.subarray(0, taken), k);
    const indices = new Int32Array(best.indices.length);
    best.indices.forEach((slot, rank) => {
      // The last run starting at or before the slot holds it.
      let low = 0;
      let high = probed.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if ((this.runStarts[middle] as number) <= slot) low = middle;
        else high = middle - 1;
      }
      const list = probed[low] as number;
      const position = (this.offsets[list] as number) + slot - (this.runStarts[low] as number);
      indices[rank] = this.order[position] as number;
    });
    return { indices, scores: best.scores };
  }
}

/**
 * k-means over a sample of the rows, in the space where the largest inner product is the nearest
 * neighbour, then every row assigned to its nearest centre. Returns each row's cluster.
 */
async function clusterRows(
  rows: Float32Array,
  width: number,
  count: number,
  lists: number,
  seed: number,
): Promise<Int32Array> {
  const augmented = width + 1;
  let largestSquare = 0;
  const squares = new Float64Array(count);
  for (let row = 0; row < count; row++) {
    let square = 0;
    for (let d = 0; d < width; d++) square += (rows[row * width + d] as number) ** 2;
    squares[row] = square;
    if (square > largestSquare) largestSquare = square;
  }
  const point = (row: number, into: Float32Array) => {
    into.set(rows.subarray(row * width, (row + 1) * width));
    into[width] = Math.sqrt(Math.max(0, largestSquare - (squares[row] as number)));
  };
  const random = new SeededRandom(seed);
  const sample = Int32Array.from({ length: Math.min(count, lists * SAMPLE_PER_LIST) }, () =>
    Math.floor(random.next() * count),
  );
  const centres = new Float32Array(lists * augmented);
  const scratch = new Float32Array(augmented);
  for (let list = 0; list < lists; list++) {
    point(sample[list % sample.length] as number, scratch);
    centres.set(scratch, list * augmented);
  }
  const sampleLists = new Int32Array(sample.length);
  for (let round = 0; round < KMEANS_ROUNDS; round++) {
    await assign(sample, sampleLists);
    const sums = new Float64Array(lists * augmented);
    const sizes = new Int32Array(lists);
    sample.forEach((row, slot) => {
      const list = sampleLists[slot] as number;
      sizes[list] = (sizes[list] as number) + 1;
      point(row, scratch);
      for (let d = 0; d < augmented; d++)
        sums[list * augmented + d] = (sums[list * augmented + d] as number) + (scratch[d] as number);
    });
    for (let list = 0; list < lists; list++) {
      const size = sizes[list] as number;
      if (size === 0) {
        // An empty cluster restarts at a random row rather than staying empty.
        point(Math.floor(random.next() * count), scratch);
        centres.set(scratch, list * augmented);
      } else
        for (let d = 0; d < augmented; d++)
          centres[list * augmented + d] = (sums[list * augmented + d] as number) / size;
    }
  }
  const all = new Int32Array(count);
  await assign(
    Int32Array.from({ length: count }, (_, row) => row),
    all,
  );
  return all;

  /** Nearest centre of each row: the largest x·c − ‖c‖²/2, scored by the kernel against all centres. */
  async function assign(which: Int32Array, into: Int32Array): Promise<void> {
    const scorer = await FactorScorer.create(centres, augmented);
    const halfSquares = new Float32Array(lists);
    for (let list = 0; list < lists; list++) {
      let square = 0;
      for (let d = 0; d < augmented; d++) square += (centres[list * augmented + d] as number) ** 2;
      halfSquares[list] = square / 2;
    }
    const scores = new Float32Array(lists);
    for (let slot = 0; slot < which.length; slot++) {
      if (slot % ROWS_PER_TURN === ROWS_PER_TURN - 1) await nextTurn();
      point(which[slot] as number, scratch);
      scorer.score(scratch, scores);
      let best = 0;
      let bestValue = Number.NEGATIVE_INFINITY;
      for (let list = 0; list < lists; list++) {
        const value = (scores[list] as number) - (halfSquares[list] as number);
        if (value > bestValue) {
          bestValue = value;
          best = list;
        }
      }
      into[slot] = best;
    }
  }
}

/** Share of clusters past which an index saves too little over exact scoring to be worth its misses. */
const MOST_PROBED = 0.5;

/**
 * The fewest clusters to scan so that, over the sample queries, the scanned clusters hold at least
 * `recallTarget` of each exact top 10. An exact top-10 item in a scanned cluster is always in the
 * approximate top 10 (only exact top-10 items can outrank it), so recall with p probes is the share of
 * top-10 items whose cluster ranks below p for that query: one exact scoring per query measures every p.
 */
async function calibrate(
  blocks: FactorScorer,
  centres: FactorScorer,
  order: Int32Array,
  offsets: Int32Array,
  options: ItemIndexOptions,
): Promise<{ probes: number | undefined; recall: number }> {
  const count = order.length;
  const lists = offsets.length - 1;
  const listOfPosition = listsOfPositions(offsets);
  const positionOfItem = new Int32Array(count);
  order.forEach((item, position) => {
    positionOfItem[item] = position;
  });
  // neededProbes[r] counts top-10 items first found when r + 1 clusters are scanned.
  const neededProbes = new Int32Array(lists);
  let found = 0;
  const listScores = new Float32Array(lists);
  const rankOfList = new Int32Array(lists);
  for (const [slot, { vector, excluded = [] }] of options.sampleQueries.entries()) {
    // Each query scores the whole catalogue (about 1 ms at 100,000 movies): let requests in between.
    if (slot % QUERIES_PER_TURN === QUERIES_PER_TURN - 1) await nextTurn();
    const scores = Float32Array.from(blocks.scoreRange(vector, 0, count));
    for (let slot = 0; slot < excluded.length; slot++)
      scores[positionOfItem[excluded[slot] as number] as number] = Number.NEGATIVE_INFINITY;
    const exact = topK(scores, Math.min(10, count));
    centres.score(vector, listScores);
    topK(listScores, lists).indices.forEach((list, rank) => {
      rankOfList[list] = rank;
    });
    for (const position of exact.indices) {
      const rank = rankOfList[listOfPosition[position] as number] as number;
      neededProbes[rank] = (neededProbes[rank] as number) + 1;
      found++;
    }
  }
  if (found === 0) return { probes: undefined, recall: 0 };
  let covered = 0;
  for (let probes = 1; probes <= Math.ceil(lists * MOST_PROBED); probes++) {
    covered += neededProbes[probes - 1] as number;
    if (covered / found >= options.recallTarget) return { probes, recall: covered / found };
  }
  return { probes: undefined, recall: covered / found };
}

/** The cluster of every stored position. */
function listsOfPositions(offsets: Int32Array): Int32Array {
  const lists = offsets.length - 1;
  const listOf = new Int32Array(offsets[lists] as number);
  for (let list = 0; list < lists; list++)
    listOf.fill(list, offsets[list] as number, offsets[list + 1] as number);
  return listOf;
}

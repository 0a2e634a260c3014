import { SeededRandom } from '../data/index.js';
import type { InteractionMatrix, InteractionPairs } from './interactions.js';
import { rowItems, rowValues } from './interactions.js';
import type { Recommender } from './model.js';
import { topK } from './top-k.js';

export interface RankingMetrics {
  k: number;
  /** Users with held-out movies that the model could rank. */
  users: number;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  hit_rate: number;
  /** Share of the catalogue that appears in anyone's top k. */
  coverage: number;
  /** Mean self-information −log₂(share of users who watched it) of recommended movies: higher = less obvious. */
  novelty: number;
  /**
   * 95 % bootstrap intervals over users (1,000 seeded resamples of the evaluated users): how far the
   * mean could move with another sample of users of the same kind.
   */
  intervals: { ndcg: [number, number]; recall: [number, number]; map: [number, number] };
}

const BOOTSTRAP_RESAMPLES = 1000;

/** The 2.5 % and 97.5 % quantiles of the mean of `values` over seeded resamples (with replacement). */
export function bootstrapInterval(
  values: Float64Array,
  resamples = BOOTSTRAP_RESAMPLES,
  seed = 1,
): [number, number] {
  const n = values.length;
  if (n === 0) return [0, 0];
  const random = new SeededRandom(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(random.next() * n)] as number;
    means[r] = sum / n;
  }
  means.sort();
  return [
    means[Math.floor(0.025 * (resamples - 1))] as number,
    means[Math.ceil(0.975 * (resamples - 1))] as number,
  ];
}

/**
 * Ranks every item for each user with held-out movies, excluding what the user watched in training, and
 * scores the top `k` against the held-out movies. `train` is the matrix the model learned from (its users
 * and items define the model's index space); held-out movies the model has never seen still count as
 * relevant, so a model cannot look better by not knowing them.
 */
export function evaluateRanking(
  model: Recommender,
  train: InteractionMatrix,
  test: InteractionPairs,
  k: number,
  options: { maxUsers?: number } = {},
): RankingMetrics {
  // Per user: the held-out movies the model knows (item indices) and how many were held out in all.
  // Movies absent from training cannot be recommended, but each one still counts in the denominators.
  const relevant = new Map<number, { known: Set<number>; total: number }>();
  for (let p = 0; p < test.length; p++) {
    const user = train.users.index(test.userId[p] as number);
    if (user === undefined) continue;
    const entry = relevant.get(user) ?? { known: new Set<number>(), total: 0 };
    const item = train.items.index(test.movieId[p] as number);
    if (item !== undefined) entry.known.add(item);
    entry.total++;
    relevant.set(user, entry);
  }
  const users = [...relevant.keys()]
    .sort((a, b) => a - b)
    .slice(0, options.maxUsers ?? Number.POSITIVE_INFINITY);
  const audience = new Float64Array(train.items.size);
  for (const item of train.byUser.indices) audience[item] = (audience[item] as number) + 1;
  const scores = new Float32Array(model.itemCount);
  const recommended = new Uint8Array(model.itemCount);
  const totals = { precision: 0, recall: 0, ndcg: 0, map: 0, hit_rate: 0, novelty: 0 };
  let recommendations = 0;
  const perUser = {
    ndcg: new Float64Array(users.length),
    recall: new Float64Array(users.length),
    map: new Float64Array(users.length),
  };
  for (const [position, user] of users.entries()) {
    const history = { items: rowItems(train.byUser, user), counts: rowValues(train.byUser, user) };
    model.scoreUser(user, history, scores);
    const ranked = topK(scores, k, history.items).indices;
    const { known: wanted, total } = relevant.get(user) as { known: Set<number>; total: number };
    let hits = 0;
    let dcg = 0;
    let precisionSum = 0;
    ranked.forEach((item, rank) => {
      recommended[item] = 1;
      totals.novelty += -Math.log2(Math.max(audience[item] as number, 1) / train.users.size);
      recommendations++;
      if (!wanted.has(item)) return;
      hits++;
      dcg += 1 / Math.log2(rank + 2);
      precisionSum += hits / (rank + 1);
    });
    let ideal = 0;
    for (let rank = 0; rank < Math.min(total, k); rank++) ideal += 1 / Math.log2(rank + 2);
    perUser.recall[position] = hits / total;
    perUser.ndcg[position] = dcg / ideal;
    perUser.map[position] = precisionSum / Math.min(total, k);
    totals.precision += hits / k;
    totals.recall += perUser.recall[position] as number;
    totals.ndcg += perUser.ndcg[position] as number;
    totals.map += perUser.map[position] as number;
    totals.hit_rate += hits > 0 ? 1 : 0;
  }
  const n = Math.max(users.length, 1);
  return {
    k,
    users: users.length,
    precision: totals.precision / n,
    recall: totals.recall / n,
    ndcg: totals.ndcg / n,
    map: totals.map / n,
    hit_rate: totals.hit_rate / n,
    coverage: recommended.reduce((sum, flag) => sum + flag, 0) / Math.max(model.itemCount, 1),
    novelty: totals.novelty / Math.max(recommendations, 1),
    intervals: {
      ndcg: bootstrapInterval(perUser.ndcg),
      recall: bootstrapInterval(perUser.recall),
      map: bootstrapInterval(perUser.map),
    },
  };
}

/** Metrics as tracker metric names: `ndcg_at_10`, `precision_at_10`, ..., `eval_users`. */
export function metricsForTracking(metrics: RankingMetrics): Record<string, number> {
  const { k, users, intervals, ...values } = metrics;
  return {
    ...Object.fromEntries(Object.entries(values).map(([name, value]) => [`${name}_at_${k}`, value])),
    ...Object.fromEntries(
      Object.entries(intervals).flatMap(([name, [low, high]]) => [
        [`${name}_at_${k}_ci_low`, low],
        [`${name}_at_${k}_ci_high`, high],
      ]),
    ),
    eval_users: users,
  };
}

const RANKING_VALUES = ['precision', 'recall', 'ndcg', 'map', 'hit_rate', 'coverage', 'novelty'] as const;

/**
 * The figures `metricsForTracking` recorded for cut-off `k`, back as ranking metrics; undefined when any
 * is missing (recorded by an older version, or for another k).
 */
export function metricsFromTracking(recorded: Record<string, number>, k: number): RankingMetrics | undefined {
  const value = (name: string) => recorded[name];
  const values = Object.fromEntries(RANKING_VALUES.map((name) => [name, value(`${name}_at_${k}`)]));
  const interval = (name: string): [number, number] | undefined => {
    const low = value(`${name}_at_${k}_ci_low`);
    const high = value(`${name}_at_${k}_ci_high`);
    return low === undefined || high === undefined ? undefined : [low, high];
  };
  const intervals = { ndcg: interval('ndcg'), recall: interval('recall'), map: interval('map') };
  const users = value('eval_users');
  if (users === undefined || Object.values(values).some((figure) => figure === undefined)) return undefined;
  if (Object.values(intervals).some((bounds) => bounds === undefined)) return undefined;
  return {
    k,
    users,
    ...(values as Omit<RankingMetrics, 'k' | 'users' | 'intervals'>),
    intervals,
  } as RankingMetrics;
}

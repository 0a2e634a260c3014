import { describe, expect, it } from 'vitest';
import {
  bootstrapInterval,
  evaluateRanking,
  metricsForTracking,
  metricsFromTracking,
  type RankingMetrics,
} from './evaluate.js';
import { matrixOf, pairsFromRows } from './interactions.js';
import type { Recommender, Tensor } from './model.js';

/** Always ranks items by a fixed score table (index = item). */
class FixedScores implements Recommender {
  readonly algorithm = 'popularity';
  constructor(private readonly scores: number[]) {}
  get itemCount() {
    return this.scores.length;
  }
  scoreUser(_user: number, _history: unknown, out: Float32Array) {
    out.set(this.scores);
  }
  tensors(): Record<string, Tensor> {
    return {};
  }
}

describe('evaluateRanking', () => {
  // Movies 100..104 → item indices 0..4. The user saw 100 and 101 in training.
  const train = matrixOf(
    pairsFromRows([
      { userId: 1, movieId: 100, at: 1 },
      { userId: 1, movieId: 101, at: 2 },
      { userId: 2, movieId: 102, at: 1 },
      { userId: 2, movieId: 103, at: 1 },
      { userId: 2, movieId: 104, at: 1 },
    ]),
  );

  it('excludes seen movies and computes the metrics by their textbook definitions', () => {
    // Held out for user 1: movies 103 and 999 (unknown to the model: relevant but unreachable).
    const test = pairsFromRows([
      { userId: 1, movieId: 103, at: 3 },
      { userId: 1, movieId: 999, at: 4 },
    ]);
    // Scores rank 100 > 101 > 102 > 103 > 104; seen 100 and 101 are skipped → top-2 is [102, 103].
    const metrics = evaluateRanking(new FixedScores([5, 4, 3, 2, 1]), train, test, 2);
    expect(metrics.users).toBe(1);
    expect(metrics.precision).toBeCloseTo(1 / 2);
    expect(metrics.recall).toBeCloseTo(1 / 2);
    expect(metrics.hit_rate).toBe(1);
    // Hit at rank 2: DCG = 1/log2(3); ideal over min(2, 2) relevant = 1 + 1/log2(3).
    expect(metrics.ndcg).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)));
    // AP@2 = (precision at the hit = 1/2) / min(|relevant|, k) = 0.25.
    expect(metrics.map).toBeCloseTo(0.25);
    expect(metrics.coverage).toBeCloseTo(2 / 5);
    // Novelty: −log2(audience/users) of 102 and 103, each watched by 1 of 2 users.
    expect(metrics.novelty).toBeCloseTo(1);
    expect(metricsForTracking(metrics)).toMatchObject({
      ndcg_at_2: metrics.ndcg,
      ndcg_at_2_ci_low: metrics.ndcg,
      ndcg_at_2_ci_high: metrics.ndcg,
      eval_users: 1,
    });
  });

  it('counts every held-out movie the model never saw, not just one of them', () => {
    // 1 hit (103) among 4 held-out movies, 3 of them unknown to the model: recall@2 is 1/4, not 1/2.
    const test = pairsFromRows([
      { userId: 1, movieId: 103, at: 3 },
      { userId: 1, movieId: 997, at: 4 },
      { userId: 1, movieId: 998, at: 5 },
      { userId: 1, movieId: 999, at: 6 },
    ]);
    const metrics = evaluateRanking(new FixedScores([5, 4, 3, 2, 1]), train, test, 2);
    expect(metrics.recall).toBeCloseTo(0.25);
    expect(metrics.precision).toBeCloseTo(0.5);
    // Ideal DCG over min(4 relevant, k = 2) ranks; AP@2 divides by min(4, 2) = 2.
    expect(metrics.ndcg).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)));
    expect(metrics.map).toBeCloseTo(0.25);
  });

  it('gives a seeded 95 % bootstrap interval over users around each mean', () => {
    const values = Float64Array.from({ length: 400 }, (_, user) => (user % 4 === 0 ? 1 : 0));
    const [low, high] = bootstrapInterval(values);
    expect(low).toBeLessThan(0.25);
    expect(high).toBeGreaterThan(0.25);
    expect(high - low).toBeGreaterThan(0.05);
    expect(high - low).toBeLessThan(0.12);
    expect(bootstrapInterval(values)).toEqual([low, high]);
    expect(bootstrapInterval(new Float64Array(10).fill(0.5))).toEqual([0.5, 0.5]);
  });

  it('skips held-out users the model never saw', () => {
    const metrics = evaluateRanking(
      new FixedScores([5, 4, 3, 2, 1]),
      train,
      pairsFromRows([{ userId: 7, movieId: 100, at: 1 }]),
      3,
    );
    expect(metrics.users).toBe(0);
    expect(metrics.ndcg).toBe(0);
  });
});

describe('metricsFromTracking', () => {
  const metrics = {
    k: 10,
    users: 120,
    precision: 0.1,
    recall: 0.2,
    ndcg: 0.3,
    map: 0.15,
    hit_rate: 0.6,
    coverage: 0.4,
    novelty: 3.2,
    intervals: { ndcg: [0.28, 0.32], recall: [0.18, 0.22], map: [0.13, 0.17] },
  } as RankingMetrics;

  it('reads back what metricsForTracking recorded, and nothing for another k or a missing figure', () => {
    const recorded = metricsForTracking(metrics);
    expect(metricsFromTracking(recorded, 10)).toEqual(metrics);
    expect(metricsFromTracking(recorded, 5)).toBeUndefined();
    const { novelty_at_10: _, ...older } = recorded;
    expect(metricsFromTracking(older, 10)).toBeUndefined();
  });
});

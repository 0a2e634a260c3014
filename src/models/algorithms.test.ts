import { beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticData } from '../data/index.js';
import { ALGORITHM_SPECS, type AlsModel } from './algorithms/index.js';
import { evaluateRanking } from './evaluate.js';
import {
  type InteractionMatrix,
  type InteractionPairs,
  matrixOf,
  pairsFromRows,
  rowItems,
  rowValues,
} from './interactions.js';
import type { AlgorithmName, Recommender } from './model.js';
import { decodeModel, encodeModel } from './model-artifact.js';
import { DEFAULT_SPLIT, splitInteractions } from './split.js';

// Big enough for real signal and for ALS to use worker threads (≥ 50k pairs), small enough to be quick.
const DATA = { users: 1500, movies: 600, interactions: 90_000, seed: 5, endDate: '2026-11-01', days: 120 };
const FAST: Record<AlgorithmName, Record<string, unknown>> = {
  popularity: {},
  'item-knn': { neighbours: 50 },
  ease: {},
  als: { factors: 16, iterations: 8 },
  bpr: { factors: 16, epochs: 15 },
  ncf: { factors: 16, mlp_factors: 8, epochs: 4 },
};

function pairsOf(log: ReturnType<typeof generateSyntheticData>['watchLog']): InteractionPairs {
  return pairsFromRows(
    Array.from({ length: log.length }, (_, row) => ({
      userId: log.user_id[row] as number,
      movieId: log.content_id[row] as number,
      at: log.timestamp[row] as number,
    })),
  );
}

async function train(
  name: AlgorithmName,
  matrix: InteractionMatrix,
  pairs: InteractionPairs,
  extra: Record<string, unknown> = {},
  threads?: number,
) {
  const spec = ALGORITHM_SPECS[name];
  const progress: number[] = [];
  const model = await spec.train({ matrix, pairs }, spec.params.parse({ ...FAST[name], ...extra }), {
    onProgress: (event) => {
      progress.push(event.iteration);
    },
    ...(threads === undefined ? {} : { threads }),
  });
  return { model, progress };
}

function scoresOf(model: Recommender, matrix: InteractionMatrix, user: number): Float32Array {
  const out = new Float32Array(model.itemCount);
  model.scoreUser(
    user,
    { items: rowItems(matrix.byUser, user), counts: rowValues(matrix.byUser, user) },
    out,
  );
  return out;
}

describe('recommender algorithms on synthetic data', () => {
  let matrix: InteractionMatrix;
  let trainPairs: InteractionPairs;
  let testPairs: InteractionPairs;
  const ndcg = new Map<AlgorithmName, number>();

  beforeAll(() => {
    const split = splitInteractions(pairsOf(generateSyntheticData(DATA).watchLog), DEFAULT_SPLIT);
    trainPairs = split.train;
    testPairs = split.test;
    matrix = matrixOf(trainPairs);
  });

  for (const name of Object.keys(FAST) as AlgorithmName[]) {
    it(`${name}: trains with progress, survives a save/load round trip bit-for-bit, and is deterministic`, async () => {
      const { model, progress } = await train(name, matrix, trainPairs);
      if (name !== 'popularity') expect(progress.length).toBeGreaterThan(0);
      ndcg.set(name, evaluateRanking(model, matrix, testPairs, 10).ndcg);

      const encoded = encodeModel(model, matrix.users, matrix.items, {
        hyperparameters: ALGORITHM_SPECS[name].params.parse(FAST[name]),
        dataset_version: 'test',
        split: {},
        metrics: {},
        code_revision: 'test',
        created_at: new Date(0).toISOString(),
      });
      const loaded = decodeModel(Buffer.from(JSON.stringify(encoded.manifest)), encoded.tensors, 'test');
      expect(loaded.manifest.algorithm).toBe(name);
      expect([...loaded.users.ids]).toEqual([...matrix.users.ids]);
      for (const user of [0, 17, matrix.users.size - 1])
        expect(Buffer.from(scoresOf(loaded.model, matrix, user).buffer)).toEqual(
          Buffer.from(scoresOf(model, matrix, user).buffer),
        );

      const again = await train(name, matrix, trainPairs);
      // Buffer.equals: a deep equal of an items² weight matrix byte by byte takes seconds.
      const retrained = encodeModel(again.model, matrix.users, matrix.items, encoded.manifest).tensors;
      expect(retrained.equals(encoded.tensors)).toBe(true);
    });
  }

  it('ALS, BPR, item-kNN, EASE and NCF beat the popularity baseline on NDCG@10', () => {
    const baseline = ndcg.get('popularity') ?? Number.NaN;
    expect(baseline).toBeGreaterThan(0);
    for (const name of ['als', 'bpr', 'item-knn', 'ease', 'ncf'] as const)
      expect(ndcg.get(name)).toBeGreaterThan(baseline);
  });

  it('EASE refuses a catalogue above max_items before taking any memory, and suggests ALS', async () => {
    const error = await train('ease', matrix, trainPairs, { max_items: 100 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'MLOPS_ERR_REQUEST_VALIDATION', field: 'max_items' });
    expect(String((error as Error).message)).toMatch(
      new RegExp(
        `limited to 100 movies \\(max_items\\) and this training set has ${matrix.items.size}.*ALS \\(-a als\\)`,
      ),
    );
  });

  it('EASE gives every movie a zero weight for itself and scores a history as the sum of its rows', async () => {
    const model = (await train('ease', matrix, trainPairs)).model;
    const n = model.itemCount;
    const weights = (model.tensors().weights?.data ?? new Float32Array()) as Float32Array;
    for (const item of [0, 7, n - 1]) expect(weights[item * n + item]).toBe(0);
    const scores = new Float32Array(n);
    model.scoreUser(-1, { items: Int32Array.from([3, 9]), counts: Float32Array.from([1, 5]) }, scores);
    expect(scores[20]).toBeCloseTo((weights[3 * n + 20] as number) + (weights[9 * n + 20] as number), 6);
  });

  it('ALS gives the same factors on one thread and on several', async () => {
    expect(matrix.byUser.indices.length).toBeGreaterThanOrEqual(50_000); // enough for the worker pool
    const single = (await train('als', matrix, trainPairs, { iterations: 3 }, 1)).model as AlsModel;
    const threaded = (await train('als', matrix, trainPairs, { iterations: 3 }, 3)).model as AlsModel;
    expect(Buffer.from(threaded.itemFactors.buffer)).toEqual(Buffer.from(single.itemFactors.buffer));
    expect(Buffer.from(threaded.userFactors.buffer)).toEqual(Buffer.from(single.userFactors.buffer));
  });

  it('ALS folds in a user from their history alone, close to the trained factors', async () => {
    const model = (await train('als', matrix, trainPairs, { iterations: 10 })).model as AlsModel;
    const user = 3;
    const folded = model.foldIn({
      items: rowItems(matrix.byUser, user),
      counts: rowValues(matrix.byUser, user),
    });
    const trained = model.userFactors.subarray(user * model.factors, (user + 1) * model.factors);
    let dot = 0;
    let a = 0;
    let b = 0;
    folded.forEach((value, d) => {
      dot += value * (trained[d] as number);
      a += value * value;
      b += (trained[d] as number) ** 2;
    });
    expect(dot / Math.sqrt(a * b)).toBeGreaterThan(0.99);
    // A brand-new user who watched one community's movies gets different recommendations than the crowd.
    const fresh = new Float32Array(model.itemCount);
    model.scoreUser(
      -1,
      { items: rowItems(matrix.byUser, user), counts: rowValues(matrix.byUser, user) },
      fresh,
    );
    const seen = scoresOf(model, matrix, user);
    const top = (scores: Float32Array) =>
      [...scores.keys()].sort((x, y) => (scores[y] as number) - (scores[x] as number)).slice(0, 10);
    expect(top(fresh).filter((item) => top(seen).includes(item)).length).toBeGreaterThanOrEqual(8);
  });

  it('the SIMD scoring kernel gives the same scores (to f32 precision) and the same rankings', async () => {
    for (const name of ['als', 'bpr'] as const) {
      const { model } = await train(name, matrix, trainPairs, { iterations: 3, epochs: 3 });
      const plain = [0, 9, 99].map((user) => scoresOf(model, matrix, user));
      await model.prepareFastScoring?.();
      [0, 9, 99].forEach((user, index) => {
        const fast = scoresOf(model, matrix, user);
        const reference = plain[index] as Float32Array;
        fast.forEach((score, item) => {
          expect(Math.abs(score - (reference[item] as number))).toBeLessThan(1e-5 * (1 + Math.abs(score)));
        });
      });
    }
  });

  it('cancels between iterations when the signal aborts', async () => {
    const controller = new AbortController();
    const spec = ALGORITHM_SPECS.bpr;
    let epochs = 0;
    const training = spec.train(
      { matrix, pairs: trainPairs },
      spec.params.parse({ factors: 8, epochs: 50 }),
      {
        signal: controller.signal,
        onProgress: () => {
          epochs++;
          if (epochs === 2) controller.abort(new Error('stop'));
        },
      },
    );
    await expect(training).rejects.toThrow('stop');
    expect(epochs).toBe(2);
  });
});

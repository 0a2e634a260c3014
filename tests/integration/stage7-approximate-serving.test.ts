import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServingConfig } from '../../src/config/index.js';
import { type ModelsContext, trainModel } from '../../src/models/index.js';
import type { Platform } from '../../src/platform/index.js';
import { type App, buildApp } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { promote } from '../../src/tracking/index.js';
import { contextOf, openBackend, publishSynthetic, watchedByUser } from '../helpers/platform.js';

const DATA = { users: 500, movies: 3000, interactions: 40_000, seed: 33, endDate: '2026-11-01', days: 90 };
const ACTOR = { actor: 'test', reason: 'test' };

function servingConfig(index: ServingConfig['index']): ServingConfig {
  return {
    isEnabled: true,
    modelName: 'movie_predictor',
    isModelNameSet: true,
    pollIntervalMs: 3_600_000,
    cacheSize: 0,
    cacheTtlMs: 60_000,
    challengerPercent: 0,
    isBootstrapModel: false,
    index,
  };
}

interface Answer {
  recommendations: { movie_id: number; score: number; genres: string[] }[];
  strategy: string;
}

describe('serving top-k from the approximate index (MLOPS_SERVING_INDEX)', () => {
  let platform: Platform;
  let dispose: () => Promise<void>;
  let context: ModelsContext;
  let approximate: App;
  let exact: App;
  let services: ServingService[];
  let watchedBy: Map<number, Set<number>>;

  const ask = async (app: App, url: string) => (await app.inject({ method: 'GET', url })).json() as Answer;
  const ids = (answer: Answer) => answer.recommendations.map((movie) => movie.movie_id);

  /** Share of the exact answers' movies the approximate answers hold, over the first `users` users. */
  async function overlap(users: number, query = ''): Promise<number> {
    let found = 0;
    let wanted = 0;
    for (let user = 0; user < users; user++) {
      const url = `/api/v1/recommendations?user_id=${user}&k=10${query}`;
      const truth = ids(await ask(exact, url));
      const got = new Set(ids(await ask(approximate, url)));
      wanted += truth.length;
      for (const movie of truth) if (got.has(movie)) found++;
    }
    return found / wanted;
  }

  beforeAll(async () => {
    ({ platform, dispose } = await openBackend('PGlite + local folder'));
    context = contextOf(platform);
    await publishSynthetic(platform, DATA);
    await trainModel(context, { algorithm: 'als', hyperparameters: { factors: 16, iterations: 6 } });
    await trainModel(context, { algorithm: 'bpr', hyperparameters: { factors: 16, epochs: 8 } });
    await promote(context.db, 'movie_predictor', '1', ACTOR);
    watchedBy = await watchedByUser(platform);
    const approximateService = new ServingService(
      context,
      servingConfig({ mode: 'approximate', recallTarget: 0.95 }),
    );
    const exactService = new ServingService(context, servingConfig({ mode: 'exact', recallTarget: 0.95 }));
    services = [approximateService, exactService];
    approximate = await buildApp(platform, { serving: approximateService });
    exact = await buildApp(platform, { serving: exactService });
    for (const service of services) await service.refresh();
  });
  afterAll(async () => {
    await approximate?.close();
    await exact?.close();
    await dispose?.();
  });

  it('reports the index it serves from, with its calibrated recall; exact and small auto catalogues have none', async () => {
    const info = (await approximate.inject({ method: 'GET', url: '/api/v1/model/info' })).json();
    expect(info.champion.item_index).toMatchObject({ kind: 'ivf', calibration_users: expect.any(Number) });
    expect(info.champion.item_index.lists).toBe(Math.round(Math.sqrt(info.champion.items)));
    expect(info.champion.item_index.recall_at_10).toBeGreaterThanOrEqual(0.95);
    expect(info.champion.item_index.probes).toBeLessThan(info.champion.item_index.lists / 2);
    expect(
      (await exact.inject({ method: 'GET', url: '/api/v1/model/info' })).json().champion.item_index,
    ).toBeNull();

    const auto = new ServingService(context, servingConfig({ mode: 'auto', recallTarget: 0.95 }));
    await auto.refresh();
    expect(auto.modelInfo().champion?.item_index).toBeNull();
    await auto.stop();
  });

  it('answers as the exact scorer does for nearly every movie, never a watched one, best first', async () => {
    expect(await overlap(120)).toBeGreaterThanOrEqual(0.93);
    let byModel = 0;
    for (let user = 0; user < 40; user++) {
      const answer = await ask(approximate, `/api/v1/recommendations?user_id=${user}&k=10`);
      // Users with no watches in training get popular movies (not from the index).
      if (answer.strategy === 'model') byModel++;
      expect(answer.recommendations).toHaveLength(10);
      const scores = answer.recommendations.map((movie) => movie.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      for (const movie of ids(answer)) expect(watchedBy.get(user)?.has(movie) ?? false).toBe(false);
    }
    expect(byModel).toBeGreaterThanOrEqual(35);
    // The answers really come from the index: with a low target it scans few clusters and misses more.
    const loose = new ServingService(context, servingConfig({ mode: 'approximate', recallTarget: 0.5 }));
    await loose.refresh();
    let found = 0;
    for (let user = 0; user < 60; user++) {
      const request = { userId: user, k: 10, excludeSeen: true, genres: undefined };
      const truth = ids(await ask(exact, `/api/v1/recommendations?user_id=${user}&k=10`));
      const got = loose.recommend(request).recommendations.map((movie) => movie.movie_id);
      found += truth.filter((movie) => got.includes(movie)).length;
    }
    expect(loose.modelInfo().champion?.item_index?.probes).toBeLessThan(
      (await approximate.inject({ method: 'GET', url: '/api/v1/model/info' })).json().champion.item_index
        .probes,
    );
    expect(found / 600).toBeLessThan(0.95);
    expect(found / 600).toBeGreaterThan(0.4);
    await loose.stop();

    // A longer list scans more clusters and still holds the exact top 10's movies.
    const long = ids(await ask(approximate, '/api/v1/recommendations?user_id=3&k=50'));
    expect(long).toHaveLength(50);
    const top10 = ids(await ask(exact, '/api/v1/recommendations?user_id=3&k=10'));
    expect(top10.filter((movie) => long.includes(movie)).length).toBeGreaterThanOrEqual(9);
  });

  it('filters by genre exactly, hides disliked movies and folds in new users from the index', async () => {
    const genre = (await ask(exact, '/api/v1/recommendations?user_id=9&k=1')).recommendations[0]?.genres[0];
    const byGenre = `&genres=${encodeURIComponent(genre as string)}`;
    const filtered = await ask(approximate, `/api/v1/recommendations?user_id=9&k=10${byGenre}`);
    expect(ids(filtered)).toEqual(ids(await ask(exact, `/api/v1/recommendations?user_id=9&k=10${byGenre}`)));
    for (const movie of filtered.recommendations) expect(movie.genres).toContain(genre);

    const user = 21;
    const first = ids(await ask(approximate, `/api/v1/recommendations?user_id=${user}&k=5`))[0] as number;
    const disliked = await approximate.inject({
      method: 'POST',
      url: '/api/v1/feedback',
      payload: { user_id: user, movie_id: first, interaction_type: 'dislike' },
    });
    expect(disliked.statusCode).toBe(201);
    expect(ids(await ask(approximate, `/api/v1/recommendations?user_id=${user}&k=5`))).not.toContain(first);

    const liked = [...(watchedBy.get(4) ?? [])].slice(0, 6);
    for (const movie of liked)
      await approximate.inject({
        method: 'POST',
        url: '/api/v1/feedback',
        payload: { user_id: 888_888, movie_id: movie, interaction_type: 'like' },
      });
    for (const service of services) await service.refresh();
    const newcomer = await ask(approximate, '/api/v1/recommendations?user_id=888888&k=10');
    expect(newcomer.strategy).toBe('fold-in');
    expect(newcomer.recommendations).toHaveLength(10);
    for (const movie of ids(newcomer)) expect(liked).not.toContain(movie);
  });

  it('serves a BPR champion from the index too (its item bias rides in the rows)', async () => {
    await promote(context.db, 'movie_predictor', '2', ACTOR);
    for (const service of services) await service.refresh();
    const info = (await approximate.inject({ method: 'GET', url: '/api/v1/model/info' })).json();
    expect(info.champion).toMatchObject({ version: '2', algorithm: 'bpr' });
    expect(info.champion.item_index?.kind).toBe('ivf');
    expect(await overlap(100)).toBeGreaterThanOrEqual(0.93);
    // Scores equal the exact scorer's for the same movie: bias included.
    const exactAnswer = await ask(exact, '/api/v1/recommendations?user_id=7&k=10');
    const approximateAnswer = await ask(approximate, '/api/v1/recommendations?user_id=7&k=10');
    for (const movie of approximateAnswer.recommendations) {
      const same = exactAnswer.recommendations.find((other) => other.movie_id === movie.movie_id);
      if (same !== undefined) expect(movie.score).toBeCloseTo(same.score, 4);
    }
  });
});

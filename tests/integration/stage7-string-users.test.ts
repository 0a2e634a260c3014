import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { MAPPED_KEY_BASE } from '../../src/identity/index.js';
import { latestDatasetVersion } from '../../src/lineage/index.js';
import { loadModelVersion, type ModelsContext, trainModel } from '../../src/models/index.js';
import { foldFeedbackIntoWatchLog } from '../../src/pipelines/fold-feedback.js';
import { openPlatform, type Platform } from '../../src/platform/index.js';
import { type App, buildApp } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { getRegisteredModel, promote } from '../../src/tracking/index.js';
import { createCapturingLogger } from '../helpers/logs.js';
import { contextOf, openTestPlatform, publishSynthetic } from '../helpers/platform.js';
import { createTestHome } from '../helpers/services.js';

const DATA = { users: 300, movies: 200, interactions: 20_000, seed: 8, endDate: '2026-11-01', days: 60 };

interface Answer {
  user_id: number | string | null;
  recommendations: { movie_id: number }[];
  strategy: string;
}

describe('string user ids, end to end', () => {
  let platform: Platform;
  let dispose: () => Promise<void>;
  let context: ModelsContext;
  let serving: ServingService;
  let app: App;
  const get = async (url: string) => app.inject({ method: 'GET', url });
  const post = async (url: string, payload: unknown) =>
    app.inject({ method: 'POST', url, payload: payload as object });
  const ids = async (url: string) =>
    ((await get(url)).json() as Answer).recommendations.map((movie) => movie.movie_id);

  beforeAll(async () => {
    ({ platform, dispose } = await openTestPlatform());
    context = contextOf(platform);
    await publishSynthetic(platform, DATA);
    await trainModel(context, { algorithm: 'als', hyperparameters: { factors: 16, iterations: 6 } });
    await promote(context.db, 'movie_predictor', '1', { actor: 'test', reason: 'test' });
    serving = new ServingService(
      context,
      { ...platform.config.serving, pollIntervalMs: 3_600_000, isBootstrapModel: false },
      platform.metrics,
      platform.users,
    );
    app = await buildApp(platform, { serving, surface: 'serving' });
    await serving.refresh();
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  it('serves a user never seen the cold-start list, echoing their id, and assigns nothing', async () => {
    const response = await get('/api/v1/recommendations?k=5&user_id=test_user_001');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ user_id: 'test_user_001', strategy: 'popular', count: 5 });
    expect(await platform.users.find('test_user_001')).toBeUndefined();
    const anonymous = (await get('/api/v1/recommendations?k=5')).json() as Answer;
    expect(anonymous.user_id).toBeNull();
    expect(anonymous.recommendations.map((movie) => movie.movie_id)).toEqual(
      await ids('/api/v1/recommendations?k=5&user_id=test_user_001'),
    );
  });

  it('gives a string user a key at their first feedback, and their next list follows it at once', async () => {
    const before = await ids('/api/v1/recommendations?k=10&user_id=alice@example.org');
    for (const movie of before.slice(0, 3)) {
      const liked = await post('/api/v1/feedback', {
        user_id: 'alice@example.org',
        movie_id: `movie_${movie}`,
        interaction_type: 'like',
      });
      expect(liked.statusCode).toBe(201);
      expect(liked.json()).toMatchObject({ user_id: 'alice@example.org', movie_id: movie });
    }
    const key = await platform.users.find('alice@example.org');
    expect(key).toBeGreaterThanOrEqual(MAPPED_KEY_BASE);
    const after = (await get('/api/v1/recommendations?k=10&user_id=alice@example.org')).json() as Answer;
    expect(after.user_id).toBe('alice@example.org');
    expect(after.strategy).toBe('fold-in');
    expect(after.recommendations.map((movie) => movie.movie_id)).not.toEqual(before);
    const history = (await get('/api/v1/feedback/alice@example.org')).json();
    expect(history).toMatchObject({ user_id: 'alice@example.org', feedback_count: 3 });
    expect(history.feedback_history[0].user_id).toBe('alice@example.org');
  });

  it('treats 7 and "7" as one user', async () => {
    const byNumber = (await post('/recommend', { user_id: 7, k: 5 })).json() as Answer;
    const byString = (await post('/recommend', { user_id: '7', k: 5 })).json() as Answer;
    const byQuery = (await get('/api/v1/recommendations?user_id=7&k=5')).json() as Answer;
    expect(byString.user_id).toBe(7);
    expect(byString.recommendations).toEqual(byNumber.recommendations);
    expect(byQuery.recommendations).toEqual(byNumber.recommendations);
    const movie = byNumber.recommendations[0]?.movie_id as number;
    await post('/api/v1/feedback', { user_id: '7', movie_id: String(movie), interaction_type: 'dislike' });
    expect(await ids('/api/v1/recommendations?user_id=7&k=5')).not.toContain(movie);
    expect((await get('/api/v1/feedback/7')).json()).toMatchObject({ user_id: 7, feedback_count: 1 });
    expect(await platform.users.count()).toBe(1);
  });

  it('folds the feedback into the next training run: the new model knows the string user', async () => {
    const base = await latestDatasetVersion(context.db, 'watch_log');
    if (base === undefined) throw new Error('no watch log');
    const first = await foldFeedbackIntoWatchLog(context, base);
    expect(first.folded).toBe(3);
    expect(first.version.source).toBe('feedback');
    expect(first.version.row_count).toBe((base.row_count ?? 0) + 3);
    expect(first.version.params).toMatchObject({ base: base.version_id, feedback_rows: 3 });
    // Nothing new since: the same version comes back, and nothing is folded twice.
    const again = await foldFeedbackIntoWatchLog(context, first.version);
    expect(again).toMatchObject({ folded: 0, version: { version_id: first.version.version_id } });

    const trained = await trainModel(context, {
      algorithm: 'als',
      hyperparameters: { factors: 16, iterations: 6 },
      dataset: first.version.version_id,
    });
    const version = trained.modelVersion;
    if (version === undefined) throw new Error('no version registered');
    const model = await loadModelVersion(context, version);
    const key = (await platform.users.find('alice@example.org')) as number;
    expect(model.users.index(key)).toBeDefined();
  });

  it('refuses ids with bad characters or over 128 characters, naming the field', async () => {
    const cases: [Promise<{ statusCode: number; json(): { field?: string } }>, string][] = [
      [get('/api/v1/recommendations?user_id=a%2Fb'), 'querystring.user_id'],
      [get(`/api/v1/recommendations?user_id=${'x'.repeat(129)}`), 'querystring.user_id'],
      [post('/recommend', { user_id: 'two words', k: 3 }), 'body.user_id'],
      [post('/api/v1/feedback', { user_id: ['a'], movie_id: 1, interaction_type: 'like' }), 'body.user_id'],
      [get('/api/v1/feedback/%C3%BC'), 'params.user_id'],
    ];
    for (const [response, field] of cases) {
      const answer = await response;
      expect(answer.statusCode, field).toBe(400);
      expect(answer.json().field, field).toBe(field);
    }
  });
});

describe('the served model name', () => {
  it('defaults to movie_predictor, and a home that serves movie_recommender keeps serving it', async () => {
    const fresh = await openTestPlatform();
    expect(fresh.platform.config.serving.modelName).toBe('movie_predictor');
    await fresh.dispose();

    const { home, remove } = createTestHome();
    const { logger } = createCapturingLogger('warn');
    const config = loadConfig({ env: { MLOPS_HOME: home }, cwd: home });
    const first = await openPlatform(config, logger);
    await publishSynthetic(first, DATA);
    await trainModel(contextOf(first), { algorithm: 'popularity', modelName: 'movie_recommender' });
    await first.close();
    const second = await openPlatform(config, logger);
    try {
      expect(second.config.serving.modelName).toBe('movie_recommender');
      expect((await getRegisteredModel(second.database.db, 'movie_recommender')).name).toBe(
        'movie_recommender',
      );
      const named = await openPlatform(
        loadConfig({ env: { MLOPS_HOME: `${home}-named`, MLOPS_SERVING_MODEL: 'mine' }, cwd: home }),
        logger,
      );
      expect(named.config.serving.modelName).toBe('mine');
      await named.close();
    } finally {
      await second.close();
      remove();
      rmSync(`${home}-named`, { recursive: true, force: true });
    }
  });
});

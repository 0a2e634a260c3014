import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServingConfig } from '../../src/config/index.js';
import { generateSyntheticCatalogue, publicMovies, publishDatasets } from '../../src/data/index.js';
import { type ModelsContext, trainModel } from '../../src/models/index.js';
import type { Platform } from '../../src/platform/index.js';
import { type App, buildApp } from '../../src/server/index.js';
import { bucketOf, ServingService } from '../../src/serving/index.js';
import { getRegisteredModel, promote, setAlias } from '../../src/tracking/index.js';
import { contextOf, openBackend, publishSynthetic, watchedByUser } from '../helpers/platform.js';

const DATA = { users: 400, movies: 250, interactions: 25_000, seed: 21, endDate: '2026-11-01', days: 90 };
const ACTOR = { actor: 'test', reason: 'test' };

function servingConfig(overrides: Partial<ServingConfig> = {}): ServingConfig {
  return {
    isEnabled: true,
    modelName: 'movie_predictor',
    isModelNameSet: true,
    pollIntervalMs: 3_600_000, // tests refresh by hand
    cacheSize: 1000,
    cacheTtlMs: 60_000,
    challengerPercent: 0,
    isBootstrapModel: false,
    index: { mode: 'auto', recallTarget: 0.97 },
    ...overrides,
  };
}

interface Rec {
  movie_id: number;
  title: string;
  genres: string[];
  score: number;
}
interface RecResponse {
  user_id: number;
  recommendations: Rec[];
  count: number;
  model: { name: string; version: string; variant: string; algorithm: string };
  strategy: string;
  cached: boolean;
}

describe('recommendation serving', () => {
  let platform: Platform;
  let dispose: () => Promise<void>;
  let context: ModelsContext;
  let serving: ServingService;
  let app: App;
  let watchedBy: Map<number, Set<number>>;

  const get = async (url: string) => app.inject({ method: 'GET', url });
  const post = async (url: string, payload: unknown) =>
    app.inject({ method: 'POST', url, payload: payload as object });

  beforeAll(async () => {
    ({ platform, dispose } = await openBackend('PGlite + local folder'));
    context = contextOf(platform);
    await publishSynthetic(platform, DATA);
    await trainModel(context, { algorithm: 'als', hyperparameters: { factors: 16, iterations: 6 } });
    await trainModel(context, { algorithm: 'bpr', hyperparameters: { factors: 16, epochs: 5 } });
    await promote(context.db, 'movie_predictor', '1', ACTOR);
    watchedBy = await watchedByUser(platform);
    serving = new ServingService(context, servingConfig(), platform.metrics);
    platform.addHealthCheck(serving.healthCheck());
    app = await buildApp(platform, { serving });
    await serving.refresh();
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  it('answers 503 with Retry-After, and /ready is false, until a model is loaded', async () => {
    const empty = new ServingService(context, servingConfig({ modelName: 'no_such_model' }));
    const emptyApp = await buildApp(platform, { serving: empty, surface: 'serving' });
    await empty.refresh();
    const response = await emptyApp.inject({ method: 'GET', url: '/api/v1/recommendations?user_id=1' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toMatchObject({ error_code: 'MLOPS_ERR_MODEL_NOT_LOADED' });
    expect(response.json().message).toMatch(/no_such_model has no champion version yet/);
    await expect(empty.healthCheck().check()).rejects.toThrow(/no champion/);
    await emptyApp.close();

    const ready = await get('/ready');
    expect(ready.statusCode).toBe(200);
    expect(
      ready.json().components.find((component: { name: string }) => component.name === 'model'),
    ).toMatchObject({
      status: 'up',
      backend: 'als',
      location: 'movie_predictor v1',
    });
  });

  it('recommends unseen movies with details, scores and the model that made them', async () => {
    const user = 5;
    const response = await get(`/api/v1/recommendations?user_id=${user}&k=8`);
    expect(response.statusCode).toBe(200);
    const body = response.json() as RecResponse;
    expect(body).toMatchObject({ user_id: user, count: 8, strategy: 'model', cached: false });
    expect(body.model).toEqual({
      name: 'movie_predictor',
      version: '1',
      variant: 'champion',
      algorithm: 'als',
    });
    expect(body.recommendations[0]).toEqual(
      expect.objectContaining({
        movie_id: expect.any(Number),
        title: expect.any(String),
        genres: expect.any(Array),
        year: expect.any(Number),
      }),
    );
    const scores = body.recommendations.map((movie) => movie.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const movie of body.recommendations) expect(watchedBy.get(user)?.has(movie.movie_id)).toBe(false);

    const again = (await get(`/api/v1/recommendations?user_id=${user}&k=8`)).json() as RecResponse;
    expect(again.cached).toBe(true);
    expect(again.recommendations).toEqual(body.recommendations);

    const withSeen = (
      await post('/recommend', { user_id: user, k: 50, exclude_seen: false })
    ).json() as RecResponse;
    expect(withSeen.recommendations.some((movie) => watchedBy.get(user)?.has(movie.movie_id))).toBe(true);
  });

  it('filters by genre, predicts given movies (reporting unknown ids) and finds similar movies', async () => {
    const drama = (await post('/recommend', { user_id: 7, k: 5, genres: ['Drama'] })).json() as RecResponse;
    expect(drama.count).toBe(5);
    for (const movie of drama.recommendations) expect(movie.genres).toContain('Drama');

    const top = (await get('/api/v1/recommendations?user_id=7&k=2')).json() as RecResponse;
    const ids = top.recommendations.map((movie) => movie.movie_id);
    const predicted = await post('/predict', { user_id: 7, movie_ids: [...ids, 987654] });
    expect(predicted.statusCode).toBe(200);
    expect(predicted.json().predictions.map((entry: { movie_id: number }) => entry.movie_id)).toEqual(ids);
    expect(predicted.json().predictions[0].score).toBeCloseTo(top.recommendations[0]?.score ?? 0, 5);
    expect(predicted.json().unknown).toEqual([{ movie_id: 987654, reason: 'not in the catalogue' }]);

    const similar = await post('/similar', { movie_id: ids[0], k: 4 });
    expect(similar.statusCode).toBe(200);
    expect(similar.json().count).toBe(4);
    expect(similar.json().similar.map((movie: Rec) => movie.movie_id)).not.toContain(ids[0]);
    const missing = await post('/similar', { movie_id: 987654, k: 4 });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({
      field: 'body.movie_id',
      message: 'movie 987654 is not in the catalogue',
    });
  });

  it('gives unknown users popular movies, and personalises at once from their feedback (fold-in)', async () => {
    const stranger = (await get('/api/v1/recommendations?user_id=777777&k=5')).json() as RecResponse;
    expect(stranger.strategy).toBe('popular');
    expect(stranger.count).toBe(5);

    const liked = [...(watchedBy.get(3) ?? [])].slice(0, 5);
    for (const movie of liked) {
      const response = await post('/api/v1/feedback', {
        user_id: 777777,
        movie_id: movie,
        interaction_type: 'like',
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({
        status: 'recorded',
        variant: 'champion',
        model_version: '1',
        positive: true,
      });
    }
    const after = (await get('/api/v1/recommendations?user_id=777777&k=5')).json() as RecResponse;
    expect(after.strategy).toBe('fold-in');
    expect(after.cached).toBe(false);
    expect(after.recommendations.map((movie) => movie.movie_id)).not.toEqual(
      stranger.recommendations.map((movie) => movie.movie_id),
    );
    for (const movie of after.recommendations) expect(liked).not.toContain(movie.movie_id);

    const history = (await get('/api/v1/feedback/777777?limit=3')).json();
    expect(history.feedback_count).toBe(5);
    expect(history.feedback_history).toHaveLength(3);
  });

  it('a known user’s feedback changes their list and hides disliked movies; the cache is invalidated', async () => {
    const user = 11;
    const before = (await get(`/api/v1/recommendations?user_id=${user}&k=5`)).json() as RecResponse;
    expect((await get(`/api/v1/recommendations?user_id=${user}&k=5`)).json().cached).toBe(true);
    const first = before.recommendations[0]?.movie_id as number;
    expect(
      (await post('/api/v1/feedback', { user_id: user, movie_id: first, interaction_type: 'dislike' }))
        .statusCode,
    ).toBe(201);
    const afterDislike = (await get(`/api/v1/recommendations?user_id=${user}&k=5`)).json() as RecResponse;
    expect(afterDislike.cached).toBe(false);
    expect(afterDislike.recommendations.map((movie) => movie.movie_id)).not.toContain(first);

    const second = afterDislike.recommendations[0]?.movie_id as number;
    await post('/api/v1/feedback', { user_id: user, movie_id: second, interaction_type: 'watch' });
    const afterWatch = (await get(`/api/v1/recommendations?user_id=${user}&k=5`)).json() as RecResponse;
    expect(afterWatch.strategy).toBe('fold-in');
    expect(afterWatch.recommendations.map((movie) => movie.movie_id)).not.toContain(second);
  });

  it('undoes a feedback: it stops counting at once and its withdrawal is recorded on user-events', async () => {
    const user = 12;
    const before = (await get(`/api/v1/recommendations?user_id=${user}&k=5`)).json() as RecResponse;
    const first = before.recommendations[0]?.movie_id as number;
    const disliked = (
      await post('/api/v1/feedback', { user_id: user, movie_id: first, interaction_type: 'dislike' })
    ).json() as { feedback_id: string };
    expect(
      ((await get(`/api/v1/recommendations?user_id=${user}&k=5`)).json() as RecResponse).recommendations.map(
        (movie) => movie.movie_id,
      ),
    ).not.toContain(first);
    const undo = await app.inject({
      method: 'DELETE',
      url: `/api/v1/feedback/${user}/${disliked.feedback_id}`,
    });
    expect(undo.statusCode).toBe(200);
    expect(undo.json()).toMatchObject({
      feedback_id: disliked.feedback_id,
      movie_id: first,
      status: 'retracted',
    });
    // The movie is back, and the feedback is no longer the user's.
    const after = (await get(`/api/v1/recommendations?user_id=${user}&k=5`)).json() as RecResponse;
    expect(after.recommendations.map((movie) => movie.movie_id)).toContain(first);
    const history = (await get(`/api/v1/feedback/${user}`)).json();
    expect(history.feedback_history.map((item: { feedback_id: string }) => item.feedback_id)).not.toContain(
      disliked.feedback_id,
    );
    // The withdrawal is an event carrying the feedback as it was given.
    const events = await (await platform.events()).recent({ topic: 'user-events', limit: 20 });
    expect(events.find((event) => event.type === 'feedback.retracted')?.data).toMatchObject({
      feedback_id: disliked.feedback_id,
      user_id: user,
      movie_id: first,
      interaction_type: 'dislike',
    });
    // Undone already, or another user's: not theirs to undo.
    expect(
      (await app.inject({ method: 'DELETE', url: `/api/v1/feedback/${user}/${disliked.feedback_id}` }))
        .statusCode,
    ).toBe(404);

    await post('/api/v1/feedback', { user_id: 'alice_01', movie_id: first, interaction_type: 'like' });
    const audience = (await get(`/api/v1/movies/${first}/audience`)).json();
    expect(audience.movie_id).toBe(first);
    expect(audience.feedback.map((item: { user_id: unknown }) => item.user_id)).toContain('alice_01');
    // The retracted dislike is not part of who reacted to it.
    expect(audience.feedback.some((item: { user_id: unknown }) => item.user_id === user)).toBe(false);
    expect(typeof audience.watches_in_log).toBe('number');
  });

  it('rejects bad input with 400/413 naming the field, and never stores a bad feedback', async () => {
    const cases: [Promise<{ statusCode: number; json(): { field?: string } }>, number, string][] = [
      [get('/api/v1/recommendations?user_id=1&k=0'), 400, 'querystring.k'],
      [get('/api/v1/recommendations?user_id=1&k=101'), 400, 'querystring.k'],
      [get('/api/v1/recommendations?user_id=a%20b'), 400, 'querystring.user_id'],
      [get(`/api/v1/recommendations?user_id=${'u'.repeat(129)}`), 400, 'querystring.user_id'],
      [get('/api/v1/recommendations?user_id=x%00y'), 400, 'querystring.user_id'],
      [get('/?k=1000'), 400, 'querystring.k'],
      [post('/predict', { user_id: 1, movie_ids: ['x'] }), 400, 'body.movie_ids.0'],
      [post('/predict', { user_id: 1.5, movie_ids: [1] }), 400, 'body.user_id'],
      [
        post('/api/v1/feedback', { user_id: 'bad/id', movie_id: 1, interaction_type: 'like' }),
        400,
        'body.user_id',
      ],
      [
        post('/api/v1/feedback', { user_id: 1, movie_id: 'film_1', interaction_type: 'like' }),
        400,
        'body.movie_id',
      ],
      [
        post('/api/v1/feedback', {
          user_id: 'test_user_001',
          movie_id: 'movie_987654',
          interaction_type: 'like',
        }),
        400,
        'body.movie_id',
      ],
      [post('/recommend', { user_id: 1, k: 'ten' }), 400, 'body.k'],
      [
        post('/api/v1/feedback', { user_id: 1, movie_id: 987654, interaction_type: 'like' }),
        400,
        'body.movie_id',
      ],
      [
        post('/api/v1/feedback', { user_id: 1, movie_id: 1, interaction_type: 'love' }),
        400,
        'body.interaction_type',
      ],
      [post('/api/v1/feedback', { user_id: 1, movie_id: 1, interaction_type: 'rating' }), 400, 'body.rating'],
      [post('/predict', { user_id: 1, movie_ids: Array.from({ length: 20_000 }, (_, i) => i) }), 413, 'body'],
    ];
    const before = await context.db
      .selectFrom('feedback')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    for (const [response, status, field] of cases) {
      const answer = await response;
      expect(answer.statusCode, field).toBe(status);
      expect(answer.json().field, field).toBe(field);
    }
    const malformed = await app.inject({
      method: 'POST',
      url: '/recommend',
      payload: '{"user_id":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.statusCode).toBe(400);
    const after = await context.db
      .selectFrom('feedback')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('GET /?k= answers the legacy top-k JSON to API clients and the web UI to browsers', async () => {
    const json = await app.inject({ method: 'GET', url: '/?k=4', headers: { accept: 'application/json' } });
    expect(json.statusCode).toBe(200);
    expect(json.json().recommended_content_id).toHaveLength(4);
    expect(json.json().model).toMatchObject({ name: 'movie_predictor', variant: 'champion' });
    const html = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
  });

  it('hot-swaps to a newly promoted version under concurrent load with zero failed requests', async () => {
    const versions = new Set<string>();
    let failures = 0;
    let requests = 0;
    let stop = false;
    // Real HTTP from 8 concurrent clients, so requests are truly in flight while the swap happens.
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const client = async (worker: number) => {
      for (let i = 0; !stop; i++) {
        const response = await fetch(
          `${address}/api/v1/recommendations?user_id=${(worker * 37 + i) % 400}&k=10`,
        );
        requests++;
        if (response.status !== 200) failures++;
        else versions.add(((await response.json()) as RecResponse).model.version);
      }
    };
    const clients = Array.from({ length: 8 }, (_, worker) => client(worker));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await promote(context.db, 'movie_predictor', '2', ACTOR);
    await serving.refresh();
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop = true;
    await Promise.all(clients);
    expect(failures).toBe(0);
    expect(requests).toBeGreaterThan(50);
    expect([...versions].sort()).toEqual(['1', '2']);
    const now = (await get('/api/v1/recommendations?user_id=1&k=3')).json() as RecResponse;
    expect(now.model).toMatchObject({ version: '2', algorithm: 'bpr' });
    expect((await get('/api/v1/model/info')).json().champion).toMatchObject({
      version: '2',
      algorithm: 'bpr',
    });
  });

  it('A/B: a sticky share of users gets the challenger; responses, feedback and the report are labelled', async () => {
    const champion = (await getRegisteredModel(context.db, 'movie_predictor')).aliases.find(
      (alias) => alias.alias === 'champion',
    )?.version;
    const other = champion === '1' ? '2' : '1';
    await setAlias(context.db, { name: 'movie_predictor', alias: 'challenger', version: other, ...ACTOR });
    const ab = new ServingService(context, servingConfig({ challengerPercent: 30 }));
    const abApp = await buildApp(platform, { serving: ab, surface: 'serving' });
    await ab.refresh();
    let challenger = 0;
    for (let user = 0; user < 400; user++) {
      const first = (
        await abApp.inject({ method: 'GET', url: `/api/v1/recommendations?user_id=${user}&k=3` })
      ).json() as RecResponse;
      const second = (
        await abApp.inject({ method: 'POST', url: '/recommend', payload: { user_id: user, k: 3 } })
      ).json() as RecResponse;
      expect(second.model.variant).toBe(first.model.variant);
      expect(first.model.variant).toBe(bucketOf(user) < 30 ? 'challenger' : 'champion');
      expect(first.model.version).toBe(first.model.variant === 'challenger' ? other : champion);
      if (first.model.variant === 'challenger') challenger++;
    }
    expect(challenger / 400).toBeGreaterThan(0.25);
    expect(challenger / 400).toBeLessThan(0.35);
    const challengerUser = [...Array(400).keys()].find((user) => bucketOf(user) < 30) as number;
    const movie = [...(watchedBy.get(1) ?? [])][0] as number;
    const stored = await abApp.inject({
      method: 'POST',
      url: '/api/v1/feedback',
      payload: { user_id: challengerUser, movie_id: movie, interaction_type: 'click' },
    });
    expect(stored.json()).toMatchObject({ variant: 'challenger', model_version: other });
    const report = (await abApp.inject({ method: 'GET', url: '/api/v1/experiments/ab' })).json();
    expect(report.enabled).toBe(true);
    const [champ, chall] = report.variants;
    expect(chall).toMatchObject({
      variant: 'challenger',
      requests: challenger * 2,
      users: challenger,
      feedback: { total: 1, click: 1 },
    });
    expect(champ).toMatchObject({
      variant: 'champion',
      requests: (400 - challenger) * 2,
      feedback: { total: 0 },
    });
    expect(chall.feedback_rate).toBeCloseTo(1 / (challenger * 2));
    await abApp.close();
  });

  it('exports Prometheus metrics labelled by route, model version and variant, and live traffic figures', async () => {
    for (let user = 0; user < 5; user++) await get(`/api/v1/recommendations?user_id=${user}&k=3`);
    await get('/api/v1/recommendations?user_id=1&k=0');
    const response = await get('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.body;
    expect(text).toMatch(
      /^mlops_http_requests_total\{method="GET",route="\/api\/v1\/recommendations",status="200"\} \d+$/m,
    );
    expect(text).toMatch(
      /^mlops_http_requests_total\{method="GET",route="\/api\/v1\/recommendations",status="400"\} \d+$/m,
    );
    expect(text).toMatch(
      /^mlops_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/v1\/recommendations"\} \d+$/m,
    );
    expect(text).toMatch(
      /^mlops_model_predictions_total\{model="movie_predictor",version="\d",variant="champion"\} \d+$/m,
    );
    expect(text).toMatch(
      /^mlops_model_prediction_duration_seconds_count\{model="movie_predictor",version="\d",variant="champion"\} \d+$/m,
    );
    expect(text).toMatch(
      /^mlops_model_loaded_info\{model="movie_predictor",version="\d",variant="champion",algorithm="(als|bpr)"\} 1$/m,
    );
    expect(text).toMatch(/^mlops_feedback_events_total\{type="like",variant="champion"\} \d+$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).not.toMatch(/route="\/api\/v1\/feedback\/\d+"/); // templates, not paths

    const traffic = (await get('/api/v1/monitoring/traffic?window_seconds=60')).json();
    expect(traffic.requests).toBeGreaterThanOrEqual(6);
    expect(traffic.errors).toBe(1); // the 503 of the first test, answered by an app on the same platform
    expect(traffic.latency_ms.p95).toBeGreaterThan(0);
    expect(traffic.series).toHaveLength(30);
  });
  it('serves an EASE champion: known users from their history, new users from their feedback, similar movies', async () => {
    const trained = await trainModel(context, { algorithm: 'ease', hyperparameters: { reg: 100 } });
    const version = trained.modelVersion?.version as string;
    await promote(context.db, 'movie_predictor', version, ACTOR);
    await serving.refresh();
    const known = (await get('/api/v1/recommendations?user_id=3&k=5')).json() as RecResponse;
    expect(known.model).toMatchObject({ version, algorithm: 'ease' });
    expect(known.strategy).toBe('model');
    expect(known.count).toBe(5);
    for (const movie of known.recommendations) expect(watchedBy.get(3)).not.toContain(movie.movie_id);

    const liked = [...(watchedBy.get(5) ?? [])].slice(0, 4);
    for (const movie of liked)
      await post('/api/v1/feedback', { user_id: 888888, movie_id: movie, interaction_type: 'like' });
    const fresh = (await get('/api/v1/recommendations?user_id=888888&k=5')).json() as RecResponse;
    expect(fresh.strategy).toBe('history');
    for (const movie of fresh.recommendations) expect(liked).not.toContain(movie.movie_id);
  });
  it('serves the popularity baseline, when asked, until a first champion is promoted, then that champion', async () => {
    const fresh = new ServingService(context, servingConfig({ modelName: 'fresh_install' }));
    fresh.serveBaselineUntilChampion();
    const freshApp = await buildApp(platform, { serving: fresh, surface: 'serving' });
    try {
      await fresh.refresh();
      const early = (
        await freshApp.inject({ method: 'GET', url: '/api/v1/recommendations?user_id=5&k=5' })
      ).json() as RecResponse;
      expect(early.model).toEqual({
        name: 'fresh_install',
        version: 'baseline',
        variant: 'baseline',
        algorithm: 'popularity',
      });
      expect(early.strategy).toBe('popular');
      // The most watched movies the user has not seen, most watched first.
      const watchers = new Map<number, number>();
      for (const movies of watchedBy.values())
        for (const movie of movies) watchers.set(movie, (watchers.get(movie) ?? 0) + 1);
      const expected = [...watchers.entries()]
        .filter(([movie]) => !watchedBy.get(5)?.has(movie))
        .sort((a, b) => b[1] - a[1] || a[0] - b[0])
        .slice(0, 5)
        .map(([, count]) => count);
      expect(early.recommendations.map((movie) => movie.score)).toEqual(expected);
      // Not a model: /ready still says none is promoted.
      await expect(fresh.healthCheck().check()).rejects.toThrow(/fresh_install has no champion/);

      const trained = await trainModel(context, {
        algorithm: 'als',
        modelName: 'fresh_install',
        hyperparameters: { factors: 8, iterations: 3 },
      });
      await promote(context.db, 'fresh_install', trained.modelVersion?.version as string, ACTOR);
      await fresh.refresh();
      const later = (
        await freshApp.inject({ method: 'GET', url: '/api/v1/recommendations?user_id=5&k=5' })
      ).json() as RecResponse;
      expect(later.model).toMatchObject({ name: 'fresh_install', version: '1', variant: 'champion' });
      expect(later.cached).toBe(false);
      await expect(fresh.healthCheck().check()).resolves.toMatch(/champion v1 \(als\)/);
    } finally {
      await freshApp.close();
    }
  });
});

describe('the first start, before any watch log', () => {
  it('serves the catalogue’s own popularity until a watch log is published, then the watchers’ counts', async () => {
    const { platform, dispose } = await openBackend('PGlite + local folder');
    try {
      const context = contextOf(platform);
      const options = { users: 80, movies: 40, interactions: 3000, seed: 9, days: 20, endDate: '2026-11-01' };
      const movies = publicMovies(generateSyntheticCatalogue(options));
      await publishDatasets(context, { source: 'synthetic', params: {}, movies });
      const serving = new ServingService(context, servingConfig({ modelName: 'fresh_install' }));
      serving.serveBaselineUntilChampion();
      const app = await buildApp(platform, { serving, surface: 'serving' });
      try {
        await serving.refresh();
        const early = (
          await app.inject({ method: 'GET', url: '/api/v1/recommendations?user_id=5&k=5' })
        ).json() as RecResponse;
        expect(early.model).toMatchObject({
          version: 'baseline',
          variant: 'baseline',
          algorithm: 'popularity',
        });
        // The catalogue's five most popular movies, with their titles.
        const byPopularity = [...movies].sort(
          (a, b) => b.popularity - a.popularity || a.movie_id - b.movie_id,
        );
        expect(early.recommendations.map((movie) => movie.movie_id)).toEqual(
          byPopularity.slice(0, 5).map((movie) => movie.movie_id),
        );
        expect(early.recommendations[0]?.title).toBe(byPopularity[0]?.title);

        await publishSynthetic(platform, options);
        await serving.refresh();
        const later = (
          await app.inject({ method: 'GET', url: '/api/v1/recommendations?user_id=5&k=5' })
        ).json() as RecResponse;
        expect(later.model).toMatchObject({ version: 'baseline', variant: 'baseline' });
        // Now ranked by watchers: whole counts, not the catalogue's fractional scores.
        for (const movie of later.recommendations) expect(Number.isInteger(movie.score)).toBe(true);
        await expect(serving.healthCheck().check()).rejects.toThrow(/fresh_install has no champion/);
      } finally {
        await app.close();
      }
    } finally {
      await dispose();
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlString, withDuckDb } from '../../src/data/index.js';
import {
  BUILTIN_FEATURES,
  defineFeatures,
  FeatureStore,
  featureView,
  listBuilds,
} from '../../src/features/index.js';
import { recordDatasetVersion } from '../../src/lineage/index.js';
import { buildApp } from '../../src/server/index.js';
import { contextOf, openTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { serviceValue } from '../helpers/services.js';

// Feast's write path (POST /push, /write-to-online-store, /materialize, /materialize-incremental) on the
// embedded online store and on Redis: what a writer sends is what a reader gets, bad input is refused
// naming the field, and a refused request writes nothing.

const HOUR = 3_600_000;
const now = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

const movieScores = featureView({
  name: 'movie_scores',
  entities: ['movie'],
  pushSource: 'movie_scores_push',
  ttlSeconds: 7 * 86_400,
  schema: [
    { name: 'score', dtype: 'float64' },
    { name: 'label', dtype: 'string' },
  ],
  source: {
    inputs: ['score_timeline'],
    query: 'select * from score_timeline',
    timestampField: 'event_timestamp',
  },
});

const definitions = defineFeatures({
  ...BUILTIN_FEATURES,
  featureViews: [...BUILTIN_FEATURES.featureViews, movieScores],
});

async function publishTimeline(test: TestPlatform): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'scores-'));
  const file = path.join(dir, 'score_timeline.parquet');
  const stamp = (ms: number) => `make_timestamp(${ms * 1000}::BIGINT)`;
  await withDuckDb((connection) =>
    connection.run(
      `copy (select * from (values (1, ${stamp(now - 10 * HOUR)}, 1.0, 'one'), (2, ${stamp(now - 9 * HOUR)}, 2.0, 'two'))
        t(movie_id, event_timestamp, score, label)) to ${sqlString(file)} (format parquet)`,
    ),
  );
  await recordDatasetVersion(contextOf(test.platform), {
    dataset: 'score_timeline',
    file,
    format: 'parquet',
    source: 'test',
    params: {},
    rowCount: 2,
  });
  rmSync(dir, { recursive: true, force: true });
}

describe.each(['embedded', 'redis'] as const)('Feast write path on the %s online store', (backend) => {
  let test: TestPlatform;
  let store: FeatureStore;
  let app: Awaited<ReturnType<typeof buildApp>>;

  beforeAll(async () => {
    test = await openTestPlatform(
      backend === 'redis'
        ? {
            MLOPS_ONLINE_STORE: 'redis',
            REDIS_URL: serviceValue('MLOPS_TEST_REDIS_URL'),
            MLOPS_REDIS_KEY_PREFIX: `test:feast-write:${process.pid}:${Date.now()}:`,
          }
        : {},
    );
    await publishTimeline(test);
    store = await FeatureStore.open({
      ...contextOf(test.platform),
      config: test.config.features,
      metrics: test.platform.metrics,
    });
    await store.apply(definitions);
    await store.build({ views: ['movie_scores'] });
    app = await buildApp(test.platform, { features: store });
  });
  afterAll(async () => {
    for (const view of ['movie_scores', 'movie_catalogue', 'user_activity'])
      await store?.onlineStore.deleteView(view);
    await app?.close();
    await test?.dispose();
  });

  const post = (url: string, payload: unknown) =>
    app.inject({ method: 'POST', url, payload: payload as object });
  const read = async (ids: unknown[], features = ['movie_scores:score', 'movie_scores:label']) => {
    const response = await post('/get-online-features', { features, entities: { movie_id: ids } });
    expect(response.statusCode).toBe(200);
    return response.json() as {
      metadata: { feature_names: string[] };
      results: { values: unknown[]; statuses: string[]; event_timestamps: string[] }[];
    };
  };

  it('writes one view with write-to-online-store and reads it back, keys given as digits too', async () => {
    const response = await post('/write-to-online-store', {
      feature_view_name: 'movie_scores',
      df: {
        movie_id: [101, '102'],
        score: [0.5, 7],
        label: ['a', null],
        event_timestamp: [iso(now - HOUR).replace('Z', ''), iso(now - HOUR)],
        created: [null, null],
      },
      allow_registry_cache: false,
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('null');
    const answer = await read(['101', 102, 103]);
    expect(answer.metadata.feature_names).toEqual(['movie_id', 'score', 'label']);
    expect(answer.results[0]?.values).toEqual([101, 102, 103]);
    expect(answer.results[1]?.values).toEqual([0.5, 7, null]);
    expect(answer.results[1]?.statuses).toEqual(['PRESENT', 'PRESENT', 'NOT_FOUND']);
    expect(answer.results[2]?.statuses).toEqual(['PRESENT', 'NULL_VALUE', 'NOT_FOUND']);
    expect(Date.parse(answer.results[1]?.event_timestamps[0] ?? '')).toBe(Date.parse(iso(now - HOUR)));
  });

  it('counts the rows written, by view and target, in /metrics', async () => {
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(
      /mlops_feature_store_rows_written_total\{feature_view="movie_scores",target="online"\} 2/,
    );
  });

  it('answers the reference batch route for keys given as digits', async () => {
    const response = await post('/api/v1/features/batch', {
      entity_ids: ['101', 103],
      features: ['movie_scores:score'],
      entity_type: 'movie',
    });
    expect(response.statusCode).toBe(200);
    expect(
      response
        .json()
        .results.map((row: { entity_id: unknown; found: boolean; features: Record<string, unknown> }) => [
          row.entity_id,
          row.found,
          row.features['movie_scores:score'],
        ]),
    ).toEqual([
      ['101', true, 0.5],
      [103, false, null],
    ]);
  });

  it("pushes online in the shape of Feast's docs, and an older row never replaces a newer one", async () => {
    const pushed = await post('/push', {
      push_source_name: 'movie_scores_push',
      df: {
        movie_id: [201],
        score: [3.5],
        label: ['pushed'],
        event_timestamp: [
          iso(now - 2 * HOUR)
            .replace('T', ' ')
            .replace('Z', ''),
        ],
        created: [iso(now).replace('T', ' ').replace('Z', '')],
      },
      to: 'online',
    });
    expect(pushed.statusCode).toBe(200);
    expect(pushed.body).toBe('');
    expect((await read([201])).results[1]?.values).toEqual([3.5]);
    const older = await post('/push', {
      push_source_name: 'movie_scores_push',
      df: { movie_id: [201], score: [-1], label: ['old'], event_timestamp: [iso(now - 5 * HOUR)] },
    });
    expect(older.statusCode).toBe(200);
    expect((await read([201])).results[1]?.values).toEqual([3.5]);
    // Two rows of one entity in one request: the later one stands.
    await post('/push', {
      push_source_name: 'movie_scores_push',
      df: {
        movie_id: [202, 202],
        score: [2, 1],
        label: ['later', 'earlier'],
        event_timestamp: [iso(now - HOUR), iso(now - 3 * HOUR)],
      },
    });
    expect((await read([202])).results[2]?.values).toEqual(['later']);
  });

  it("takes JSON sent as curl -d sends it (Feast's docs), scalars for every row, but not from a browser", async () => {
    const body = JSON.stringify({
      push_source_name: 'movie_scores_push',
      df: {
        movie_id: [211, 212],
        score: [1.5, 2.5],
        label: 'same',
        event_timestamp: [
          iso(now - HOUR)
            .replace('T', ' ')
            .replace('Z', '+00:00'),
          iso(now),
        ],
      },
    });
    const form = await app.inject({
      method: 'POST',
      url: '/push',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: body,
    });
    expect(form.statusCode).toBe(200);
    expect((await read([211, 212])).results[2]?.values).toEqual(['same', 'same']);
    const fromPage = await app.inject({
      method: 'POST',
      url: '/push',
      headers: { 'content-type': 'text/plain', origin: 'https://elsewhere.example' },
      payload: body.replace('211', '213'),
    });
    expect(fromPage.statusCode).toBe(415);
    expect((await read([213])).results[1]?.statuses).toEqual(['NOT_FOUND']);
  });

  it('pushes to a built-in view through its push source, typed values included', async () => {
    const response = await post('/push', {
      push_source_name: 'user_activity_push',
      df: {
        user_id: ['7', 'feast_user_a'],
        event_timestamp: [iso(now - HOUR), iso(now - HOUR)],
        watch_count_7d: [1, 2],
        watch_count_30d: [3, 4],
        watch_count_total: [5, 6],
        avg_rating: [4.5, null],
        last_watched_at: [iso(now - 2 * HOUR), Math.floor((now - 2 * HOUR) / 1000)],
        genre_preference: [[0.5, 0.5], []],
      },
    });
    expect(response.statusCode).toBe(200);
    const answer = await post('/get-online-features', {
      features: [
        'user_activity:watch_count_total',
        'user_activity:last_watched_at',
        'user_activity:genre_preference',
      ],
      entities: { user_id: [7, 'feast_user_a'] },
    });
    const results = answer.json().results;
    expect(results[0].values).toEqual([7, 'feast_user_a']);
    expect(results[1].values).toEqual([5, 6]);
    expect(results[2].values[0]).toBe(iso(now - 2 * HOUR));
    expect(results[3].values).toEqual([[0.5, 0.5], []]);
  });

  it.each([
    [
      'an unknown push source',
      '/push',
      { push_source_name: 'nope', df: { movie_id: [9001] } },
      404,
      'push_source_name',
    ],
    [
      'an unknown feature view',
      '/write-to-online-store',
      { feature_view_name: 'nope', df: { movie_id: [9001] } },
      404,
      'feature_view_name',
    ],
    [
      'columns of different lengths',
      '/push',
      {
        push_source_name: 'movie_scores_push',
        df: { movie_id: [9001, 9002], score: [1], label: ['x', 'y'], event_timestamp: [iso(now), iso(now)] },
      },
      400,
      'df.score',
    ],
    [
      'a wrong type in the second row',
      '/push',
      {
        push_source_name: 'movie_scores_push',
        df: {
          movie_id: [9001, 9002],
          score: [1, 'high'],
          label: ['x', 'y'],
          event_timestamp: [iso(now), iso(now)],
        },
      },
      400,
      'df.score[1]',
    ],
    [
      'a missing feature column',
      '/write-to-online-store',
      {
        feature_view_name: 'movie_scores',
        df: { movie_id: [9001], score: [1], event_timestamp: [iso(now)] },
      },
      400,
      'df.label',
    ],
    [
      'a key that is no integer',
      '/write-to-online-store',
      {
        feature_view_name: 'movie_scores',
        df: {
          movie_id: [9001, 'abc'],
          score: [1, 2],
          label: ['x', 'y'],
          event_timestamp: [iso(now), iso(now)],
        },
      },
      400,
      'df.movie_id[1]',
    ],
    [
      'a timestamp that is no timestamp',
      '/push',
      {
        push_source_name: 'movie_scores_push',
        df: { movie_id: [9001], score: [1], label: ['x'], event_timestamp: ['yesterday'] },
      },
      400,
      'df.event_timestamp[0]',
    ],
    [
      'an unknown push mode',
      '/push',
      {
        push_source_name: 'movie_scores_push',
        df: { movie_id: [9001], score: [1], label: ['x'], event_timestamp: [iso(now)] },
        to: 'both',
      },
      400,
      'body.to',
    ],
  ])('refuses %s (%s) naming the field, and writes nothing', async (_, url, payload, status, field) => {
    const response = await post(url, payload);
    expect(response.statusCode).toBe(status);
    expect(response.json().field).toBe(field);
    expect((await read([9001, 9002])).results[1]?.statuses).toEqual(['NOT_FOUND', 'NOT_FOUND']);
  });

  it('pushes offline: historical retrieval sees the rows, the online store only after materialize', async () => {
    const stamp = now - 4 * HOUR;
    const response = await post('/push', {
      push_source_name: 'movie_scores_push',
      df: {
        movie_id: [301, '1'],
        score: [30.5, 11],
        label: ['offline', 'replaced'],
        event_timestamp: [iso(stamp), iso(stamp)],
      },
      to: 'offline',
    });
    expect(response.statusCode).toBe(200);
    expect((await read([301])).results[1]?.statuses).toEqual(['NOT_FOUND']);
    const historical = await store.historical({
      entities: {
        rows: [
          { movie_id: 301, event_timestamp: iso(now) },
          { movie_id: 1, event_timestamp: iso(now) },
          { movie_id: 2, event_timestamp: iso(now) },
        ],
      },
      features: ['movie_scores:score'],
    });
    expect(historical.rows?.map((row) => row.score)).toEqual([30.5, 11, 2]);
    // A rebuild from the source keeps what was pushed.
    await store.build({ views: ['movie_scores'] });
    expect(
      (await listBuilds(contextOf(test.platform), 'movie_scores', 1))[0]?.inputs.map(
        (input) => input.dataset,
      ),
    ).toEqual(['score_timeline', 'features.movie_scores.pushed']);
    const rebuilt = await store.historical({
      entities: { rows: [{ movie_id: 301, event_timestamp: iso(now) }] },
      features: ['movie_scores:score'],
    });
    expect(rebuilt.rows?.[0]?.score).toBe(30.5);

    const materialized = await post('/materialize', {
      start_ts: iso(now - 6 * HOUR),
      end_ts: iso(now),
      feature_views: ['movie_scores'],
    });
    expect(materialized.statusCode).toBe(200);
    expect(materialized.body).toBe('null');
    const answer = await read([301, 2]);
    expect(answer.results[1]?.values).toEqual([30.5, null]);
    // Movie 2's only row (9 hours ago) is before start_ts: not materialized.
    expect(answer.results[1]?.statuses).toEqual(['PRESENT', 'NOT_FOUND']);
  });

  it('pushes online and offline at once, and materializes incrementally', async () => {
    const response = await post('/push', {
      push_source_name: 'movie_scores_push',
      df: { movie_id: [401], score: [40], label: ['both'], event_timestamp: [iso(now - HOUR)] },
      to: 'online_and_offline',
    });
    expect(response.statusCode).toBe(200);
    expect((await read([401])).results[1]?.values).toEqual([40]);
    const historical = await store.historical({
      entities: { rows: [{ movie_id: 401, event_timestamp: iso(now) }] },
      features: ['movie_scores:label'],
    });
    expect(historical.rows?.[0]?.label).toBe('both');
    const incremental = await post('/materialize-incremental', {
      end_ts: iso(now),
      feature_views: ['movie_scores'],
    });
    expect(incremental.statusCode).toBe(200);
    expect((await read([2])).results[1]?.statuses).toEqual(['NOT_FOUND']);
    const everything = await post('/materialize', {
      disable_event_timestamp: true,
      feature_views: ['movie_scores'],
    });
    expect(everything.statusCode).toBe(200);
    expect((await read([2])).results[1]?.values).toEqual([2]);
  });

  it.each([
    ['/materialize', { start_ts: iso(now), end_ts: iso(now - HOUR) }, 400, 'body.start_ts'],
    ['/materialize', { start_ts: iso(now - HOUR) }, 400, 'body.end_ts'],
    ['/materialize', { start_ts: 'soon', end_ts: iso(now) }, 400, 'body.start_ts'],
    [
      '/materialize',
      { start_ts: iso(now - HOUR), end_ts: iso(now), feature_views: ['nope'] },
      404,
      'feature_views',
    ],
    ['/materialize-incremental', {}, 400, 'body.end_ts'],
    ['/materialize-incremental', { end_ts: iso(now), feature_views: ['nope'] }, 404, 'feature_views'],
  ])('refuses %s %j naming the field', async (url, payload, status, field) => {
    const response = await post(url, payload);
    expect(response.statusCode).toBe(status);
    expect(response.json().field).toBe(field);
  });

  it('keeps appending offline after the view gains a feature', async () => {
    const grown = featureView({
      ...movieScores,
      schema: [...movieScores.schema, { name: 'extra', dtype: 'int64' }],
      source: {
        ...movieScores.source,
        query: 'select *, null::bigint as extra from score_timeline',
      },
    });
    await store.apply(
      defineFeatures({ ...definitions, featureViews: [...BUILTIN_FEATURES.featureViews, grown] }),
    );
    const response = await post('/push', {
      push_source_name: 'movie_scores_push',
      df: { movie_id: [501], score: [5], label: ['grown'], extra: [42], event_timestamp: [iso(now - HOUR)] },
      to: 'offline',
      allow_registry_cache: false,
    });
    expect(response.statusCode, response.body).toBe(200);
    const historical = await store.historical({
      entities: {
        rows: [
          { movie_id: 501, event_timestamp: iso(now) },
          { movie_id: 301, event_timestamp: iso(now) },
        ],
      },
      features: ['movie_scores:score', 'movie_scores:extra'],
    });
    expect(historical.rows?.map((row) => [row.score, row.extra])).toEqual([
      [5, 42],
      [30.5, null],
    ]);
  });
});

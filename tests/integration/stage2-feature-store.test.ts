import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { sqlString, withDuckDb } from '../../src/data/index.js';
import {
  BUILTIN_FEATURES,
  defineFeatures,
  EmbeddedOnlineStore,
  type FeatureDefinitions,
  FeatureStore,
  featureService,
  featureView,
  type OnlineStore,
} from '../../src/features/index.js';
import { RedisOnlineStore } from '../../src/features/online/redis-online-store.js';
import { recordDatasetVersion } from '../../src/lineage/index.js';
import { createLogger } from '../../src/logging/index.js';
import { openPlatform, type Platform } from '../../src/platform/index.js';
import { buildApp } from '../../src/server/index.js';
import { contextOf, openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';
import { createPostgresDatabase, createTestHome, serviceValue } from '../helpers/services.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (days: number, hours = 0, minutes = 0) =>
  new Date(T0 + days * DAY + hours * 3_600_000 + minutes * 60_000);

// A hand-made timeline: when each movie's score changed.
const TIMELINE = [
  { movie_id: 1, event_timestamp: at(0, 10), score: 1 },
  { movie_id: 1, event_timestamp: at(2), score: 3 },
  { movie_id: 1, event_timestamp: at(9), score: 10 },
  { movie_id: 2, event_timestamp: at(1), score: 2 },
];

const movieScores = featureView({
  name: 'movie_scores',
  entities: ['movie'],
  description: 'hand-made timeline',
  ttlSeconds: 2 * 86_400,
  schema: [{ name: 'score', dtype: 'float64' }],
  source: {
    inputs: ['score_timeline'],
    query: 'select * from score_timeline',
    timestampField: 'event_timestamp',
  },
});

function definitionsWith(extra: Partial<FeatureDefinitions>): FeatureDefinitions {
  return defineFeatures({
    entities: [...BUILTIN_FEATURES.entities, ...(extra.entities ?? [])],
    featureViews: [...BUILTIN_FEATURES.featureViews, ...(extra.featureViews ?? [])],
    onDemandFeatureViews: [...BUILTIN_FEATURES.onDemandFeatureViews, ...(extra.onDemandFeatureViews ?? [])],
    featureServices: [...BUILTIN_FEATURES.featureServices, ...(extra.featureServices ?? [])],
  });
}

async function publishTimeline(platform: Platform, rows: typeof TIMELINE): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'timeline-'));
  const file = path.join(dir, 'score_timeline.parquet');
  await withDuckDb(async (connection) => {
    const values = rows
      .map(
        (row) =>
          `(${row.movie_id}, make_timestamp(${row.event_timestamp.getTime() * 1000}::BIGINT), ${row.score})`,
      )
      .join(', ');
    await connection.run(
      `copy (select * from (values ${values}) t(movie_id, event_timestamp, score)) to ${sqlString(file)} (format parquet)`,
    );
  });
  await recordDatasetVersion(contextOf(platform), {
    dataset: 'score_timeline',
    file,
    format: 'parquet',
    source: 'test',
    params: {},
    rowCount: rows.length,
  });
  rmSync(dir, { recursive: true, force: true });
}

let test: TestPlatform;
let store: FeatureStore;

beforeAll(async () => {
  test = await openTestPlatform();
  await publishSynthetic(test.platform, {
    users: 300,
    movies: 200,
    interactions: 20_000,
    seed: 7,
    days: 60,
    endDate: new Date().toISOString().slice(0, 10),
  });
  await publishTimeline(test.platform, TIMELINE);
  store = await FeatureStore.open({
    ...contextOf(test.platform),
    config: test.config.features,
    metrics: test.platform.metrics,
  });
  await store.apply(
    definitionsWith({
      featureViews: [movieScores],
      featureServices: [
        featureService({ name: 'scoring', features: ['movie_scores:score', 'movie_catalogue:popularity'] }),
      ],
    }),
  );
  await store.build();
});

afterAll(async () => {
  await store?.close();
  await test?.dispose();
});

describe('point-in-time historical retrieval', () => {
  it('gives each row the value as of its own time: never a later one, nothing older than the TTL', async () => {
    const rows = [
      { movie_id: 1, event_timestamp: at(0, 9, 59), expected: null }, // before the first value
      { movie_id: 1, event_timestamp: at(0, 10), expected: 1 }, // exactly when it became true
      { movie_id: 1, event_timestamp: at(1, 12), expected: 1 }, // the later 3 is not visible yet
      { movie_id: 1, event_timestamp: at(2), expected: 3 },
      { movie_id: 1, event_timestamp: at(3, 23, 59), expected: 3 }, // within the 2-day TTL
      { movie_id: 1, event_timestamp: at(4, 0, 1), expected: null }, // 3 is older than the TTL
      { movie_id: 1, event_timestamp: at(9, 1), expected: 10 },
      { movie_id: 2, event_timestamp: at(0), expected: null },
      { movie_id: 2, event_timestamp: at(2, 12), expected: 2 },
      { movie_id: 3, event_timestamp: at(5), expected: null }, // unknown movie
    ];
    const result = await store.historical({
      entities: {
        rows: rows.map(({ movie_id, event_timestamp }) => ({
          movie_id,
          event_timestamp: event_timestamp.toISOString(),
        })),
      },
      features: ['movie_scores:score'],
    });
    expect(result.columns).toEqual(['movie_id', 'event_timestamp', 'score']);
    expect(result.rows?.map((row) => row.score)).toEqual(rows.map((row) => row.expected));
    expect(result.rows?.map((row) => row.movie_id)).toEqual(rows.map((row) => row.movie_id));
  });

  it('agrees with a brute-force as-of lookup on 500 random rows', async () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const rows = Array.from({ length: 500 }, () => ({
      movie_id: 1 + Math.floor(random() * 3),
      event_timestamp: new Date(T0 - DAY + Math.floor(random() * 13 * DAY)),
    }));
    const expected = rows.map((row) => {
      const candidates = TIMELINE.filter(
        (item) =>
          item.movie_id === row.movie_id && item.event_timestamp.getTime() <= row.event_timestamp.getTime(),
      ).sort((a, b) => b.event_timestamp.getTime() - a.event_timestamp.getTime());
      const latest = candidates[0];
      if (latest === undefined) return null;
      return row.event_timestamp.getTime() - latest.event_timestamp.getTime() <= 2 * DAY
        ? latest.score
        : null;
    });
    const result = await store.historical({
      entities: { rows: rows.map((row) => ({ ...row, event_timestamp: row.event_timestamp.toISOString() })) },
      features: ['movie_scores'],
    });
    expect(result.rows?.map((row) => row.score)).toEqual(expected);
  });

  it('joins several views, with full feature names, and names what is missing', async () => {
    const result = await store.historical({
      entities: {
        rows: [{ movie_id: 1, user_id: 1, event_timestamp: new Date(Date.now() - 5 * DAY).toISOString() }],
      },
      features: ['movie_catalogue:popularity', 'user_activity:watch_count_total', 'movie_activity'],
      fullFeatureNames: true,
    });
    expect(result.columns).toEqual([
      'movie_id',
      'user_id',
      'event_timestamp',
      'movie_catalogue__popularity',
      'user_activity__watch_count_total',
      'movie_activity__watch_count_7d',
      'movie_activity__watch_count_30d',
      'movie_activity__avg_watch_ratio_30d',
      'movie_activity__avg_rating_30d',
    ]);
    await expect(
      store.historical({
        entities: { rows: [{ movie_id: 1, event_timestamp: '2026-01-01' }] },
        features: ['movie_scores:nope', 'ghost'],
      }),
    ).rejects.toThrow('unknown features: movie_scores:nope, ghost');
    await expect(
      store.historical({
        entities: { rows: [{ movie_id: 1, event_timestamp: '2026-01-01' }] },
        features: ['user_activity'],
      }),
    ).rejects.toThrow('feature view user_activity needs the entity column "user_id"');
    await expect(
      store.historical({
        entities: { rows: [{ movie_id: 1, when: '2026-01-01' }] },
        features: ['movie_scores'],
      }),
    ).rejects.toThrow('the entity rows have no "event_timestamp" column');
    await expect(
      store.historical({
        entities: { rows: [{ movie_id: 1, event_timestamp: '2026-01-01' }] },
        features: ['user_movie_affinity:genre_affinity'],
      }),
    ).rejects.toThrow('on-demand features are computed at serving time');
  });
});

describe('builds', () => {
  it('records each build as a dataset version with lineage, statistics and validation', async () => {
    const registry = await store.registry();
    const builds = await store.build({ views: ['movie_activity'] });
    const build = builds[0];
    expect(build?.validation.passed).toBe(true);
    expect(build?.row_count).toBeGreaterThan(200);
    const count = build?.statistics.features.find((feature) => feature.name === 'watch_count_7d');
    expect(count?.count).toBe(build?.row_count);
    expect(count?.min).toBeGreaterThanOrEqual(1);
    expect(count?.histogram?.counts.reduce((sum, value) => sum + value, 0)).toBe(build?.row_count);
    expect(build?.inputs.map((input) => input.dataset)).toEqual(['watch_log']);
    const lineage = await test.platform.database.db
      .selectFrom('lineage_edges')
      .selectAll()
      .where('child_id', '=', build?.dataset_version_id ?? '')
      .execute();
    expect(lineage.map((edge) => `${edge.parent_kind}:${edge.parent_id}`).sort()).toEqual(
      [
        `dataset:${build?.inputs[0]?.version_id}`,
        `feature_definition:movie_activity@${registry.featureViews.find((view) => view.name === 'movie_activity')?.version}`,
      ].sort(),
    );
    const genres = (await store.build({ views: ['movie_catalogue'] }))[0]?.statistics.features.find(
      (feature) => feature.name === 'genres',
    );
    expect(genres?.top?.length).toBeGreaterThan(3);
  });

  it('names a source query that lacks a declared column, and builds nothing', async () => {
    const broken = featureView({
      ...movieScores,
      name: 'broken_scores',
      source: { ...movieScores.source, query: 'select movie_id, score from score_timeline' },
    });
    await store.apply(
      definitionsWith({
        featureViews: [movieScores, broken],
        featureServices: [
          featureService({ name: 'scoring', features: ['movie_scores:score', 'movie_catalogue:popularity'] }),
        ],
      }),
    );
    await expect(store.build({ views: ['broken_scores'] })).rejects.toThrow(
      'feature view broken_scores: its source query returns no column "event_timestamp"',
    );
    const builds = await test.platform.database.db
      .selectFrom('feature_builds')
      .select('build_id')
      .where('feature_view', '=', 'broken_scores')
      .execute();
    expect(builds).toEqual([]);
  });
});

describe('the registry', () => {
  it('versions changed definitions with a diff, and leaves unchanged ones alone', async () => {
    const base = definitionsWith({
      featureViews: [movieScores],
      featureServices: [
        featureService({ name: 'scoring', features: ['movie_scores:score', 'movie_catalogue:popularity'] }),
      ],
    });
    const before =
      (await store.registry()).featureViews.find((view) => view.name === 'movie_scores')?.version ?? 0;
    const changed = definitionsWith({
      featureViews: [{ ...movieScores, ttlSeconds: 86_400, schema: [...movieScores.schema] }],
      featureServices: [
        featureService({ name: 'scoring', features: ['movie_scores:score', 'movie_catalogue:popularity'] }),
      ],
    });
    const dry = await store.apply(changed, { dryRun: true });
    expect(dry.find((change) => change.name === 'movie_scores')?.change).toBe('changed');
    expect((await store.registry()).featureViews.find((view) => view.name === 'movie_scores')?.version).toBe(
      before,
    );

    const plan = await store.apply(changed);
    const change = plan.find((item) => item.name === 'movie_scores');
    expect(change).toMatchObject({ change: 'changed', from_version: before, to_version: before + 1 });
    expect(change?.diff).toEqual(['- ttl_seconds: 172800', '+ ttl_seconds: 86400']);
    expect(plan.filter((item) => item.change === 'unchanged').map((item) => item.name)).toContain(
      'movie_catalogue',
    );
    const restored = await store.apply(base);
    expect(restored.find((item) => item.name === 'movie_scores')?.to_version).toBe(before + 2);
  });

  it('refuses to remove a view a feature service uses, changing nothing', async () => {
    const before = await store.registry();
    const withoutScores = definitionsWith({
      featureServices: [
        featureService({ name: 'scoring', features: ['movie_scores:score', 'movie_catalogue:popularity'] }),
      ],
    });
    await expect(store.apply(withoutScores)).rejects.toMatchObject({
      code: 'MLOPS_ERR_FEATURE_VIEW_IN_USE',
      message: expect.stringContaining('feature service scoring uses feature view movie_scores'),
    });
    expect((await store.registry()).objects).toEqual(before.objects);
  });

  it('refuses duplicate names and a view without a timestamp field, changing nothing', async () => {
    const before = await store.registry();
    await expect(
      store.apply(definitionsWith({ featureViews: [movieScores, { ...movieScores }] })),
    ).rejects.toThrow('feature view "movie_scores" is defined twice');
    const noTimestamp = { ...movieScores, source: { inputs: ['score_timeline'], query: 'select 1' } };
    await expect(
      store.apply(definitionsWith({ featureViews: [noTimestamp as unknown as typeof movieScores] })),
    ).rejects.toThrow('featureViews[4].source.timestampField: must be a name');
    expect((await store.registry()).objects).toEqual(before.objects);
  });
});

describe('materialization', () => {
  it('copies the latest values within TTL, then only newer rows incrementally', async () => {
    const full = await store.materialize({ views: ['movie_scores'], endTime: at(2, 12) });
    expect(full[0]).toMatchObject({ mode: 'full', rows: 2, written: 2 });
    const read = (now: Date) =>
      store.getOnlineFeatures({ features: ['movie_scores:score'], entities: { movie_id: [1, 2, 3] } }, now);
    let response = await read(at(2, 13));
    expect(response.results[1]?.values).toEqual([3, 2, null]);
    expect(response.results[1]?.statuses).toEqual(['PRESENT', 'PRESENT', 'NOT_FOUND']);
    expect(response.results[1]?.event_timestamps.slice(0, 2)).toEqual([
      at(2).toISOString(),
      at(1).toISOString(),
    ]);

    const incremental = await store.materialize({
      views: ['movie_scores'],
      endTime: at(10),
      incremental: true,
    });
    expect(incremental[0]).toMatchObject({ mode: 'incremental', rows: 1, start_ts: at(2, 12) });
    response = await read(at(10));
    expect(response.results[1]?.values).toEqual([10, null, null]);
    // Movie 2's value is from day 1: past its 2-day TTL on day 10.
    expect(response.results[1]?.statuses).toEqual(['PRESENT', 'OUTSIDE_MAX_AGE', 'NOT_FOUND']);

    const again = await store.materialize({ views: ['movie_scores'], endTime: at(10), incremental: true });
    expect(again[0]?.rows).toBe(0);
  });

  it('never moves an entity back in time when an older window is materialized again', async () => {
    const result = await store.materialize({ views: ['movie_scores'], endTime: at(2, 12) });
    expect(result[0]).toMatchObject({ rows: 2, written: 1 }); // movie 1 keeps its day-9 value
    const response = await store.getOnlineFeatures(
      { features: ['movie_scores:score'], entities: { movie_id: [1] } },
      at(10),
    );
    expect(response.results[1]?.values).toEqual([10]);
  });
});

describe.each(['embedded', 'redis'] as const)('the %s online store', (backend) => {
  let online: OnlineStore;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    if (backend === 'embedded') {
      online = await EmbeddedOnlineStore.open(test.platform.database.db);
      dispose = () => online.close();
    } else {
      const prefix = `test:${process.pid}:${Date.now()}:`;
      online = await RedisOnlineStore.open(serviceValue('MLOPS_TEST_REDIS_URL'), { keyPrefix: prefix });
      dispose = async () => {
        await online.deleteView('suite');
        await online.close();
      };
    }
  });
  afterAll(() => dispose());

  it('reads back what was written, in the asked order, and nothing for unknown keys', async () => {
    await online.write('suite', [
      { entityKey: '1', values: { a: 1, b: 'x', c: [1.5, 2], d: null }, eventTimestamp: 1000 },
      { entityKey: '2', values: { a: 2, b: 'y', c: [], d: true }, eventTimestamp: 2000 },
    ]);
    const hits = await online.read('suite', ['2', '9', '1'], ['d', 'a', 'c', 'missing']);
    expect(hits).toEqual([
      { values: [true, 2, [], null], eventTimestamp: 2000 },
      undefined,
      { values: [null, 1, [1.5, 2], null], eventTimestamp: 1000 },
    ]);
  });

  it('keeps the newer row when an older one arrives', async () => {
    expect(await online.write('suite', [{ entityKey: '1', values: { a: 100 }, eventTimestamp: 500 }])).toBe(
      0,
    );
    expect(await online.write('suite', [{ entityKey: '1', values: { a: 3 }, eventTimestamp: 3000 }])).toBe(1);
    expect(await online.read('suite', ['1'], ['a', 'b'])).toEqual([
      { values: [3, null], eventTimestamp: 3000 },
    ]);
  });

  it('writes thousands of rows in batches and forgets a removed view', async () => {
    const rows = Array.from({ length: 2500 }, (_, index) => ({
      entityKey: String(1000 + index),
      values: { a: index },
      eventTimestamp: 10_000,
    }));
    expect(await online.write('bulk', rows)).toBe(2500);
    expect((await online.read('bulk', ['3499'], ['a']))[0]?.values).toEqual([2499]);
    await online.deleteView('bulk');
    expect(await online.read('bulk', ['1000', '3499'], ['a'])).toEqual([undefined, undefined]);
  });
});

describe('the embedded online store on PostgreSQL', () => {
  it("catches up with another process's writes", async () => {
    const database = await createPostgresDatabase();
    const { home, remove } = createTestHome({ withDatabase: false });
    const logger = createLogger({ level: 'silent', format: 'json' });
    const config = loadConfig({ env: { MLOPS_HOME: home, MLOPS_DATABASE_URL: database.url }, cwd: home });
    const first = await openPlatform(config, logger);
    const second = await openPlatform(config, logger);
    try {
      const writer = await EmbeddedOnlineStore.open(first.database.db);
      const reader = await EmbeddedOnlineStore.open(second.database.db, { syncIntervalMs: 50 });
      // An idle reader catches up on its own: the first read after the write is already current.
      await writer.write('shared', [{ entityKey: '7', values: { a: 1 }, eventTimestamp: 1 }]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await reader.read('shared', ['7'], ['a'])).toEqual([{ values: [1], eventTimestamp: 1 }]);
      await writer.write('shared', [{ entityKey: '7', values: { a: 2 }, eventTimestamp: 2 }]);
      await reader.catchUp();
      expect(await reader.read('shared', ['7'], ['a'])).toEqual([{ values: [2], eventTimestamp: 2 }]);
    } finally {
      await first.close();
      await second.close();
      await database.drop();
      remove();
    }
  });
});

describe('the HTTP routes', () => {
  let app: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => {
    await store.materialize({ views: ['movie_catalogue', 'movie_activity', 'user_activity'] });
    app = await buildApp(test.platform, { features: store });
  });
  afterAll(async () => {
    // The store is closed by the suite's afterAll; the app's onClose would close it twice.
    await app.close();
  });

  const post = (url: string, payload: unknown) =>
    app.inject({ method: 'POST', url, payload: payload as object });

  it("answers Feast's get-online-features shape: join keys first, column-major, with statuses", async () => {
    const response = await post('/get-online-features', {
      features: [
        'movie_catalogue:popularity',
        'movie_catalogue:genres',
        'user_activity:watch_count_30d',
        'user_movie_affinity:genre_affinity',
      ],
      entities: { movie_id: [1, 999_999], user_id: [1, 2] },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.metadata.feature_names).toEqual([
      'movie_id',
      'user_id',
      'popularity',
      'genres',
      'watch_count_30d',
      'genre_affinity',
    ]);
    expect(body.results).toHaveLength(6);
    expect(body.results[0]).toEqual({
      values: [1, 999_999],
      statuses: ['PRESENT', 'PRESENT'],
      event_timestamps: ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'],
    });
    expect(body.results[2].statuses).toEqual(['PRESENT', 'NOT_FOUND']);
    expect(typeof body.results[2].values[0]).toBe('number');
    expect(body.results[2].values[1]).toBeNull();
    expect(Array.isArray(body.results[3].values[0])).toBe(true);
    const affinity = body.results[5].values[0];
    expect(affinity).toBeGreaterThanOrEqual(0);
    expect(affinity).toBeLessThanOrEqual(1);
    expect(body.results[5].statuses[1]).toBe('NULL_VALUE'); // no genres for an unknown movie
  });

  it('serves a feature service with full feature names', async () => {
    const response = await post('/get-online-features', {
      feature_service: 'movie_profile',
      entities: { movie_id: [1] },
      full_feature_names: true,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().metadata.feature_names).toEqual([
      'movie_id',
      'movie_catalogue__popularity',
      'movie_catalogue__vote_average',
      'movie_catalogue__vote_count',
      'movie_catalogue__genres',
      'movie_catalogue__release_year',
      'movie_activity__watch_count_7d',
      'movie_activity__watch_count_30d',
      'movie_activity__avg_watch_ratio_30d',
      'movie_activity__avg_rating_30d',
    ]);
  });

  it('marks values past their TTL OUTSIDE_MAX_AGE', async () => {
    // movie_scores was materialized with January 2026 values and a 2-day TTL.
    const response = await post('/get-online-features', {
      features: ['movie_scores:score'],
      entities: { movie_id: [1] },
    });
    expect(response.json().results[1]).toMatchObject({ values: [null], statuses: ['OUTSIDE_MAX_AGE'] });
  });

  it.each([
    [
      { features: ['movie_catalogue:nope', 'ghost:x'], entities: { movie_id: [1] } },
      'unknown features: movie_catalogue:nope, ghost:x',
      'features',
    ],
    [
      { features: ['movie_catalogue'], entities: { film_id: [1] } },
      'unknown entity columns: film_id',
      'entities',
    ],
    [
      { features: ['movie_catalogue'], entities: { movie_id: [1, 'two'] } },
      'entities.movie_id[1] must be an integer (got "two")',
      'entities.movie_id[1]',
    ],
    [
      { features: ['movie_catalogue'], entities: { movie_id: [1.5] } },
      'entities.movie_id[0] must be an integer',
      'entities.movie_id[0]',
    ],
    [
      { features: ['movie_catalogue'], entities: { movie_id: [1, 2], user_id: [1] } },
      'must have the same length',
      'entities.user_id',
    ],
    [
      { features: ['user_activity'], entities: { movie_id: [1] } },
      'needs the entity column "user_id"',
      'entities',
    ],
    [
      { feature_service: 'nope', entities: { movie_id: [1] } },
      'unknown feature service "nope"',
      'feature_service',
    ],
    [
      { features: ['movie_catalogue'], feature_service: 'movie_profile', entities: { movie_id: [1] } },
      'give either features or feature_service',
      'body.features',
    ],
    [
      {
        features: ['movie_catalogue'],
        entities: { movie_id: Array.from({ length: 1001 }, (_, index) => index) },
      },
      'over the limit of 1000 per request',
      'entities',
    ],
  ])('refuses %j with a 400 naming the problem', async (payload, message, field) => {
    const response = await post('/get-online-features', payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain(message);
    expect(response.json().field).toBe(field);
  });

  it('refuses malformed JSON', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/get-online-features',
      headers: { 'content-type': 'application/json' },
      payload: '{"features": [',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error_code).toBe('MLOPS_ERR_REQUEST_MALFORMED_BODY');
  });

  it("answers the reference's GET /api/v1/features/movie/{id}, unknown movies included", async () => {
    const known = await app.inject({ url: '/api/v1/features/movie/1?features=popularity,watch_count_7d' });
    expect(known.statusCode).toBe(200);
    expect(known.json()).toMatchObject({ entity_type: 'movie', entity_id: 1, found: true });
    expect(Object.keys(known.json().features)).toEqual(['popularity', 'watch_count_7d']);
    const unknown = await app.inject({ url: '/api/v1/features/movie/424242' });
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json().found).toBe(false);
    expect(Object.values(unknown.json().statuses).every((status) => status === 'NOT_FOUND')).toBe(true);
    expect((await app.inject({ url: '/api/v1/features/movie/abc' })).json().field).toBe('params.entity_id');
    expect((await app.inject({ url: '/api/v1/features/film/1' })).statusCode).toBe(404);
  });

  it("answers the reference's POST /api/v1/features/batch", async () => {
    const response = await post('/api/v1/features/batch', {
      entity_ids: [1, 2, 999_999],
      features: ['popularity', 'genres'],
      entity_type: 'movie',
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.count).toBe(3);
    expect(body.feature_names).toEqual(['popularity', 'genres']);
    expect(body.results.map((row: { found: boolean }) => row.found)).toEqual([true, true, false]);
    const users = await post('/api/v1/features/batch', {
      entity_ids: [1],
      features: ['watch_count_7d'],
      entity_type: 'user',
    });
    expect(users.json()).toMatchObject({ entity_type: 'user', feature_names: ['watch_count_7d'], count: 1 });
    const unknown = await post('/api/v1/features/batch', { entity_ids: [1], features: ['ratings'] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toContain('unknown movie feature "ratings"');
    expect(unknown.json().message).toContain('short names: rating, genre');
  });

  it('lists the registry with builds and materialization, and one view with its statistics', async () => {
    const registry = (await app.inject({ url: '/api/v1/features/registry' })).json();
    expect(registry.online_store).toBe('embedded');
    const activity = registry.feature_views.find((view: { name: string }) => view.name === 'movie_activity');
    expect(activity.latest_build.is_valid).toBe(true);
    expect(activity.materialization.row_count).toBeGreaterThan(0);
    expect(registry.feature_services.map((service: { name: string }) => service.name)).toContain(
      'recommender_v1',
    );
    const view = (await app.inject({ url: '/api/v1/features/views/movie_activity' })).json();
    expect(view.spec.ttl_seconds).toBe(30 * 86_400);
    expect(view.builds[0].statistics.features.map((feature: { name: string }) => feature.name)).toEqual([
      'watch_count_7d',
      'watch_count_30d',
      'avg_watch_ratio_30d',
      'avg_rating_30d',
    ]);
    expect((await app.inject({ url: '/api/v1/features/views/nope' })).statusCode).toBe(404);
  });

  it('exports feature read metrics', async () => {
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/mlops_feature_store_read_duration_seconds_count\{store="embedded"\} [1-9]/);
    expect(metrics).toMatch(
      /mlops_feature_store_values_total\{feature_view="movie_catalogue",status="NOT_FOUND"\} [1-9]/,
    );
  });
});

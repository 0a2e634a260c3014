import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlString, withDuckDb } from '../../src/data/index.js';
import {
  BUILTIN_FEATURES,
  type FeatureBuild,
  FeatureStore,
  validateDefinitions,
} from '../../src/features/index.js';
import { localDatasetFile } from '../../src/features/offline-store.js';
import { resolveDatasetVersion } from '../../src/lineage/index.js';
import { contextOf, openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';

// A build in passes over ranges of the entity must give exactly the rows, in exactly the order, of a build
// in one pass: the passes only bound the memory of large logs (MLOPS_FEATURES_BUILD_ROWS_PER_PASS).

let test: TestPlatform;
let store: FeatureStore;

beforeAll(async () => {
  test = await openTestPlatform();
  await publishSynthetic(test.platform, {
    users: 300,
    movies: 200,
    interactions: 20_000,
    seed: 11,
    days: 60,
    endDate: new Date().toISOString().slice(0, 10),
  });
  store = await FeatureStore.open({
    ...contextOf(test.platform),
    config: test.config.features,
    metrics: test.platform.metrics,
  });
  await store.apply(BUILTIN_FEATURES);
});

afterAll(async () => {
  await store?.close();
  await test?.dispose();
});

/** The rows of a build's Parquet file, in file order, with 64-bit integers as text. */
async function rowsOf(build: FeatureBuild | undefined): Promise<unknown[][]> {
  const context = contextOf(test.platform);
  const version = await resolveDatasetVersion(context.db, build?.dataset_version_id ?? '');
  const file = await localDatasetFile(context, version);
  return withDuckDb(async (connection) => {
    const reader = await connection.runAndReadAll(`select * from read_parquet(${sqlString(file)})`);
    return reader
      .getRowsJS()
      .map((row) =>
        JSON.parse(JSON.stringify(row, (_, value) => (typeof value === 'bigint' ? String(value) : value))),
      );
  });
}

/** Floats compared to 12 digits: DuckDB's threads may sum a group's values in any order. */
function rounded(rows: unknown[][]): unknown[][] {
  const round = (value: unknown): unknown =>
    typeof value === 'number'
      ? Number(value.toPrecision(12))
      : Array.isArray(value)
        ? value.map(round)
        : value;
  return rows.map((row) => row.map(round));
}

describe('a feature build in passes', () => {
  it('gives the rows of one pass, in the same order, with pushed rows in their own range', async () => {
    const first = await store.build({ views: ['user_activity'] });
    const [userId, eventTimestamp] = (await rowsOf(first[0]))[10] ?? [];
    const features = {
      watch_count_7d: [1, 2],
      watch_count_30d: [1, 2],
      avg_rating: [4.5, null],
      last_watched_at: [new Date().toISOString(), new Date().toISOString()],
      genre_preference: [Array(19).fill(0), Array(19).fill(0)],
    };
    // One pushed row replaces a computed one (same user and day), one is a user the log never saw.
    const pushed = await store.push({
      pushSourceName: 'user_activity_push',
      df: {
        user_id: [Number(userId), 999_999],
        event_timestamp: [new Date(String(eventTimestamp)).toISOString(), new Date().toISOString()],
        watch_count_total: [123_456, 7],
        ...features,
      },
      to: 'offline',
    });
    expect(pushed[0]?.rows).toBe(2);

    const passes: Record<string, number> = {};
    const whole = await store.build({ views: ['user_activity', 'movie_activity'] });
    const split = await store.build({
      views: ['user_activity', 'movie_activity'],
      rowsPerPass: 3_000,
      onPass: (view, pass, total) => {
        expect(pass).toBe((passes[view] ?? 0) + 1);
        passes[view] = pass;
        expect(total).toBeGreaterThanOrEqual(pass);
      },
    });
    // 20,000 watches at 3,000 a pass: seven ranges of users, and of movies.
    expect(passes).toEqual({ user_activity: 7, movie_activity: 7 });
    expect(passes.user_activity).toBeGreaterThan(1);
    for (const [index, build] of split.entries()) {
      expect(build.validation.passed).toBe(true);
      expect(build.row_count).toBe(whole[index]?.row_count);
      // Aggregates may differ in the last bits (threads sum in any order): compare the counts.
      const counts = (of: FeatureBuild | undefined) =>
        of?.statistics.features.map((feature) => [feature.name, feature.count, feature.nulls]);
      expect(counts(build)).toEqual(counts(whole[index]));
      const rows = rounded(await rowsOf(build));
      expect(rows).toEqual(rounded(await rowsOf(whole[index])));
      expect(rows.length).toBeGreaterThan(1000);
    }
    const userRows = await rowsOf(split[0]);
    expect(userRows.at(-1)?.[0]).toBe('999999');
    const replaced = userRows.find((row) => row[0] === userId && row[1] === eventTimestamp);
    expect(replaced?.[4]).toBe('123456');
  });

  it('refuses a partitionBy input the view does not read, or on a view of two entities', () => {
    const userActivity = BUILTIN_FEATURES.featureViews.find((view) => view.name === 'user_activity');
    if (userActivity === undefined) throw new Error('user_activity is built in');
    const withView =
      (source: object, entities = userActivity.entities) =>
      () =>
        validateDefinitions({
          ...BUILTIN_FEATURES,
          featureViews: [{ ...userActivity, entities, source: { ...userActivity.source, ...source } }],
          featureServices: [],
        });
    expect(withView({ partitionBy: { input: 'ratings', column: 'user_id' } })).toThrow(
      'featureViews[0] (user_activity).source.partitionBy.input: "ratings" is not one of the view\'s inputs',
    );
    expect(withView({}, ['user', 'movie'])).toThrow(
      'featureViews[0] (user_activity).source.partitionBy: only a view of one entity can be built in passes',
    );
    expect(withView({ partitionBy: { input: 'watch_log' } })).toThrow('source.partitionBy.column');
  });
});

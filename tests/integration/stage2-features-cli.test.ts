import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDuckDb } from '../../src/data/index.js';
import { runCli } from '../helpers/cli.js';
import { createTestHome } from '../helpers/services.js';

let home: string;
let remove: () => void;
let env: Record<string, string>;

const definitionFile = (ttlDays: number, withService: boolean) => `
// A user's feature definitions: plain objects, as a repository's features.ts would hold them.
export const featureViews = [
  {
    name: 'movie_rating_daily',
    entities: ['movie'],
    ttlSeconds: ${ttlDays} * 86400,
    schema: [{ name: 'ratings', dtype: 'int64' }],
    source: {
      inputs: ['watch_log'],
      timestampField: 'event_timestamp',
      query: \`select content_id as movie_id, date_trunc('day', "timestamp") + interval 1 day as event_timestamp,
        count(rating) as ratings from watch_log group by all\`,
    },
  },
];
export const featureServices = ${withService ? "[{ name: 'ratings_service', features: ['movie_rating_daily:ratings'] }]" : '[]'};
`;

beforeAll(async () => {
  ({ home, remove } = createTestHome());
  env = { MLOPS_HOME: home };
  const generated = await runCli(
    ['data', 'generate', '--users', '200', '--movies', '150', '--interactions', '8000', '--days', '40'],
    env,
  );
  expect(generated.code, generated.stderr).toBe(0);
});

afterAll(() => remove());

describe('mlops features', () => {
  it('applies the built-in definitions, builds, materializes and reads them', async () => {
    const applied = await runCli(['features', 'apply'], env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('added     feature_view movie_activity (v1)');
    expect(applied.stdout).toContain('applied: 10 added, 0 changed, 0 removed, 0 unchanged');

    const again = await runCli(['features', 'apply'], env);
    expect(again.stdout).toContain('applied: 0 added, 0 changed, 0 removed, 10 unchanged');

    const built = await runCli(['features', 'build'], env);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/movie_activity\s*│\s*\d+\s*│\s*valid/);
    expect(built.stderr).toContain('building user_activity (3/3)');

    const materialized = await runCli(['features', 'materialize'], env);
    expect(materialized.code, materialized.stderr).toBe(0);
    expect(materialized.stdout).toMatch(/movie_catalogue\s*│\s*full/);
    expect(materialized.stdout).toContain('online store: embedded');

    const incremental = await runCli(
      ['features', 'materialize', '--incremental', '--view', 'movie_activity'],
      env,
    );
    expect(incremental.stdout).toMatch(/movie_activity\s*│\s*incremental\s*│[^│]*│[^│]*│\s*0\s*│/);

    const read = await runCli(
      ['features', 'get', '--features', 'movie_catalogue:popularity', '--entity', 'movie_id=1,99999'],
      env,
    );
    expect(read.code, read.stderr).toBe(0);
    const response = JSON.parse(read.stdout);
    expect(response.metadata.feature_names).toEqual(['movie_id', 'popularity']);
    expect(response.results[1].statuses[1]).toBe('NOT_FOUND');

    const stats = await runCli(['features', 'stats', 'movie_activity'], env);
    expect(stats.code, stats.stderr).toBe(0);
    expect(stats.stdout).toMatch(/watch_count_7d\s*│\s*int64/);
    const json = JSON.parse((await runCli(['features', 'stats', '--json'], env)).stdout);
    expect(Object.keys(json).sort()).toEqual(['movie_activity', 'movie_catalogue', 'user_activity']);
    expect(json.movie_catalogue.features[0].quantiles.p50).toBeGreaterThan(0);

    const listed = await runCli(['features', 'list'], env);
    expect(listed.stdout).toMatch(
      /feature_view\s*│\s*movie_activity\s*│\s*1\s*│\s*4 features, ttl 30d, built \d+ rows, online/,
    );
  });

  it('writes a point-in-time training set from a CSV of entity rows', async () => {
    const entities = path.join(home, 'entities.csv');
    const now = Date.now();
    writeFileSync(
      entities,
      `movie_id,user_id,event_timestamp\n1,1,${new Date(now - 3 * 86_400_000).toISOString()}\n2,2,${new Date(now).toISOString()}\n`,
    );
    const output = path.join(home, 'training.parquet');
    const result = await runCli(
      ['features', 'historical', '--entities', entities, '--service', 'recommender_v1', '--output', output],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`2 rows × `);
    const rows = await withDuckDb(async (connection) =>
      (await connection.runAndReadAll(`select * from read_parquet('${output}')`)).getRowObjectsJS(),
    );
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'movie_id',
      'user_id',
      'event_timestamp',
      'popularity',
      'vote_average',
      'vote_count',
      'genres',
      'release_year',
      'watch_count_7d',
      'avg_watch_ratio_30d',
      'watch_count_30d',
      'avg_rating',
    ]);
    const missing = await runCli(['features', 'historical', '--entities', entities, '--output', output], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--features give either --features or --service');
  });

  it("adds a user's TypeScript definitions, shows a diff when they change, and refuses removing a view in use", async () => {
    const file = path.join(home, 'features.ts');
    writeFileSync(file, definitionFile(7, true));
    const added = await runCli(['features', 'apply', '--file', file], env);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('added     feature_view movie_rating_daily (v1)');
    expect(added.stdout).toContain('added     feature_service ratings_service (v1)');

    writeFileSync(file, definitionFile(14, true));
    const dry = await runCli(['features', 'apply', '--file', file, '--dry-run'], env);
    expect(dry.stdout).toContain('changed   feature_view movie_rating_daily (v1 → v2)');
    expect(dry.stdout).toContain('- ttl_seconds: 604800');
    expect(dry.stdout).toContain('+ ttl_seconds: 1209600');
    expect(dry.stdout).toContain('nothing was recorded');
    const changed = await runCli(['features', 'apply'], { ...env, MLOPS_FEATURE_REPO: file });
    expect(changed.stdout).toContain('changed   feature_view movie_rating_daily (v1 → v2)');

    const built = await runCli(['features', 'build', '--view', 'movie_rating_daily'], env);
    expect(built.code, built.stderr).toBe(0);

    // Without the file, the view would go while ratings_service (also gone) ... keep the service, drop the view.
    writeFileSync(
      file,
      `export const featureServices = [{ name: 'ratings_service', features: ['movie_rating_daily:ratings'] }];\n`,
    );
    const refused = await runCli(['features', 'apply', '--file', file], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'cannot remove movie_rating_daily: feature service ratings_service uses feature view movie_rating_daily',
    );
    const described = JSON.parse((await runCli(['features', 'describe', 'movie_rating_daily'], env)).stdout);
    expect(described).toMatchObject({ version: 2, removed: false });

    writeFileSync(file, 'export const featureViews = [{ name: "Bad Name" }];\n');
    const invalid = await runCli(['features', 'apply', '--file', file], env);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('featureViews[4].name: must be 1-64 lowercase letters');

    // Dropping both removes them.
    writeFileSync(file, 'export default {};\n');
    const removed = await runCli(['features', 'apply', '--file', file], env);
    expect(removed.stdout).toContain('removed   feature_view movie_rating_daily (v2)');
    expect(removed.stdout).toContain('removed   feature_service ratings_service (v1)');
  });
});

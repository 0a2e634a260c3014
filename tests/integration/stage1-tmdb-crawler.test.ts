import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { crawlTmdb, TmdbClient } from '../../src/data/index.js';
import { runCli } from '../helpers/cli.js';
import { FakeTmdb } from '../helpers/fake-tmdb.js';
import { createTestHome } from '../helpers/services.js';

describe('TMDB client and crawler against a local TMDB-shaped server', () => {
  const tmdb = new FakeTmdb();
  let baseUrl = '';
  const waits: number[] = [];
  const client = (overrides: Partial<ConstructorParameters<typeof TmdbClient>[0]> = {}) =>
    new TmdbClient({
      apiKey: 'test-key',
      baseUrl,
      requestsPerSecond: 1000,
      maxRetries: 3,
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0.5,
      ...overrides,
    });
  const snapshot = () => mkdtempSync(path.join(tmpdir(), 'mlops-tmdb-'));

  beforeAll(async () => {
    baseUrl = await tmdb.start();
  });
  afterAll(() => tmdb.stop());
  afterEach(() => {
    waits.length = 0;
    tmdb.script.clear();
    tmdb.requests.clear();
    tmdb.totalPages = 5;
  });

  it('crawls pages, genres and details into a snapshot with the reference popular.json', async () => {
    const dir = snapshot();
    const result = await crawlTmdb({ client: client(), fromPage: 1, toPage: 3, snapshotDir: dir });
    expect(result.pagesFetched).toBe(3);
    expect(result.movies).toHaveLength(12);
    for (const file of [
      'genres.json',
      'state.json',
      'pages/popular-1.json',
      'pages/popular-3.json',
      'details/100.json',
    ]) {
      expect(existsSync(path.join(dir, file)), file).toBe(true);
    }
    const popular = JSON.parse(readFileSync(path.join(dir, 'popular.json'), 'utf8'));
    expect(Object.keys(popular)).toEqual(['movies']);
    expect(popular.movies[0]).toMatchObject({
      id: 100,
      title: '영화 1-0',
      genre_ids: [28],
      original_language: 'ko',
    });
    expect(result.movies[0]).toEqual({
      movie_id: 100,
      title: '영화 1-0',
      overview: 'Details of 100',
      genres: ['Action', 'Drama'],
      release_date: '2023-05-01',
      popularity: 10,
      vote_average: 6.5,
      vote_count: 42,
      poster_path: '/details-100.jpg',
      source: 'tmdb',
    });
    expect(tmdb.count('/3/movie/popular?page=2')).toBe(1);
  });

  it('maps genre ids to names and blank dates to null without details', async () => {
    const result = await crawlTmdb({
      client: client(),
      fromPage: 1,
      toPage: 1,
      snapshotDir: snapshot(),
      withDetails: false,
    });
    expect(result.movies.map((movie) => movie.genres)).toEqual([
      ['Action'],
      ['Drama'],
      ['Comedy'],
      ['Action'],
    ]);
    expect(result.movies[3]?.release_date).toBeNull();
    expect(tmdb.count('/3/movie/100')).toBe(0);
  });

  it('waits as long as Retry-After says after a 429, then succeeds', async () => {
    tmdb.failNext('/3/movie/popular?page=1', {
      status: 429,
      headers: { 'retry-after': '2' },
      body: { status_code: 25 },
    });
    const page = await client().popular(1);
    expect(page.results).toHaveLength(4);
    expect(waits).toEqual([2000]);
  });

  it('backs off exponentially over 500 and 502, then succeeds', async () => {
    tmdb.failNext('/3/movie/popular?page=1', { status: 500 }, { status: 502 });
    await client().popular(1);
    expect(waits).toEqual([500, 1000]);
  });

  it('retries a connection cut mid-body', async () => {
    tmdb.failNext('/3/movie/popular?page=1', { cutMidBody: true });
    const page = await client().popular(1);
    expect(page.page).toBe(1);
    expect(tmdb.count('/3/movie/popular?page=1')).toBe(2);
  });

  it('gives up with TMDB_UNAVAILABLE after the last retry', async () => {
    tmdb.failNext('/3/movie/popular?page=1', ...Array.from({ length: 4 }, () => ({ status: 503 })));
    await expect(client().popular(1)).rejects.toMatchObject({
      code: 'MLOPS_ERR_TMDB_UNAVAILABLE',
      message: expect.stringMatching(
        /\/movie\/popular\?language=ko-KR&region=KR&page=1 still failing after 3 retries: HTTP 503/,
      ),
    });
    expect(tmdb.count('/3/movie/popular?page=1')).toBe(4);
  });

  it('says the key is wrong on a 401, at once and without showing it', async () => {
    const error = await client({ apiKey: 'wrong-secret-key' })
      .popular(1)
      .catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: 'MLOPS_ERR_TMDB_AUTH', field: 'TMDB_API_KEY' });
    expect(String((error as Error).message)).not.toContain('wrong-secret-key');
    expect(tmdb.count('/3/movie/popular?page=1')).toBe(1);
  });

  it('rejects malformed and truncated-for-good JSON as invalid data, naming the path', async () => {
    tmdb.failNext('/3/genre/movie/list', { raw: '{"genres": [{"id": 28, "name": "Action"}' });
    await expect(client().genres()).rejects.toMatchObject({
      code: 'MLOPS_ERR_DATA_INVALID',
      message: expect.stringMatching(/\/genre\/movie\/list.*malformed JSON/),
    });
    tmdb.failNext('/3/movie/popular?page=1', {
      status: 200,
      body: { page: 1, total_pages: 1, results: [{ id: 'x' }] },
    });
    await expect(client().popular(1)).rejects.toMatchObject({
      code: 'MLOPS_ERR_DATA_INVALID',
      message: expect.stringMatching(/results\.0\.id/),
    });
  });

  it('resumes an interrupted crawl without fetching a page twice or losing one', async () => {
    const dir = snapshot();
    tmdb.failNext('/3/movie/popular?page=3', { status: 401 });
    await expect(
      crawlTmdb({ client: client(), fromPage: 1, toPage: 4, snapshotDir: dir, withDetails: false }),
    ).rejects.toMatchObject({
      code: 'MLOPS_ERR_TMDB_AUTH',
    });
    const resumed = await crawlTmdb({
      client: client(),
      fromPage: 1,
      toPage: 4,
      snapshotDir: dir,
      withDetails: false,
    });
    expect(resumed).toMatchObject({ pagesFetched: 2, pagesSkipped: 2 });
    expect(tmdb.count('/3/movie/popular?page=1')).toBe(1);
    expect(tmdb.count('/3/movie/popular?page=2')).toBe(1);
    expect(tmdb.count('/3/movie/popular?page=3')).toBe(2);
    const ids = resumed.popular.map((movie) => movie.id);
    expect(ids).toHaveLength(16);
    expect(new Set(ids).size).toBe(16);
  });

  it('stops at TMDB’s last page and refuses a snapshot made with other settings', async () => {
    tmdb.totalPages = 2;
    const dir = snapshot();
    const result = await crawlTmdb({
      client: client(),
      fromPage: 1,
      toPage: 4,
      snapshotDir: dir,
      withDetails: false,
    });
    expect(result.movies).toHaveLength(8);
    expect(tmdb.count('/3/movie/popular?page=3')).toBe(0);
    await expect(
      crawlTmdb({ client: client(), fromPage: 1, toPage: 9, snapshotDir: dir, withDetails: false }),
    ).rejects.toThrow(/other settings \(toPage 4 ≠ 9\)/);
  });

  it('spaces requests to the configured rate', async () => {
    const slow = client({ requestsPerSecond: 10 });
    const startedAt = performance.now();
    for (let index = 0; index < 6; index++) await slow.genres();
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(450);
  });

  describe('mlops data crawl', () => {
    it('crawls, versions raw + catalogue, resumes after an interruption, and explains a missing key', async () => {
      const { home, remove } = createTestHome();
      const env = { MLOPS_HOME: home, TMDB_API_KEY: 'test-key', TMDB_BASE_URL: baseUrl };

      const missingKey = await runCli(['data', 'crawl', '--pages', '1-2'], { MLOPS_HOME: home });
      expect(missingKey.code).toBe(2);
      expect(missingKey.stderr).toMatch(/^mlops: TMDB_API_KEY is not set/);

      tmdb.failNext('/3/movie/popular?page=2', ...Array.from({ length: 6 }, () => ({ status: 503 })));
      const failed = await runCli(['data', 'crawl', '--pages', '1-3', '--rps', '50', '--no-details'], env);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/still failing after 5 retries/);

      const resumed = await runCli(['data', 'crawl', '--pages', '1-3', '--rps', '50', '--no-details'], env);
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toMatch(/resumed and finished pages 1-3: 2 fetched, 1 already done, 12 movies/);
      expect(tmdb.count('/3/movie/popular?page=1')).toBe(1);
      const popular = JSON.parse(
        readFileSync(path.join(home, 'data', 'raw', 'tmdb', 'popular.json'), 'utf8'),
      );
      expect(popular.movies).toHaveLength(12);

      const versions = JSON.parse((await runCli(['data', 'versions', '--json'], env)).stdout) as {
        dataset: string;
        version_id: string;
      }[];
      expect(versions.map((version) => version.dataset).sort()).toEqual(['movies', 'tmdb_popular_raw']);
      const show = await runCli(['data', 'show', 'movies'], env);
      expect(show.stdout).toMatch(/made from\s+dataset [0-9a-f]{12}/);
      expect(show.stdout).toMatch(/source\s+tmdb/);

      const badRange = await runCli(['data', 'crawl', '--pages', '9-2'], env);
      expect(badRange.code).toBe(2);
      expect(badRange.stderr).toContain('--pages must lie within 1-500');
      writeFileSync(path.join(home, 'unused'), '');
      remove();
    });
  });
});

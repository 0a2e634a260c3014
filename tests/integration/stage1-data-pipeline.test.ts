import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DataContext,
  generateSyntheticData,
  publicMovies,
  publishDatasets,
  validateStoredDataset,
} from '../../src/data/index.js';
import {
  checkoutDatasetVersion,
  hashFile,
  lineageOf,
  listDatasetVersions,
  localDatasetFile,
  resolveDatasetVersion,
} from '../../src/lineage/index.js';
import type { Platform } from '../../src/platform/index.js';
import { type App, buildApp } from '../../src/server/index.js';
import { BACKENDS, openBackend } from '../helpers/platform.js';

const SMALL = { users: 300, movies: 200, interactions: 20_000, seed: 7, endDate: '2026-11-01', days: 90 };

function runDataPipelineSuite(
  backend: string,
  open: () => Promise<{ platform: Platform; dispose(): Promise<void> }>,
) {
  describe(`data pipeline on ${backend}`, () => {
    let platform: Platform;
    let dispose: () => Promise<void>;
    let context: DataContext;
    let app: App;

    beforeAll(async () => {
      ({ platform, dispose } = await open());
      context = {
        db: platform.database.db,
        artifacts: platform.artifacts,
        home: platform.config.home,
        logger: platform.logger,
      };
      app = await buildApp(platform);
    });
    afterAll(async () => {
      await app?.close();
      await dispose?.();
    });

    it('publishes a catalogue and watch log as validated, linked versions and serves the catalogue', async () => {
      const { movies, watchLog } = generateSyntheticData(SMALL);
      const result = await publishDatasets(context, {
        source: 'synthetic',
        params: SMALL,
        movies: publicMovies(movies),
        watchLog,
      });
      expect(result.movies).toMatchObject({
        isNew: true,
        version: { dataset: 'movies', row_count: 200, is_valid: true },
      });
      expect(result.watchLog).toMatchObject({
        isNew: true,
        version: { dataset: 'watch_log', row_count: 20_000, is_valid: true },
      });
      const watchLogId = result.watchLog?.version.version_id ?? '';
      expect((await lineageOf(context.db, 'dataset', watchLogId)).ancestors).toEqual([
        { kind: 'dataset', id: result.movies.version.version_id, depth: 1 },
      ]);
      const stored = await platform.artifacts.stat(result.movies.version.artifact_key);
      expect(stored?.sha256).toBe(result.movies.version.version_id);

      const page = await app.inject({ method: 'GET', url: '/api/v1/movies?limit=5' });
      expect(page.statusCode).toBe(200);
      const body = page.json();
      expect(body.pagination).toEqual({ limit: 5, offset: 0, count: 5, total: 200, has_next: true });
      const popularities = body.movies.map((movie: { popularity: number }) => movie.popularity);
      expect(popularities).toEqual([...popularities].sort((a, b) => b - a));
    });

    it('makes no new version for the same content, and a new one for different content', async () => {
      const before = (await listDatasetVersions(context.db)).length;
      const { movies, watchLog } = generateSyntheticData(SMALL);
      const again = await publishDatasets(context, {
        source: 'synthetic',
        params: SMALL,
        movies: publicMovies(movies),
        watchLog,
      });
      expect(again.movies.isNew).toBe(false);
      expect(again.watchLog?.isNew).toBe(false);
      expect((await listDatasetVersions(context.db)).length).toBe(before);

      const other = generateSyntheticData({ ...SMALL, seed: 8 });
      const changed = await publishDatasets(context, {
        source: 'synthetic',
        params: { ...SMALL, seed: 8 },
        movies: publicMovies(other.movies),
        watchLog: other.watchLog,
      });
      expect(changed.movies.isNew).toBe(true);
      expect((await listDatasetVersions(context.db, { dataset: 'movies' }))[0]?.version_id).toBe(
        changed.movies.version.version_id,
      );
    });

    it('checks out an earlier version byte for byte, found by a short prefix', async () => {
      const versions = await listDatasetVersions(context.db, { dataset: 'watch_log' });
      const oldest = versions.at(-1);
      expect(oldest).toBeDefined();
      const version = await resolveDatasetVersion(context.db, (oldest?.version_id ?? '').slice(0, 8));
      const dir = mkdtempSync(path.join(tmpdir(), 'mlops-checkout-'));
      const file = await checkoutDatasetVersion(context, version, dir);
      expect(await hashFile(file)).toBe(version.version_id);
      expect(JSON.parse(readFileSync(path.join(dir, 'watch_log.version.json'), 'utf8')).version_id).toBe(
        version.version_id,
      );
    });

    it('checks a version out many times at once, as serving and the first training do, each copy verified', async () => {
      const [latest] = await listDatasetVersions(context.db, { dataset: 'watch_log' });
      const version = await resolveDatasetVersion(context.db, latest?.version_id ?? '');
      const dir = mkdtempSync(path.join(tmpdir(), 'mlops-checkout-'));
      const files = await Promise.all([1, 2, 3, 4].map(() => checkoutDatasetVersion(context, version, dir)));
      expect(new Set(files).size).toBe(1);
      expect(await hashFile(files[0] ?? '')).toBe(version.version_id);
      expect(readdirSync(dir).sort()).toEqual(['watch_log.parquet', 'watch_log.version.json']);

      // Through the cache every stage uses: one checkout for all callers.
      const cached = await Promise.all([1, 2, 3].map(() => localDatasetFile(context, version)));
      expect(new Set(cached).size).toBe(1);
      expect(await hashFile(cached[0] ?? '')).toBe(version.version_id);
    });

    it('leaves the served catalogue untouched when a new catalogue fails validation', async () => {
      const served = (await app.inject({ method: 'GET', url: '/api/v1/movies?limit=1' })).json().movies[0]
        .dataset_version;
      const { movies } = generateSyntheticData({ ...SMALL, seed: 9 });
      const broken = publicMovies(movies).map((movie, index) =>
        index === 0 ? { ...movie, vote_average: 42 } : movie,
      );
      await expect(
        publishDatasets(context, { source: 'synthetic', params: {}, movies: broken }),
      ).rejects.toMatchObject({
        code: 'MLOPS_ERR_DATA_VALIDATION_FAILED',
        message: expect.stringMatching(
          /failed validation \(movies: .* on vote_average expected .*, observed .*42.*\)/,
        ),
      });
      expect(
        (await app.inject({ method: 'GET', url: '/api/v1/movies?limit=1' })).json().movies[0].dataset_version,
      ).toBe(served);
      const rejected = (await listDatasetVersions(context.db, { dataset: 'movies' }))[0];
      expect(rejected?.is_valid).toBe(false);
      const revalidated = await validateStoredDataset(context, rejected?.version_id ?? '');
      expect(revalidated.report.passed).toBe(false);
    });

    it('serves dataset versions with validation report and lineage over HTTP', async () => {
      const list = await app.inject({ method: 'GET', url: '/api/v1/datasets?dataset=watch_log' });
      expect(list.statusCode).toBe(200);
      const versions = list.json().versions;
      expect(versions.length).toBeGreaterThanOrEqual(2);
      const detail = await app.inject({
        method: 'GET',
        url: `/api/v1/datasets/${versions[0].version_id.slice(0, 10)}`,
      });
      expect(detail.statusCode).toBe(200);
      expect(detail.json()).toMatchObject({
        dataset: 'watch_log',
        validation: { passed: true, results: expect.any(Array) },
        lineage: { ancestors: [{ kind: 'dataset', depth: 1 }] },
      });
      const missing = await app.inject({ method: 'GET', url: '/api/v1/datasets/abcdef123456' });
      expect(missing.statusCode).toBe(404);
      const badName = await app.inject({ method: 'GET', url: '/api/v1/datasets/no-such-thing' });
      expect(badName.statusCode).toBe(404);
    });

    it('filters, searches and sorts the catalogue, and rejects bad parameters by name', async () => {
      const drama = (await app.inject({ method: 'GET', url: '/api/v1/movies?genre=Drama&limit=100' })).json();
      expect(drama.pagination.total).toBeGreaterThan(0);
      expect(drama.movies.every((movie: { genres: string[] }) => movie.genres.includes('Drama'))).toBe(true);
      const first = drama.movies[0];
      const word = first.title.split(' ').at(-1).toLowerCase();
      const search = (
        await app.inject({ method: 'GET', url: `/api/v1/movies?q=${encodeURIComponent(word.toUpperCase())}` })
      ).json();
      expect(
        search.movies.every((movie: { title: string }) => movie.title.toLowerCase().includes(word)),
      ).toBe(true);
      const percent = (await app.inject({ method: 'GET', url: '/api/v1/movies?q=%25%25' })).json();
      expect(percent.pagination.total).toBe(0);
      const byTitle = (await app.inject({ method: 'GET', url: '/api/v1/movies?sort=title&limit=20' }))
        .json()
        .movies.map((m: { title: string }) => m.title);
      expect(byTitle).toEqual([...byTitle].sort((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)));
      const one = await app.inject({ method: 'GET', url: `/api/v1/movies/${first.movie_id}` });
      expect(one.json().title).toBe(first.title);
      for (const [url, field] of [
        ['/api/v1/movies?limit=0', 'querystring.limit'],
        ['/api/v1/movies?sort=random', 'querystring.sort'],
        ['/api/v1/movies/abc', 'params.movie_id'],
      ]) {
        const response = await app.inject({ method: 'GET', url: url ?? '' });
        expect(response.statusCode).toBe(400);
        expect(response.json().field).toBe(field);
      }
      expect((await app.inject({ method: 'GET', url: '/api/v1/movies/99999' })).statusCode).toBe(404);
      const genres = (await app.inject({ method: 'GET', url: '/api/v1/genres' })).json().genres;
      expect(genres.find((genre: { genre: string }) => genre.genre === 'Drama')?.movies).toBe(
        drama.pagination.total,
      );
    });
  });
}

for (const backend of BACKENDS) runDataPipelineSuite(backend, () => openBackend(backend));

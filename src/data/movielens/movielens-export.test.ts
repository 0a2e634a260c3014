import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSyntheticData, publicMovies } from '../synthetic/generate-synthetic.js';
import { writeMovieLens } from './movielens-export.js';
import { readMovieLens } from './movielens-import.js';

describe('MovieLens export', () => {
  it('writes generated data as an ml-1m folder that the importer reads back, one rating per pair', async () => {
    const { movies, watchLog } = generateSyntheticData({
      users: 60,
      movies: 40,
      interactions: 1500,
      seed: 5,
      endDate: '2026-11-01',
      days: 30,
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-ml-export-'));
    const written = await writeMovieLens(dir, publicMovies(movies), watchLog);
    const pairs = new Set(Array.from(watchLog.user_id, (user, row) => `${user}:${watchLog.content_id[row]}`));
    expect(written).toEqual({ movies: 40, ratings: pairs.size });

    const imported = await readMovieLens(dir);
    expect(imported.layout).toBe('ml-1m');
    expect(imported.warnings).toEqual([]);
    expect(imported.movies.map((movie) => movie.movie_id)).toEqual(movies.map((movie) => movie.movie_id));
    expect(imported.movies[0]?.title).toBe(movies[0]?.title);
    expect(new Set(imported.interactions.map((row) => `${row.user_id}:${row.content_id}`))).toEqual(pairs);
    for (const row of imported.interactions) {
      expect(row.rating).toBeGreaterThanOrEqual(2);
      expect(row.rating).toBeLessThanOrEqual(10);
      expect(row.timestamp % 1000).toBe(0);
    }
    const lines = readFileSync(path.join(dir, 'ratings.dat'), 'utf8').trimEnd().split('\n');
    const users = lines.map((line) => Number(line.split('::')[0]));
    expect(users).toEqual([...users].sort((a, b) => a - b));
  });
});

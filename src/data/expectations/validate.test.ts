import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeInteractionsParquet, writeMoviesParquet } from '../parquet.js';
import { type MovieRecord, toInteractionColumns } from '../records.js';
import { MOVIES_SUITE, WATCH_LOG_SUITE } from './suites.js';
import { formatReport, validateParquet } from './validate.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mlops-validate-'));
const movie = (overrides: Partial<MovieRecord> = {}): MovieRecord => ({
  movie_id: 1,
  title: 'Heat',
  overview: '',
  genres: ['Crime'],
  release_date: '1995-12-15',
  popularity: 12.5,
  vote_average: 7.9,
  vote_count: 100,
  poster_path: null,
  source: 'tmdb',
  ...overrides,
});

describe('dataset validation', () => {
  it('passes a good catalogue', async () => {
    const file = path.join(dir, 'good.parquet');
    await writeMoviesParquet(file, [movie(), movie({ movie_id: 2, title: 'Ronin' })]);
    const report = await validateParquet(file, MOVIES_SUITE);
    expect(report.passed).toBe(true);
    expect(report.results.every((result) => result.passed)).toBe(true);
  });

  it('fails a catalogue with duplicate ids and out-of-range ratings, saying which', async () => {
    const file = path.join(dir, 'bad.parquet');
    await writeMoviesParquet(file, [
      movie(),
      movie({ vote_average: 11 }),
      movie({ movie_id: 3, source: 'tmdb' }),
    ]);
    const report = await validateParquet(file, MOVIES_SUITE);
    expect(report.passed).toBe(false);
    const failed = report.results
      .filter((result) => !result.passed)
      .map((result) => `${result.expectation}:${result.column}`);
    expect(failed).toEqual([
      'expect_compound_columns_to_be_unique:movie_id',
      'expect_column_values_to_be_between:vote_average',
    ]);
    expect(formatReport(report)).toMatch(
      /FAIL expect_column_values_to_be_between \[vote_average\]: expected between 0 and 10; observed 1 outside/,
    );
  });

  it('reports a warning without failing the dataset', async () => {
    const file = path.join(dir, 'warn.parquet');
    await writeMoviesParquet(file, [movie({ release_date: null })]);
    const report = await validateParquet(file, MOVIES_SUITE);
    expect(report.passed).toBe(true);
    expect(report.results.find((result) => !result.passed)).toMatchObject({
      column: 'release_date',
      severity: 'warning',
    });
  });

  it('checks freshness of a watch log against the given time', async () => {
    const file = path.join(dir, 'log.parquet');
    const timestamp = Date.UTC(2026, 0, 10);
    await writeInteractionsParquet(
      file,
      toInteractionColumns([
        { user_id: 1, content_id: 1, watch_seconds: 100, rating: 8, popularity: 3, timestamp },
      ]),
    );
    const fresh = await validateParquet(file, WATCH_LOG_SUITE, new Date(Date.UTC(2026, 0, 20)));
    expect(
      fresh.results.find((result) => result.expectation === 'expect_column_max_to_be_recent')?.passed,
    ).toBe(true);
    const stale = await validateParquet(file, WATCH_LOG_SUITE, new Date(Date.UTC(2026, 5, 1)));
    expect(
      stale.results.find((result) => result.expectation === 'expect_column_max_to_be_recent'),
    ).toMatchObject({ passed: false, severity: 'warning' });
    expect(stale.passed).toBe(true);
  });

  it('fails a file whose columns are not the declared schema', async () => {
    const file = path.join(dir, 'wrong.parquet');
    await writeMoviesParquet(file, [movie()]);
    const report = await validateParquet(file, WATCH_LOG_SUITE);
    expect(report.passed).toBe(false);
    expect(report.results[0]?.observed).toMatch(/missing user_id INTEGER/);
  });
});

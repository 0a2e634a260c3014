import { INTERACTION_COLUMNS, MOVIE_COLUMNS } from '../parquet.js';
import {
  type ExpectationSuite,
  expectBetween,
  expectColumns,
  expectFresh,
  expectInSet,
  expectNotNull,
  expectRowCount,
  expectUnique,
} from './expectation.js';

/** The catalogue: one row per movie, with sane ratings and popularity. */
export const MOVIES_SUITE: ExpectationSuite = {
  dataset: 'movies',
  expectations: [
    expectColumns(MOVIE_COLUMNS),
    expectRowCount(1, 5_000_000),
    expectNotNull('movie_id'),
    expectUnique(['movie_id']),
    expectNotNull('title'),
    expectBetween('movie_id', 1, null),
    expectBetween('vote_average', 0, 10),
    expectBetween('vote_count', 0, null),
    expectBetween('popularity', 0, null),
    expectInSet('source', ['tmdb', 'synthetic', 'movielens']),
    expectNotNull('release_date', { severity: 'warning' }),
  ],
};

/** The watch log: the reference's columns plus a timestamp; ratings on the 0–10 scale. */
export const WATCH_LOG_SUITE: ExpectationSuite = {
  dataset: 'watch_log',
  expectations: [
    expectColumns(INTERACTION_COLUMNS),
    expectRowCount(1, 1_000_000_000),
    expectNotNull('user_id'),
    expectNotNull('content_id'),
    expectNotNull('timestamp'),
    expectBetween('user_id', 1, null),
    expectBetween('content_id', 1, null),
    expectBetween('rating', 0, 10),
    expectBetween('watch_seconds', 0, 86_400),
    expectBetween('popularity', 0, null),
    expectNotNull('rating', { severity: 'warning' }),
    expectFresh('timestamp', 30),
  ],
};

export const SUITES: Readonly<Record<string, ExpectationSuite>> = {
  movies: MOVIES_SUITE,
  watch_log: WATCH_LOG_SUITE,
};

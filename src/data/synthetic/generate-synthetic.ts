import type { InteractionColumns } from '../records.js';
import { generateCatalogue, type SyntheticMovie } from './catalogue-generator.js';
import { generateWatchLog } from './watch-log-generator.js';

export interface SyntheticOptions {
  users: number;
  movies: number;
  interactions: number;
  seed: number;
  /** Last day of the watch log, `YYYY-MM-DD` (UTC). */
  endDate: string;
  /** Days the watch log spans, ending at `endDate`. */
  days: number;
  drift?: { date: string; tasteShift: number; popularityShift: number };
  onProgress?: (done: number, total: number) => void;
}

/** A synthetic catalogue and watch log, the same for the same options. */
export function generateSyntheticData(options: SyntheticOptions): {
  movies: SyntheticMovie[];
  watchLog: InteractionColumns;
} {
  const end = Date.parse(`${options.endDate}T23:59:59.999Z`);
  const start = end - options.days * 86_400_000 + 1;
  const movies = generateCatalogue({ movies: options.movies, seed: options.seed, endDate: options.endDate });
  const watchLog = generateWatchLog(movies, {
    users: options.users,
    interactions: options.interactions,
    seed: options.seed,
    start,
    end,
    ...(options.drift === undefined
      ? {}
      : {
          drift: {
            at: Date.parse(`${options.drift.date}T00:00:00Z`),
            tasteShift: options.drift.tasteShift,
            popularityShift: options.drift.popularityShift,
          },
        }),
    ...(options.onProgress === undefined
      ? {}
      : { onProgress: (done: number) => options.onProgress?.(done, options.interactions) }),
  });
  return { movies, watchLog };
}

/** The catalogue rows without the hidden simulation traits. */
export function publicMovies(movies: readonly SyntheticMovie[]) {
  return movies.map(
    ({ genreIndices: _genres, quality: _quality, runtimeSeconds: _runtime, ...movie }) => movie,
  );
}

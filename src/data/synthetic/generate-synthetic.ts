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
  const movies = generateSyntheticCatalogue(options);
  return { movies, watchLog: generateSyntheticWatchLog(movies, options) };
}

/** The catalogue of `generateSyntheticData`, alone: milliseconds, so it can be published before the log. */
export function generateSyntheticCatalogue(options: SyntheticOptions): SyntheticMovie[] {
  return generateCatalogue({ movies: options.movies, seed: options.seed, endDate: options.endDate });
}

/** The watch log of `generateSyntheticData` over a catalogue from `generateSyntheticCatalogue`. */
export function generateSyntheticWatchLog(
  movies: readonly SyntheticMovie[],
  options: SyntheticOptions,
): InteractionColumns {
  const end = Date.parse(`${options.endDate}T23:59:59.999Z`);
  const start = end - options.days * 86_400_000 + 1;
  return generateWatchLog(movies, {
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
}

/** The catalogue rows without the hidden simulation traits. */
export function publicMovies(movies: readonly SyntheticMovie[]) {
  return movies.map(
    ({ genreIndices: _genres, quality: _quality, runtimeSeconds: _runtime, ...movie }) => movie,
  );
}

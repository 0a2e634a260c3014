/**
 * The two tables every data source produces. Column names follow the reference system's watch log
 * (`user_id, content_id, watch_seconds, rating, popularity`) plus a timestamp, and a normalized catalogue.
 */

/** One movie of the catalogue, whatever its source. */
export interface MovieRecord {
  movie_id: number;
  title: string;
  overview: string;
  /** Genre names, e.g. ["Drama", "Comedy"]. */
  genres: string[];
  /** `YYYY-MM-DD`, or null when unknown. */
  release_date: string | null;
  /** TMDB-style popularity score (≥ 0, long-tailed). */
  popularity: number;
  /** Average rating on TMDB's 0–10 scale. */
  vote_average: number;
  vote_count: number;
  /** TMDB poster path like `/abc.jpg`, or null. */
  poster_path: string | null;
  source: MovieSource;
}

export type MovieSource = 'tmdb' | 'synthetic' | 'movielens';

/** One user watching (and possibly rating) one movie. */
export interface InteractionRecord {
  user_id: number;
  /** The movie's `movie_id` (the reference calls it content_id). */
  content_id: number;
  /** Seconds watched; null when the source does not know (MovieLens). */
  watch_seconds: number | null;
  /** The user's rating on a 0–10 scale (MovieLens stars × 2); null when unrated. */
  rating: number | null;
  /** The movie's popularity when watched, as in the reference watch log. */
  popularity: number;
  /** When it happened, milliseconds since the epoch (UTC). */
  timestamp: number;
}

/** Interactions stored column by column: what large watch logs use (a million rows fit in ~30 MB). */
export interface InteractionColumns {
  length: number;
  user_id: Int32Array;
  content_id: Int32Array;
  /** NaN where unknown. */
  watch_seconds: Float64Array;
  /** NaN where unrated. */
  rating: Float64Array;
  popularity: Float64Array;
  /** Milliseconds since the epoch. */
  timestamp: Float64Array;
}

export function toInteractionColumns(records: readonly InteractionRecord[]): InteractionColumns {
  const length = records.length;
  const columns: InteractionColumns = {
    length,
    user_id: new Int32Array(length),
    content_id: new Int32Array(length),
    watch_seconds: new Float64Array(length),
    rating: new Float64Array(length),
    popularity: new Float64Array(length),
    timestamp: new Float64Array(length),
  };
  records.forEach((record, index) => {
    columns.user_id[index] = record.user_id;
    columns.content_id[index] = record.content_id;
    columns.watch_seconds[index] = record.watch_seconds ?? Number.NaN;
    columns.rating[index] = record.rating ?? Number.NaN;
    columns.popularity[index] = record.popularity;
    columns.timestamp[index] = record.timestamp;
  });
  return columns;
}

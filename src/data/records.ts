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

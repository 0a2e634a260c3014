import { type EntityFeatures, fetchEntityFeatures, getJson, type Movie, storedToken } from './client';

export interface SimilarMovie {
  movie_id: number;
  title: string;
  genres: string[];
  year: number | null;
  poster_url: string | null;
  score: number;
}

export interface SimilarMovies {
  movie_id: number;
  similar: SimilarMovie[];
  count: number;
  model: { name: string; version: string } | null;
  /** Why the list is empty (the model does not know the movie, or none is served yet); null otherwise. */
  note: string | null;
}

export interface MovieAudience {
  movie_id: number;
  /** How many users watched it in the watch log the served model came from. */
  watches_in_log: number;
  feedback_count: number;
  feedback: {
    user_id: number | string;
    interaction_type: string;
    rating: number | null;
    created_at: string;
  }[];
}

export const fetchMovie = (movieId: number) => getJson<Movie>(`/api/v1/movies/${movieId}`);
export const fetchSimilarMovies = (movieId: number, k = 12) =>
  getJson<SimilarMovies>(`/api/v1/movies/${movieId}/similar?k=${k}`);
export const fetchMovieAudience = (movieId: number) =>
  getJson<MovieAudience>(`/api/v1/movies/${movieId}/audience?limit=30`);
export const fetchMovieFeatures = (movieId: number): Promise<EntityFeatures> =>
  fetchEntityFeatures('movie', String(movieId));

/**
 * Undoes one feedback: it stops counting at once, and the server records the withdrawal as a
 * `feedback.retracted` event carrying the feedback as it was given.
 */
export async function retractFeedback(userId: string, feedbackId: string): Promise<{ movie_id: number }> {
  const token = storedToken();
  const response = await fetch(
    `/api/v1/feedback/${encodeURIComponent(userId)}/${encodeURIComponent(feedbackId)}`,
    {
      method: 'DELETE',
      headers: {
        accept: 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
    },
  );
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as { message?: string } | undefined;
    throw new Error(body?.message ?? `undo answered HTTP ${response.status}`);
  }
  return (await response.json()) as { movie_id: number };
}

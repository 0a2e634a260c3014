import type {
  FeedbackRetracted,
  MovieAudience,
  SimilarMovies,
} from '../../../src/server/schemas/serving-api';
import type { Movie } from './catalogue-client';
import { type EntityFeatures, fetchEntityFeatures } from './features-client';
import { getJson, storedToken } from './http';

export type { MovieAudience, SimilarMovie, SimilarMovies } from '../../../src/server/schemas/serving-api';

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
export async function retractFeedback(userId: string, feedbackId: string): Promise<FeedbackRetracted> {
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
  return (await response.json()) as FeedbackRetracted;
}

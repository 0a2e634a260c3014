/** Recommendations, feedback, the served model and the A/B split. Types: src/server/schemas/serving-api.ts. */
import type {
  AbReport,
  FeedbackHistory,
  FeedbackRecorded,
  FeedbackType,
  ModelInfo,
  Recommendations,
} from '../../../src/server/schemas/serving-api';
import { getJson, postJson } from './http';

export type {
  AbReport,
  FeedbackRecord,
  FeedbackType,
  ModelInfo,
  Recommendation,
  Recommendations,
  ServedModelInfo,
} from '../../../src/server/schemas/serving-api';

export const fetchRecommendations = (userId: string, k: number) =>
  getJson<Recommendations>(`/api/v1/recommendations?user_id=${encodeURIComponent(userId)}&k=${k}`);
export const sendFeedback = (userId: string, movieId: number, type: FeedbackType) =>
  postJson<FeedbackRecorded>('/api/v1/feedback', {
    user_id: userId,
    movie_id: movieId,
    interaction_type: type,
  });

/** A user's feedback, newest first (an unknown user has none). */
export const fetchFeedbackHistory = (userId: string, limit = 50) =>
  getJson<FeedbackHistory>(`/api/v1/feedback/${encodeURIComponent(userId)}?limit=${limit}`);

export const fetchModelInfo = () => getJson<ModelInfo>('/api/v1/model/info');
export const fetchAbReport = () => getJson<AbReport>('/api/v1/experiments/ab');

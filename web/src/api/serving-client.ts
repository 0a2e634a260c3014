import { getJson } from './client';

/** One feedback a user gave, as the server keeps it. */
export interface FeedbackRecord {
  feedback_id: string;
  movie_id: number;
  interaction_type: string;
  rating: number | null;
  created_at: string;
}

/** A user's feedback, newest first (an unknown user has none). */
export const fetchFeedbackHistory = (userId: string, limit = 50) =>
  getJson<{ user_id: string | number; feedback_count: number; feedback_history: FeedbackRecord[] }>(
    `/api/v1/feedback/${encodeURIComponent(userId)}?limit=${limit}`,
  );

import type { ColumnType } from 'kysely';

/** Tables owned by serving/ (recommendation feedback): other capabilities go through its service, not these tables. */
export interface ServingTables {
  feedback: FeedbackTable;
}

/** One user's reaction to a movie, as `POST /api/v1/feedback` records it. */
export interface FeedbackTable {
  feedback_id: string;
  user_id: number;
  movie_id: number;
  interaction_type: string;
  rating: number | null;
  /** `champion` or `challenger`: which A/B arm served this user. */
  variant: string;
  model_name: string;
  model_version: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

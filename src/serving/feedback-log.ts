import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../storage/index.js';
import { type InteractionType, isPositive } from './user-histories.js';

export interface PositiveFeedback {
  user_id: number;
  movie_id: number;
  rating: number | null;
  created_at: Date;
}

/**
 * Feedback that says a user wanted a movie (watch, like, click, a rating of 6 or more), oldest first,
 * recorded after `after` (all of it without): what the next training run learns on top of the watch log.
 */
export async function positiveFeedbackSince(
  db: Kysely<DatabaseSchema>,
  after: Date | undefined,
): Promise<PositiveFeedback[]> {
  let query = db
    .selectFrom('feedback')
    .select(['user_id', 'movie_id', 'interaction_type', 'rating', 'created_at'])
    .orderBy('created_at')
    .orderBy('feedback_id');
  if (after !== undefined) query = query.where('created_at', '>', after);
  const rows = await query.execute();
  return rows
    .filter((row) => isPositive(row.interaction_type as InteractionType, row.rating))
    .map(({ interaction_type: _type, ...row }) => row);
}

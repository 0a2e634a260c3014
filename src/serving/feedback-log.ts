import type { Insertable, Kysely } from 'kysely';
import type { DatabaseSchema } from '../storage/index.js';
import { type InteractionType, isPositive } from './user-histories.js';

/** The `feedback` table (serving/ owns it): what users said of movies, read and written here only. */

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

/** Every stored feedback, oldest first: replayed onto the users' histories when serving loads its data. */
export async function allFeedback(
  db: Kysely<DatabaseSchema>,
): Promise<
  { user_id: number; movie_id: number; interaction_type: InteractionType; rating: number | null }[]
> {
  const rows = await db
    .selectFrom('feedback')
    .select(['user_id', 'movie_id', 'interaction_type', 'rating'])
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({ ...row, interaction_type: row.interaction_type as InteractionType }));
}

/** Stores one feedback row; resolves with the time the database gave it. */
export async function insertFeedback(
  db: Kysely<DatabaseSchema>,
  row: Insertable<DatabaseSchema['feedback']>,
): Promise<{ created_at: Date }> {
  return db.insertInto('feedback').values(row).returning('created_at').executeTakeFirstOrThrow();
}

/**
 * Deletes one feedback of a user and resolves with it (undefined when the user has no such feedback), with
 * the user's feedback still standing afterwards, oldest first.
 */
export async function deleteFeedback(db: Kysely<DatabaseSchema>, userId: number, feedbackId: string) {
  const row = await db
    .deleteFrom('feedback')
    .where('feedback_id', '=', feedbackId)
    .where('user_id', '=', userId)
    .returningAll()
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const standing = await db
    .selectFrom('feedback')
    .select(['movie_id', 'interaction_type', 'rating'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
  return { row, standing };
}

/** The latest feedback on a movie (newest first, at most `limit`) and how much there is in all. */
export async function feedbackOnMovie(db: Kysely<DatabaseSchema>, movieId: number, limit: number) {
  const rows = await db
    .selectFrom('feedback')
    .select(['user_id', 'interaction_type', 'rating', 'created_at'])
    .where('movie_id', '=', movieId)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  const total = await db
    .selectFrom('feedback')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('movie_id', '=', movieId)
    .executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

/** A user's latest feedback (newest first, at most `limit`) and how much there is in all. */
export async function feedbackOfUser(db: Kysely<DatabaseSchema>, userId: number, limit: number) {
  const rows = await db
    .selectFrom('feedback')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('feedback_id')
    .limit(limit)
    .execute();
  const total = await db
    .selectFrom('feedback')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

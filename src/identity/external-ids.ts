import { z } from 'zod';

/**
 * External ids as users and other systems write them. A user id is any 1–128 letters, digits and
 * `_ . : @ -`; a number and its digits are the same user (`7` = `"7"`). A movie id is a number, its digits
 * or the seed guide's `movie_<n>`.
 */
export type ExternalUserId = number | string;

/** Numeric user ids below this are their own integer keys; every other id gets a key from the identity map. */
export const MAPPED_KEY_BASE = 1_000_000_000;

/** The key of a user nobody has seen: served the cold-start list. */
export const UNKNOWN_USER_KEY = -1;

const USER_ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;
const SMALL_NUMBER = /^\d{1,9}$/;
const MOVIE_ID_PATTERN = /^(?:movie_)?(\d{1,10})$/;

/** One form per user: numbers below MAPPED_KEY_BASE (from numbers or digits), everything else a string. */
export function canonicalUserId(id: number | string): ExternalUserId {
  if (typeof id === 'number') return id < MAPPED_KEY_BASE ? id : String(id);
  return SMALL_NUMBER.test(id) ? Number(id) : id;
}

/** The integer key of an id that needs no identity map (a small number), else undefined. */
export function directUserKey(id: ExternalUserId): number | undefined {
  return typeof id === 'number' ? id : undefined;
}

const USER_ID_MESSAGE = 'must be a user id: 1–128 letters, digits and _ . : @ - (or a whole number)';

/** A user id in a JSON body or event: a whole number or a string id. */
export const userIdSchema = z
  .union(
    [
      z
        .number({ error: USER_ID_MESSAGE })
        .int({ error: USER_ID_MESSAGE })
        .min(0, { error: USER_ID_MESSAGE })
        .max(Number.MAX_SAFE_INTEGER, { error: USER_ID_MESSAGE }),
      z.string().regex(USER_ID_PATTERN, { error: USER_ID_MESSAGE }),
    ],
    { error: USER_ID_MESSAGE },
  )
  .transform(canonicalUserId)
  .describe('the user: a whole number or a string id of 1–128 letters, digits and _ . : @ -');

/** A user id in a path or query string (always text there). */
export const userIdParam = z
  .string()
  .regex(USER_ID_PATTERN, { error: USER_ID_MESSAGE })
  .transform(canonicalUserId)
  .describe('the user: a whole number or a string id of 1–128 letters, digits and _ . : @ -');

const MOVIE_ID_MESSAGE = 'must be a movie id: a whole number, its digits, or movie_<number>';

function movieNumber(id: number | string): number {
  return typeof id === 'number' ? id : Number(MOVIE_ID_PATTERN.exec(id)?.[1]);
}

/** A movie id: `123`, `"123"` or `"movie_123"`, always the number after parsing. */
export const movieIdSchema = z
  .union(
    [
      z
        .number({ error: MOVIE_ID_MESSAGE })
        .int({ error: MOVIE_ID_MESSAGE })
        .min(0, { error: MOVIE_ID_MESSAGE })
        .max(2_147_483_647, { error: MOVIE_ID_MESSAGE }),
      z.string().regex(MOVIE_ID_PATTERN, { error: MOVIE_ID_MESSAGE }),
    ],
    { error: MOVIE_ID_MESSAGE },
  )
  .transform(movieNumber)
  .pipe(z.number().int().min(0).max(2_147_483_647, { error: MOVIE_ID_MESSAGE }))
  .describe('the movie: a whole number, its digits as a string, or movie_<number>');

/** A movie id in a path or query string. */
export const movieIdParam = z
  .string()
  .regex(MOVIE_ID_PATTERN, { error: MOVIE_ID_MESSAGE })
  .transform(movieNumber)
  .pipe(z.number().int().min(0).max(2_147_483_647, { error: MOVIE_ID_MESSAGE }))
  .describe('the movie: a whole number or movie_<number>');

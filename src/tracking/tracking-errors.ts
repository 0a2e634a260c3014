import { ConflictError, NotFoundError, ValidationError } from '../errors/index.js';

/** Errors of the tracking store; the MLflow routes map them to MLflow's error codes. */
export const invalid = (message: string, field?: string) =>
  new ValidationError(message, field === undefined ? {} : { field });
export const missing = (message: string, field?: string) =>
  new NotFoundError(message, field === undefined ? {} : { field });
export const exists = (message: string, field?: string) =>
  new ConflictError(message, field === undefined ? {} : { field });

const KEY_PATTERN = /^[\w\-. /]+$/;
export const MAX_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;

/**
 * A LIKE pattern PostgreSQL can run: a backslash escapes the next character, so one left at the end (an
 * odd number of them) is refused here, naming the filter, rather than failing in the database.
 */
export function checkLikePattern(pattern: string, filter: string): void {
  const trailing = /\\+$/.exec(pattern)?.[0].length ?? 0;
  if (trailing % 2 === 1)
    throw invalid(
      `Invalid filter '${filter}': a LIKE pattern cannot end with an escape character (\\); write \\\\ for a backslash`,
      'filter',
    );
}

/** Values are stored as PostgreSQL text, which cannot hold NUL: refuse it up front with a clear message. */
export function validateValue(value: string, what: string): void {
  if (value.includes('\u0000')) throw invalid(`${what} value must not contain NUL characters`, 'value');
}

/** MLflow's rule for metric, param and tag names: word characters, `-`, `.`, ` `, `/`; no path tricks. */
export function validateKey(key: unknown, what: string): string {
  if (typeof key !== 'string' || key.length === 0)
    throw invalid(`${what} name must be a non-empty string`, 'key');
  if (key.length > MAX_KEY_LENGTH)
    throw invalid(`${what} name "${key.slice(0, 40)}…" is longer than ${MAX_KEY_LENGTH} characters`, 'key');
  if (!KEY_PATTERN.test(key) || key.startsWith('/') || key.split('/').includes('..')) {
    throw invalid(
      `invalid ${what} name "${key}": names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ) and slashes (/)`,
      'key',
    );
  }
  return key;
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../errors/index.js';

/** JSON nested deeper than this is refused before any handler walks it. */
export const MAX_BODY_DEPTH = 64;

/**
 * Refuses, with a 400 naming the field, what no route can store or walk safely: a NUL character in any
 * string (PostgreSQL refuses it in text, so it used to surface as a 500) — in the path, the query string or
 * a JSON body — a JSON number too large to be finite (`1e400`), and JSON nested deeper than MAX_BODY_DEPTH levels. Streamed and binary bodies (artifact
 * uploads) pass untouched.
 */
export function registerInputGuard(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    // Only a percent-encoded NUL can get this far (the HTTP parser refuses a raw one): most requests stop here.
    if (!request.url.includes('%00')) return done();
    const [pathPart = '', query] = request.url.split('?', 2);
    if (hasNul(decodeLoosely(pathPart)))
      return done(new ValidationError('the path holds a NUL character', { field: 'params' }));
    for (const [key, value] of new URLSearchParams(query ?? ''))
      if (hasNul(key) || hasNul(value))
        return done(
          new ValidationError(`querystring.${printable(key)}: holds a NUL character`, {
            field: `querystring.${printable(key)}`,
          }),
        );
    done();
  });
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const body = request.body;
    if (!isJson(body)) return;
    const problem = inspect(body, 'body', 0);
    if (problem !== undefined) throw new ValidationError(problem.message, { field: problem.field });
  });
}

function inspect(
  value: unknown,
  field: string,
  depth: number,
): { field: string; message: string } | undefined {
  if (typeof value === 'string')
    return hasNul(value) ? { field, message: `${field}: holds a NUL character` } : undefined;
  // JSON.parse turns 1e400 or a 400-digit number into ±Infinity, which no column can hold.
  if (typeof value === 'number' && !Number.isFinite(value))
    return { field, message: `${field}: is too large a number (beyond ±1.8e308)` };
  if (!isJson(value)) return undefined;
  if (depth >= MAX_BODY_DEPTH)
    return { field, message: `${field}: nested deeper than ${MAX_BODY_DEPTH} levels` };
  for (const [key, child] of Object.entries(value)) {
    if (hasNul(key)) return { field, message: `${field}: a key holds a NUL character` };
    const problem = inspect(child, `${field}.${key}`, depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** A parsed JSON object or array: streamed and binary bodies (artifact uploads) are left alone. */
function isJson(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function hasNul(text: string): boolean {
  return text.includes('\u0000');
}

function decodeLoosely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function printable(key: string): string {
  return key.replaceAll('\u0000', '\\0').slice(0, 64);
}

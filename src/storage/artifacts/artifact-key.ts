import { MlopsError } from '../../errors/index.js';

/** Top-level folder the stores keep for themselves (temporary files, metadata); no key may use it. */
export const RESERVED_PREFIX = '.mlops';
const MAX_KEY_LENGTH = 1024;
const MAX_SEGMENT_BYTES = 255;

/**
 * Checks an artifact key and returns it unchanged. A key is a relative, '/'-separated path: not empty,
 * at most 1024 characters, no leading '/', no '\', no control characters, and no empty, '.' or '..'
 * segment, so no key can name anything outside the store's root.
 */
export function validateArtifactKey(key: string, field = 'key'): string {
  const problem = findKeyProblem(key);
  if (problem !== undefined) throw invalidKey(key, problem, field);
  return key;
}

/**
 * Checks a listing prefix: '' (everything) or a key-like path that may end with '/'.
 */
export function validateArtifactPrefix(prefix: string, field = 'prefix'): string {
  if (prefix === '') return prefix;
  const problem = findKeyProblem(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  if (problem !== undefined) throw invalidKey(prefix, problem, field);
  return prefix;
}

function findKeyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'must not be empty';
  if (key.length > MAX_KEY_LENGTH) return `must be at most ${MAX_KEY_LENGTH} characters`;
  if (key.startsWith('/')) return 'must be relative (no leading "/")';
  if (key.includes('\\')) return 'must use "/" as separator, not "\\"';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'must not contain control characters';
  const segments = key.split('/');
  if (segments.some((segment) => segment === ''))
    return 'must not contain empty segments ("//" or a trailing "/")';
  if (segments.some((segment) => segment === '.' || segment === '..'))
    return 'must not contain "." or ".." segments';
  // Filesystems refuse longer names (ENAMETOOLONG); S3 keys count bytes too.
  if (segments.some((segment) => Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES))
    return `must not have a segment longer than ${MAX_SEGMENT_BYTES} bytes`;
  if (segments[0] === RESERVED_PREFIX) return `must not start with the reserved folder "${RESERVED_PREFIX}/"`;
  return undefined;
}

function invalidKey(key: string, problem: string, field: string): MlopsError {
  const shown = JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key);
  return new MlopsError('MLOPS_ERR_ARTIFACT_KEY_INVALID', `artifact ${field} ${shown} ${problem}`, { field });
}

export function artifactNotFound(key: string): MlopsError {
  return new MlopsError(
    'MLOPS_ERR_ARTIFACT_NOT_FOUND',
    `no artifact is stored under key ${JSON.stringify(key)}`,
    {
      field: 'key',
    },
  );
}

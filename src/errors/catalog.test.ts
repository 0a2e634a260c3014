import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, type ErrorCode } from './catalog.js';
import { MlopsError, NotFoundError } from './errors.js';

describe('error catalog', () => {
  it('documents every code, with its HTTP status, in docs/errors.md', () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8');
    for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
      expect(doc, `${code} missing from docs/errors.md`).toMatch(
        new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${entry.status}\\s*\\|`),
      );
    }
  });

  it('follows the MLOPS_ERR_<AREA>_<WHAT> naming (generic codes have no area)', () => {
    for (const code of Object.keys(ERROR_CATALOG)) expect(code).toMatch(/^MLOPS_ERR_[A-Z]+(_[A-Z]+)*$/);
  });

  it('serialises to the wire shape and back', () => {
    const error = new NotFoundError('no movie 42', { field: 'movie_id' });
    const body = error.toJSON();
    expect(body).toEqual({ error_code: 'MLOPS_ERR_NOT_FOUND', message: 'no movie 42', field: 'movie_id' });
    const back = MlopsError.fromJSON(JSON.parse(JSON.stringify(body)));
    expect([back.code, back.message, back.field, back.httpStatus]).toEqual([
      'MLOPS_ERR_NOT_FOUND',
      'no movie 42',
      'movie_id',
      404,
    ]);
  });

  it('turns an unknown code from a remote into an internal error instead of trusting it', () => {
    expect(MlopsError.fromJSON({ error_code: 'SOMETHING_ELSE', message: 'x' }).code).toBe(
      'MLOPS_ERR_INTERNAL' satisfies ErrorCode,
    );
  });
});

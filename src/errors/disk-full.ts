import { MlopsError } from './errors.js';

/**
 * Whether an error (or one it was caused by) says a disk is full: ENOSPC or EDQUOT from the filesystem,
 * PostgreSQL's `disk_full` (53100). Such a failure is the operator's to fix, so it answers 507, not 500.
 */
export function isDiskFull(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Object && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === '53100') return true;
    if (current instanceof MlopsError && current.code === 'MLOPS_ERR_STORAGE_FULL') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The 507 answer for a disk-full failure: nothing of the request was kept (writes go through temporary files or transactions). */
export function storageFullError(cause: unknown): MlopsError {
  return new MlopsError(
    'MLOPS_ERR_STORAGE_FULL',
    'the disk of the artifact store or the database is full: nothing of this request was kept; free space and retry',
    { cause },
  );
}

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { MlopsError } from '../../errors/index.js';

/**
 * An exclusive lock held by this process through a file containing its pid. A lock left behind by a
 * process that no longer runs (killed with -9, say) is taken over, so a crash never locks a user out.
 */
export class FileLock {
  private isHeld = false;

  private constructor(private readonly file: string) {}

  static acquire(file: string, what: string): FileLock {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        const lock = new FileLock(file);
        lock.isHeld = true;
        return lock;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = readOwner(file);
        if (owner !== undefined && isProcessAlive(owner)) {
          throw new MlopsError(
            'MLOPS_ERR_HOME_LOCKED',
            `${what} is in use by another mlops process (pid ${owner}); stop it first, or point MLOPS_HOME elsewhere`,
            { field: 'MLOPS_HOME' },
          );
        }
        removeQuietly(file);
      }
    }
    throw new MlopsError('MLOPS_ERR_HOME_LOCKED', `could not lock ${file}`, { field: 'MLOPS_HOME' });
  }

  release(): void {
    if (!this.isHeld) return;
    this.isHeld = false;
    if (readOwner(this.file) === process.pid) removeQuietly(this.file);
  }
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

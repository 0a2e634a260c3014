import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../version.js';

let cached: string | undefined;

/**
 * The code that is making data or models: the git commit of this checkout (with `-dirty` when it has
 * uncommitted changes), or `movie-mlops@<version>` when installed without git.
 */
export function codeRevision(): string {
  cached ??= readGitRevision() ?? `movie-mlops@${VERSION}`;
  return cached;
}

function readGitRevision(): string | undefined {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  try {
    const run = (args: string[]) =>
      execFileSync('git', args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'], timeout: 3000 })
        .toString()
        .trim();
    const commit = run(['rev-parse', 'HEAD']);
    const isDirty = run(['status', '--porcelain', '--untracked-files=no']) !== '';
    return isDirty ? `${commit}-dirty` : commit;
  } catch {
    return undefined;
  }
}

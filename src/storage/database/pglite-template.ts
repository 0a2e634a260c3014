import { existsSync } from 'node:fs';
import { cp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

/**
 * An empty embedded database, made once by `npm run build` (`build:db-template`): a first start copies it
 * (a fraction of a second) instead of running PGlite's initdb (2–3 s on two cores). It holds no schema —
 * migrations still run on the copy, so every installation gets its own instance id. The same relative path
 * from src/ and dist/ reaches <repo>/dist.
 */
export const PGLITE_TEMPLATE_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../dist/pglite-template',
);

export function hasPgliteTemplate(templateDir = PGLITE_TEMPLATE_DIR): boolean {
  return existsSync(path.join(templateDir, 'PG_VERSION'));
}

/** Creates an empty database folder at `dataDir`: a copy of the template when there is one, else initdb. */
export async function createEmptyDataDir(
  dataDir: string,
  templateDir = PGLITE_TEMPLATE_DIR,
): Promise<'template' | 'initdb'> {
  if (hasPgliteTemplate(templateDir)) {
    try {
      await cp(templateDir, dataDir, { recursive: true });
      return 'template';
    } catch {
      // An unreadable template costs only time: start over with initdb.
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  const pglite = new PGlite(dataDir);
  await pglite.waitReady;
  await pglite.close();
  return 'initdb';
}

/** Builds the template beside its final place and renames it in: a killed build leaves none, never half. */
export async function buildPgliteTemplate(templateDir = PGLITE_TEMPLATE_DIR): Promise<void> {
  const side = `${templateDir}.build-${process.pid}`;
  await rm(side, { recursive: true, force: true });
  const pglite = new PGlite(side);
  await pglite.waitReady;
  await pglite.close();
  await rm(templateDir, { recursive: true, force: true });
  await rename(side, templateDir);
}

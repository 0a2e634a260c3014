import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValidationError } from '../errors/index.js';

/**
 * Imports a user's TypeScript or JavaScript file (feature definitions, pipelines) and returns its exports.
 * TypeScript runs through tsx's loader, scoped to this one import. A file tsx loads as CommonJS comes back
 * with its exports under `default` (and its default export under `default.default`): both shapes give the
 * same answer here. `variable` names the setting the file came from, for error messages.
 */
export async function importUserModule(file: string, variable: string): Promise<Record<string, unknown>> {
  const absolute = path.resolve(file);
  if (!existsSync(absolute))
    throw new ValidationError(`${absolute} does not exist (${variable})`, { field: variable });
  let loaded: Record<string, unknown>;
  try {
    if (/\.[cm]?ts$/.test(absolute)) {
      const { tsImport } = await import('tsx/esm/api');
      loaded = (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as Record<string, unknown>;
    } else {
      loaded = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
    }
  } catch (error) {
    throw new ValidationError(
      `cannot load ${absolute} (${variable}): ${error instanceof Error ? error.message : String(error)}`,
      { field: variable, cause: error },
    );
  }
  const inner = loaded.default;
  const isInterop =
    Object.keys(loaded).every((key) => key === 'default' || key === 'module.exports') &&
    typeof inner === 'object' &&
    inner !== null &&
    !Array.isArray(inner) &&
    ('default' in inner || Object.keys(inner).length > 0);
  return isInterop ? (inner as Record<string, unknown>) : loaded;
}

import { mkdir } from 'node:fs/promises';
import { NotFoundError } from '../errors/index.js';

import type { Entity, FeatureType, FeatureView } from './definitions/types.js';
import type { ActiveRegistry } from './registry.js';

/** Features read dataset files from the verified local cache lineage keeps. */
export { localDatasetFile } from '../lineage/index.js';

/**
 * The offline store's shared pieces: dataset names, DuckDB types, local dataset files, view lookup. Builds
 * are `feature-view-build.ts` and `feature-builds.ts`, point-in-time retrieval `historical-features.ts`.
 */

const DUCKDB_TYPES: Record<FeatureType, string> = {
  int64: 'BIGINT',
  float64: 'DOUBLE',
  string: 'VARCHAR',
  bool: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  'int64[]': 'BIGINT[]',
  'float64[]': 'DOUBLE[]',
  'string[]': 'VARCHAR[]',
};

/** The dataset of the rows pushed offline to a view (`POST /push`), each push a new version of all of them. */
export function pushedDatasetName(view: string): string {
  return `features.${view}.pushed`;
}

/** The DuckDB type of a feature type. */
export function duckDbTypeOf(dtype: FeatureType): string {
  return DUCKDB_TYPES[dtype];
}

/** The dataset name a view's builds are versioned under. */
export function featureDatasetName(view: string): string {
  return `features.${view}`;
}

export function findView(registry: ActiveRegistry, name: string): ActiveRegistry['featureViews'][number] {
  const view = registry.featureViews.find((item) => item.name === name);
  if (view === undefined) {
    const known = registry.featureViews.map((item) => item.name).join(', ') || 'none';
    throw new NotFoundError(`no feature view named ${name} in the registry (applied: ${known})`, {
      field: 'feature_view',
    });
  }
  return view;
}

export function joinKeysOf(registry: ActiveRegistry, view: Pick<FeatureView, 'entities'>): Entity[] {
  return view.entities.map((name) => {
    const entity = registry.entities.find((item) => item.name === name);
    if (entity === undefined)
      throw new NotFoundError(`no entity named ${name} in the registry`, { field: 'entities' });
    return entity;
  });
}

export function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

export async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

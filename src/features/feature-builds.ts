import type { DataContext } from '../data/index.js';
import { MlopsError } from '../errors/index.js';
import { resolveDatasetVersion } from '../lineage/index.js';
import { localDatasetFile } from './offline-store.js';
import type { FeatureStatistics } from './statistics.js';

/** The record of feature-view builds: which dataset version each build of a view made, newest first. */

export interface BuildValidation {
  passed: boolean;
  checks: { check: string; passed: boolean; detail: string }[];
}

/** One feature view computed into the offline store. */
export interface FeatureBuild {
  build_id: string;
  feature_view: string;
  definition_version: number;
  dataset_version_id: string;
  row_count: number;
  inputs: { dataset: string; version_id: string }[];
  statistics: FeatureStatistics;
  validation: BuildValidation;
  created_at: Date;
}

/** The newest build of a view (valid ones only unless told otherwise). */
export async function latestBuild(
  context: Pick<DataContext, 'db'>,
  view: string,
  options: { validOnly?: boolean } = {},
): Promise<FeatureBuild | undefined> {
  const rows = await context.db
    .selectFrom('feature_builds')
    .selectAll()
    .where('feature_view', '=', view)
    .orderBy('created_at', 'desc')
    .limit(20)
    .execute();
  const builds = rows.map(toBuild);
  return options.validOnly === false ? builds[0] : builds.find((build) => build.validation.passed);
}

/** Whether any feature view was ever built (a fresh install has none). */
export async function hasAnyBuild(context: Pick<DataContext, 'db'>): Promise<boolean> {
  const row = await context.db.selectFrom('feature_builds').select('build_id').limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Builds of a view, newest first. */
export async function listBuilds(
  context: Pick<DataContext, 'db'>,
  view: string,
  limit = 20,
): Promise<FeatureBuild[]> {
  const rows = await context.db
    .selectFrom('feature_builds')
    .selectAll()
    .where('feature_view', '=', view)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toBuild);
}

function toBuild(row: {
  build_id: string;
  feature_view: string;
  definition_version: number;
  dataset_version_id: string;
  row_count: number;
  inputs: unknown;
  statistics: unknown;
  validation: unknown;
  created_at: Date;
}): FeatureBuild {
  const json = <T>(value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value) as T;
  return {
    ...row,
    row_count: Number(row.row_count),
    inputs: json(row.inputs),
    statistics: json(row.statistics),
    validation: json(row.validation),
  };
}

/** The local Parquet file of a view's latest valid build; a clear error when it was never built. */
export async function builtViewFile(
  context: DataContext,
  view: string,
): Promise<{ build: FeatureBuild; file: string }> {
  const build = await latestBuild(context, view);
  if (build === undefined) {
    throw new MlopsError(
      'MLOPS_ERR_FEATURES_NOT_BUILT',
      `feature view ${view} has no valid build yet: run \`mlops features build\``,
      { field: 'feature_view' },
    );
  }
  const version = await resolveDatasetVersion(context.db, build.dataset_version_id);
  return { build, file: await localDatasetFile(context, version) };
}

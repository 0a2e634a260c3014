import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { type DataContext, sqlString, withDuckDb } from '../data/index.js';
import { MlopsError, NotFoundError, ValidationError } from '../errors/index.js';
import {
  checkoutDatasetVersion,
  type DatasetVersion,
  latestDatasetVersion,
  linkLineage,
  recordDatasetVersion,
  resolveDatasetVersion,
} from '../lineage/index.js';
import type { Entity, FeatureType, FeatureView } from './definitions/types.js';
import { toJsonValue } from './json-value.js';
import type { ActiveRegistry } from './registry.js';
import { computeStatistics, type FeatureStatistics } from './statistics.js';

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

/** A dataset version's file on local disk: the content-addressed cache under MLOPS_HOME, verified once. */
export async function localDatasetFile(context: DataContext, version: DatasetVersion): Promise<string> {
  const dir = path.join(context.home, 'cache', 'datasets', version.version_id);
  const file = path.join(dir, `${version.dataset}.${version.format}`);
  if (!existsSync(file)) await checkoutDatasetVersion(context, version, dir);
  return file;
}

/**
 * Computes a feature view from the latest versions of its input datasets (or the given ones) into a
 * Parquet file with the declared types, sorted by entity and time; records it as a dataset version linked
 * to its inputs, with statistics and a validation report. A build that fails validation is recorded too
 * (so it can be inspected) but never materialized.
 */
export async function buildFeatureView(
  context: DataContext,
  registry: ActiveRegistry,
  viewName: string,
  options: {
    inputVersions?: Record<string, string>;
    /**
     * `source` (default) runs the view's query over its inputs; `latest-build` starts from the latest
     * valid build instead (or from nothing), as an offline push does to append its rows without recomputing.
     */
    base?: 'source' | 'latest-build';
  } = {},
): Promise<FeatureBuild> {
  const view = findView(registry, viewName);
  const joinKeys = joinKeysOf(registry, view);
  const inputs: DatasetVersion[] = [];
  const previous = options.base === 'latest-build' ? await latestBuild(context, view.name) : undefined;
  const pushed = await latestDatasetVersion(context.db, pushedDatasetName(view.name));
  for (const input of options.base === 'latest-build' ? [] : view.source.inputs) {
    const pinned = options.inputVersions?.[input];
    const version =
      pinned === undefined
        ? await latestDatasetVersion(context.db, input)
        : await resolveDatasetVersion(context.db, pinned);
    if (version === undefined) {
      throw new MlopsError(
        'MLOPS_ERR_FEATURES_NOT_BUILT',
        `feature view ${view.name} reads dataset ${input}, which has no version yet: publish data first (mlops data generate|crawl|import)`,
        { field: 'source.inputs' },
      );
    }
    inputs.push(version);
  }
  const work = await mkdtemp(path.join(await ensureDir(path.join(context.home, 'tmp')), 'features-'));
  try {
    const output = path.join(work, `${view.name}.parquet`);
    const previousVersion =
      previous === undefined
        ? undefined
        : await resolveDatasetVersion(context.db, previous.dataset_version_id);
    const { statistics, validation, rowCount } = await withDuckDb(async (connection) => {
      for (const version of inputs) {
        const file = await localDatasetFile(context, version);
        await connection.run(
          `create view ${version.dataset} as select * from read_parquet(${sqlString(file)})`,
        );
      }
      if (options.base !== 'latest-build') await checkSourceColumns(connection, view, joinKeys);
      const typed = [
        ...joinKeys.map((key) => ({
          name: key.joinKey,
          type: key.valueType === 'int64' ? 'BIGINT' : 'VARCHAR',
        })),
        { name: view.source.timestampField, type: 'TIMESTAMP' },
        ...view.schema.map((field) => ({ name: field.name, type: DUCKDB_TYPES[field.dtype] })),
      ];
      const columns = typed.map((column) => `${quote(column.name)}::${column.type} as ${quote(column.name)}`);
      // An earlier build or pushed rows may predate a change of the definition: keep the columns the view
      // has now, a feature they lack as null.
      const typedSelect = async (connection: DuckDBConnection, file: string, isPushed: 0 | 1) => {
        const present = new Set(
          (await connection.runAndReadAll(`describe select * from read_parquet(${sqlString(file)})`))
            .getRowObjectsJS()
            .map((row) => String(row.column_name)),
        );
        const kept = typed.map((column) =>
          present.has(column.name)
            ? `${quote(column.name)}::${column.type} as ${quote(column.name)}`
            : `null::${column.type} as ${quote(column.name)}`,
        );
        return `select ${kept.join(', ')}, ${isPushed} as __pushed from read_parquet(${sqlString(file)})`;
      };
      // Rows pushed offline (POST /push) are part of the view: they win over a computed row of the same
      // entity and timestamp.
      const parts: string[] = [];
      if (options.base !== 'latest-build')
        parts.push(`select ${columns.join(', ')}, 0 as __pushed from (${view.source.query}) source`);
      else if (previousVersion !== undefined)
        parts.push(await typedSelect(connection, await localDatasetFile(context, previousVersion), 0));
      if (pushed !== undefined)
        parts.push(await typedSelect(connection, await localDatasetFile(context, pushed), 1));
      const identity = [...joinKeys.map((key) => quote(key.joinKey)), quote(view.source.timestampField)];
      try {
        await connection.run(
          `create table features as select * exclude (__pushed) from (${parts.join(' union all by name ')})
           qualify row_number() over (partition by ${identity.join(', ')} order by __pushed desc) = 1
           order by ${identity.join(', ')}`,
        );
      } catch (error) {
        throw new ValidationError(
          `feature view ${view.name}: its source query failed: ${error instanceof Error ? error.message : String(error)}`,
          { field: 'source.query', cause: error },
        );
      }
      const count = await connection.runAndReadAll('select count(*)::INTEGER from features');
      const rowCount = Number(count.getRows()[0]?.[0] ?? 0);
      const validation = await validateBuild(
        connection,
        view,
        joinKeys.map((key) => key.joinKey),
        rowCount,
      );
      const statistics = await computeStatistics(connection, 'features', view.schema, rowCount);
      await connection.run(`copy features to ${sqlString(output)} (format parquet, compression zstd)`);
      return { statistics, validation, rowCount };
    });
    const sources = [
      ...inputs.map((input) => ({ dataset: input.dataset, version_id: input.version_id })),
      ...(previous === undefined ? [] : previous.inputs.filter((input) => input.dataset !== pushed?.dataset)),
      ...(pushed === undefined ? [] : [{ dataset: pushed.dataset, version_id: pushed.version_id }]),
    ];
    const { version } = await recordDatasetVersion(context, {
      dataset: featureDatasetName(view.name),
      file: output,
      format: 'parquet',
      source: 'feature_build',
      params: { feature_view: view.name, definition_version: view.version },
      rowCount,
      parents: [
        ...inputs.map((input) => ({ kind: 'dataset' as const, id: input.version_id })),
        ...(previousVersion === undefined
          ? []
          : [{ kind: 'dataset' as const, id: previousVersion.version_id }]),
        ...(pushed === undefined ? [] : [{ kind: 'dataset' as const, id: pushed.version_id }]),
      ],
    });
    await linkLineage(context.db, [{ kind: 'feature_definition', id: `${view.name}@${view.version}` }], {
      kind: 'dataset',
      id: version.version_id,
    });
    const build: FeatureBuild = {
      build_id: randomUUID().replaceAll('-', ''),
      feature_view: view.name,
      definition_version: view.version,
      dataset_version_id: version.version_id,
      row_count: rowCount,
      inputs: sources,
      statistics,
      validation,
      created_at: new Date(),
    };
    await context.db
      .insertInto('feature_builds')
      .values({
        ...build,
        inputs: JSON.stringify(build.inputs),
        statistics: JSON.stringify(statistics),
        validation: JSON.stringify(validation),
      })
      .execute();
    // The Parquet file is also the local cache entry of its dataset version: no download to read it back.
    const cached = path.join(context.home, 'cache', 'datasets', version.version_id);
    if (!existsSync(path.join(cached, `${version.dataset}.parquet`))) {
      await mkdir(cached, { recursive: true });
      await rename(output, path.join(cached, `${version.dataset}.parquet`));
    }
    return build;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
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

/** Names the columns a view's query fails to return, before running it. */
async function checkSourceColumns(
  connection: DuckDBConnection,
  view: FeatureView,
  joinKeys: Entity[],
): Promise<void> {
  let described: string[];
  try {
    const reader = await connection.runAndReadAll(`describe (${view.source.query})`);
    described = reader.getRowObjectsJS().map((row) => String(row.column_name));
  } catch (error) {
    throw new ValidationError(
      `feature view ${view.name}: its source query is invalid: ${error instanceof Error ? error.message : String(error)}`,
      { field: 'source.query', cause: error },
    );
  }
  const needed = [
    ...joinKeys.map((key) => key.joinKey),
    view.source.timestampField,
    ...view.schema.map((field) => field.name),
  ];
  const missing = needed.filter((column) => !described.includes(column));
  if (missing.length > 0) {
    throw new ValidationError(
      `feature view ${view.name}: its source query returns no column ${missing.map((column) => `"${column}"`).join(', ')} (it returns ${described.join(', ')})`,
      { field: 'source.query' },
    );
  }
}

async function validateBuild(
  connection: DuckDBConnection,
  view: FeatureView,
  keys: string[],
  rowCount: number,
): Promise<BuildValidation> {
  const ts = quote(view.source.timestampField);
  const keyList = keys.map(quote).join(', ');
  const value = async (query: string) =>
    Number((await connection.runAndReadAll(query)).getRows()[0]?.[0] ?? 0);
  const nullKeys = await value(
    `select count(*)::INTEGER from features where ${keys.map((key) => `${quote(key)} is null`).join(' or ')}`,
  );
  const nullTimestamps = await value(`select count(*)::INTEGER from features where ${ts} is null`);
  const duplicates = await value(
    `select count(*)::INTEGER from (select ${keyList}, ${ts} from features group by all having count(*) > 1)`,
  );
  const checks = [
    { check: 'has rows', passed: rowCount > 0, detail: `${rowCount} rows` },
    { check: 'join keys are never null', passed: nullKeys === 0, detail: `${nullKeys} rows with a null key` },
    {
      check: 'timestamps are never null',
      passed: nullTimestamps === 0,
      detail: `${nullTimestamps} rows without a timestamp`,
    },
    {
      check: 'one row per entity and timestamp',
      passed: duplicates === 0,
      detail: `${duplicates} (entity, timestamp) pairs appear more than once`,
    },
  ];
  return { passed: checks.every((check) => check.passed), checks };
}

export interface HistoricalRequest {
  /** Entity rows: a Parquet or CSV file, or rows in memory. They carry the join keys and a timestamp. */
  entities: { file: string } | { rows: Record<string, unknown>[] };
  /** The entity rows' timestamp column (default `event_timestamp`). */
  timestampColumn?: string;
  /** `view:feature` or `view` references (feature views only: on-demand features are computed online). */
  features: string[];
  fullFeatureNames?: boolean;
  /** Write the result here as Parquet instead of returning rows. */
  outputFile?: string;
}

export interface HistoricalResult {
  rowCount: number;
  columns: string[];
  /** Present when no output file was asked for. */
  rows?: Record<string, unknown>[];
  /** Builds the values came from. */
  builds: { feature_view: string; build_id: string; dataset_version_id: string }[];
}

/**
 * Point-in-time join: for each entity row, each feature's value from the latest feature row of the same
 * entity whose timestamp is at or before the entity row's timestamp — never a later one — and null when
 * that row is older than the view's TTL. Entity rows keep their order and columns; features are appended.
 */
export async function getHistoricalFeatures(
  context: DataContext,
  registry: ActiveRegistry,
  request: HistoricalRequest,
): Promise<HistoricalResult> {
  const timestampColumn = request.timestampColumn ?? 'event_timestamp';
  const byView = new Map<string, string[]>();
  const unknown: string[] = [];
  for (const ref of request.features) {
    const [viewName = '', featureName] = ref.split(':');
    const view = registry.featureViews.find((item) => item.name === viewName);
    if (view === undefined) {
      unknown.push(
        registry.onDemandFeatureViews.some((item) => item.name === viewName)
          ? `${ref} (on-demand features are computed at serving time, not in historical retrieval)`
          : ref,
      );
      continue;
    }
    const names = featureName === undefined ? view.schema.map((field) => field.name) : [featureName];
    for (const name of names) {
      if (!view.schema.some((field) => field.name === name)) unknown.push(`${viewName}:${name}`);
      else byView.set(viewName, [...new Set([...(byView.get(viewName) ?? []), name])]);
    }
  }
  if (unknown.length > 0)
    throw new ValidationError(`unknown features: ${unknown.join(', ')}`, { field: 'features' });
  if (byView.size === 0) throw new ValidationError('no features asked for', { field: 'features' });

  const outputNames = new Map<string, string>();
  for (const [viewName, names] of byView) {
    for (const name of names) {
      const output = request.fullFeatureNames === true ? `${viewName}__${name}` : name;
      const clash = outputNames.get(output);
      if (clash !== undefined) {
        throw new ValidationError(
          `feature ${name} is asked from both ${clash} and ${viewName}: ask with full feature names`,
          { field: 'full_feature_names' },
        );
      }
      outputNames.set(output, viewName);
    }
  }

  const builds: HistoricalResult['builds'] = [];
  const files = new Map<string, string>();
  for (const viewName of byView.keys()) {
    const { build, file } = await builtViewFile(context, viewName);
    builds.push({
      feature_view: viewName,
      build_id: build.build_id,
      dataset_version_id: build.dataset_version_id,
    });
    files.set(viewName, file);
  }

  const scratch = await mkdtemp(path.join(await ensureDir(path.join(context.home, 'tmp')), 'historical-'));
  try {
    return await withDuckDb(async (connection) => {
      let source: string;
      if ('file' in request.entities) {
        const file = path.resolve(request.entities.file);
        if (!existsSync(file))
          throw new ValidationError(`entity file ${file} does not exist`, { field: 'entities' });
        source = /\.csv$/i.test(file)
          ? `read_csv(${sqlString(file)}, header = true)`
          : `read_parquet(${sqlString(file)})`;
      } else {
        const json = path.join(scratch, 'entities.json');
        await writeFile(json, JSON.stringify(request.entities.rows));
        source = `read_json(${sqlString(json)}, format = 'array')`;
      }
      await connection.run(
        `create table entity_rows as select row_number() over () as __row, * from ${source}`,
      );
      const columns = (await connection.runAndReadAll('describe entity_rows'))
        .getRowObjectsJS()
        .map((row) => String(row.column_name));
      if (!columns.includes(timestampColumn)) {
        throw new ValidationError(
          `the entity rows have no "${timestampColumn}" column (they have ${columns.filter((column) => column !== '__row').join(', ')})`,
          {
            field: 'entities',
          },
        );
      }
      const selects: string[] = ['e.* exclude (__row, __ts)'];
      const joins: string[] = [];
      let index = 0;
      for (const [viewName, names] of byView) {
        const view = findView(registry, viewName);
        const keys = joinKeysOf(registry, view);
        for (const key of keys) {
          if (!columns.includes(key.joinKey)) {
            throw new ValidationError(`feature view ${viewName} needs the entity column "${key.joinKey}"`, {
              field: 'entities',
            });
          }
        }
        const alias = `v${index++}`;
        const ts = quote(view.source.timestampField);
        await connection.run(
          `create view ${alias}_rows as select * from read_parquet(${sqlString(files.get(viewName) ?? '')})`,
        );
        const keyCondition = keys
          .map((key) => `${keyCast(`e.${quote(key.joinKey)}`, key)} = ${alias}.${quote(key.joinKey)}`)
          .join(' and ');
        joins.push(`asof left join ${alias}_rows ${alias} on ${keyCondition} and e.__ts >= ${alias}.${ts}`);
        const fresh =
          view.ttlSeconds === 0
            ? `${alias}.${ts} is not null`
            : `${alias}.${ts} >= e.__ts - to_seconds(${view.ttlSeconds})`;
        for (const name of names) {
          const output = request.fullFeatureNames === true ? `${viewName}__${name}` : name;
          selects.push(`case when ${fresh} then ${alias}.${quote(name)} end as ${quote(output)}`);
        }
      }
      await connection.run(
        `create table result as select ${selects.join(', ')}
         from (select *, ${quote(timestampColumn)}::TIMESTAMP as __ts from entity_rows) e ${joins.join(' ')}
         order by e.__row`,
      );
      const outputColumns = (await connection.runAndReadAll('describe result'))
        .getRowObjectsJS()
        .map((row) => String(row.column_name));
      const count = Number(
        (await connection.runAndReadAll('select count(*)::INTEGER from result')).getRows()[0]?.[0] ?? 0,
      );
      if (request.outputFile !== undefined) {
        const target = path.resolve(request.outputFile);
        const tmp = `${target}.tmp-${process.pid}`;
        await connection.run(`copy result to ${sqlString(tmp)} (format parquet, compression zstd)`);
        await rename(tmp, target);
        return { rowCount: count, columns: outputColumns, builds };
      }
      const reader = await connection.runAndReadAll('select * from result');
      const rows = reader
        .getRowObjectsJS()
        .map((row) =>
          Object.fromEntries(Object.entries(row).map(([key, value]) => [key, toJsonValue(value)])),
        );
      return { rowCount: count, columns: outputColumns, rows, builds };
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function keyCast(expression: string, key: Entity): string {
  return `${expression}::${key.valueType === 'int64' ? 'BIGINT' : 'VARCHAR'}`;
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { type DataContext, sqlString, withDuckDb } from '../data/index.js';
import { MlopsError, ValidationError } from '../errors/index.js';
import {
  type DatasetVersion,
  latestDatasetVersion,
  linkLineage,
  recordDatasetVersion,
  resolveDatasetVersion,
} from '../lineage/index.js';
import type { Entity, FeatureView } from './definitions/types.js';
import { type BuildValidation, type FeatureBuild, latestBuild } from './feature-builds.js';
import {
  duckDbTypeOf,
  ensureDir,
  featureDatasetName,
  findView,
  joinKeysOf,
  localDatasetFile,
  pushedDatasetName,
  quote,
} from './offline-store.js';
import type { ActiveRegistry } from './registry.js';
import { computeStatistics } from './statistics.js';

/** Computes a feature view into the offline store: its source query over datasets, typed, validated, versioned. */

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
    /** Rows of the `partitionBy` input per pass (MLOPS_FEATURES_BUILD_ROWS_PER_PASS); one pass without. */
    rowsPerPass?: number;
    /** Called as each pass of a build in passes starts (1-based). */
    onPass?: (pass: number, passes: number) => void;
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
        ...view.schema.map((field) => ({ name: field.name, type: duckDbTypeOf(field.dtype) })),
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
      // Large inputs are computed in passes over ranges of the entity (partitionBy), each pass written
      // sorted to its own file: the files in order are the whole view in order, in a fraction of the memory.
      const passes =
        options.base === 'latest-build'
          ? [undefined]
          : await entityRanges(connection, view, inputs, options.rowsPerPass ?? Number.POSITIVE_INFINITY);
      const partitioned = view.source.partitionBy;
      const joinKey = quote(joinKeys[0]?.joinKey ?? '');
      const files: string[] = [];
      for (const [index, range] of passes.entries()) {
        if (passes.length > 1) options.onPass?.(index + 1, passes.length);
        if (range !== undefined && partitioned !== undefined) {
          const input = inputs.find((version) => version.dataset === partitioned.input);
          const file = await localDatasetFile(context, input as DatasetVersion);
          await connection.run(
            `create or replace view ${partitioned.input} as select * from read_parquet(${sqlString(file)})
             where ${range.where(quote(partitioned.column))}`,
          );
        }
        // The source query sees only this pass's entities; pushed rows are cut to the same range.
        const rows =
          range === undefined
            ? parts
            : parts.map((part, at) =>
                at === 0 ? part : `select * from (${part}) where ${range.where(joinKey)}`,
              );
        const file = path.join(work, `pass-${index}.parquet`);
        try {
          await connection.run(
            `copy (select * exclude (__pushed) from (${rows.join(' union all by name ')})
               qualify row_number() over (partition by ${identity.join(', ')} order by __pushed desc) = 1
               order by ${identity.join(', ')})
             to ${sqlString(file)} (format parquet, compression zstd)`,
          );
        } catch (error) {
          throw new ValidationError(
            `feature view ${view.name}: its source query failed: ${error instanceof Error ? error.message : String(error)}`,
            { field: 'source.query', cause: error },
          );
        }
        files.push(file);
      }
      await connection.run(
        `create view features as select * from read_parquet([${files.map(sqlString).join(', ')}])`,
      );
      const count = await connection.runAndReadAll('select count(*)::INTEGER from features');
      const rowCount = Number(count.getRows()[0]?.[0] ?? 0);
      const validation = await validateBuild(
        connection,
        view,
        joinKeys.map((key) => key.joinKey),
        rowCount,
      );
      const statistics = await computeStatistics(connection, 'features', view.schema, rowCount);
      if (files.length === 1) await rename(files[0] as string, output);
      else
        await connection.run(
          `copy (select * from features) to ${sqlString(output)} (format parquet, compression zstd)`,
        );
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

/** One pass of a build: the rows whose entity column lies in a range (nulls go with the last). */
interface EntityRange {
  where: (column: string) => string;
}

/**
 * Splits a view's entities into ranges of about `rowsPerPass` rows of its `partitionBy` input, from the
 * column's quantiles; `[undefined]` (one pass over everything) when the view declares no partitioning or
 * the input is small.
 */
async function entityRanges(
  connection: DuckDBConnection,
  view: FeatureView,
  inputs: readonly DatasetVersion[],
  rowsPerPass: number,
): Promise<(EntityRange | undefined)[]> {
  const partitionBy = view.source.partitionBy;
  if (partitionBy === undefined || !inputs.some((input) => input.dataset === partitionBy.input))
    return [undefined];
  const table = partitionBy.input;
  const column = quote(partitionBy.column);
  const count = await connection.runAndReadAll(`select count(*)::BIGINT from ${table}`);
  const passes = Math.ceil(Number(count.getRows()[0]?.[0] ?? 0) / Math.max(1, rowsPerPass));
  if (passes <= 1) return [undefined];
  const fractions = Array.from({ length: passes - 1 }, (_, index) => (index + 1) / passes);
  const reader = await connection.runAndReadAll(
    `select list_sort(list_distinct(quantile_disc(${column}, [${fractions.join(', ')}]))) from ${table}`,
  );
  const values = (reader.getRowsJS()[0]?.[0] as unknown[] | null) ?? [];
  const literals: string[] = [];
  for (const value of values) {
    if (typeof value === 'number' || typeof value === 'bigint') literals.push(String(value));
    else if (typeof value === 'string') literals.push(sqlString(value));
    else return [undefined];
  }
  if (literals.length === 0) return [undefined];
  return [undefined, ...literals].map((low, index) => {
    const high = literals[index];
    return {
      where: (on: string) =>
        [
          low === undefined ? undefined : `${on} >= ${low}`,
          high === undefined ? `${on} is null` : `${on} < ${high}`,
        ]
          .filter((part) => part !== undefined)
          .join(high === undefined ? ' or ' : ' and '),
    };
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

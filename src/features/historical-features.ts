import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type DataContext, sqlString, withDuckDb } from '../data/index.js';
import { ValidationError } from '../errors/index.js';
import type { Entity } from './definitions/types.js';
import { builtViewFile } from './feature-builds.js';
import { toJsonValue } from './json-value.js';
import { ensureDir, findView, joinKeysOf, quote } from './offline-store.js';
import type { ActiveRegistry } from './registry.js';

/** Point-in-time retrieval from the offline store: each entity row joined to the values as of its timestamp. */

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

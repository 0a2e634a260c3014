import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type DataContext, sqlString, withDuckDb } from '../data/index.js';
import { latestDatasetVersion, recordDatasetVersion } from '../lineage/index.js';
import type { FeatureBuild } from './feature-builds.js';
import { buildFeatureView } from './feature-view-build.js';
import { duckDbTypeOf, localDatasetFile, pushedDatasetName } from './offline-store.js';
import type { ActiveRegistry } from './registry.js';
import type { PreparedWrite } from './write-path.js';

/**
 * Appends pushed rows to a view's offline store, as Feast's offline push appends to the push source's batch
 * source: the rows join the view's pushed-rows dataset (a new version holding every row pushed so far, so a
 * later `mlops features build` keeps them), and a new build is made from the latest build plus those rows,
 * so historical retrieval and materialization see them at once. A row of the same entity and timestamp as
 * an earlier one replaces it.
 */
export async function appendToOfflineStore(
  context: DataContext,
  registry: ActiveRegistry,
  write: PreparedWrite,
): Promise<FeatureBuild> {
  const { view, joinKeys } = write;
  const name = pushedDatasetName(view.name);
  const previous = await latestDatasetVersion(context.db, name);
  await mkdir(path.join(context.home, 'tmp'), { recursive: true });
  const work = await mkdtemp(path.join(context.home, 'tmp', 'push-'));
  try {
    const json = path.join(work, 'rows.json');
    const output = path.join(work, `${view.name}.pushed.parquet`);
    const isTimestamp = new Set(
      view.schema.filter((field) => field.dtype === 'timestamp').map((f) => f.name),
    );
    await writeFile(
      json,
      JSON.stringify(
        write.rows.map((row) => ({
          ...Object.fromEntries(joinKeys.map((key, index) => [key.joinKey, row.keys[index]])),
          __ts_ms: row.eventTimestamp,
          ...Object.fromEntries(
            Object.entries(row.values).map(([feature, value]) => [
              feature,
              isTimestamp.has(feature) && typeof value === 'string' ? Date.parse(value) : value,
            ]),
          ),
        })),
      ),
    );
    const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
    const jsonColumns = [
      ...joinKeys.map((key) => [key.joinKey, key.valueType === 'int64' ? 'BIGINT' : 'VARCHAR']),
      ['__ts_ms', 'BIGINT'],
      ...view.schema.map((field) => [
        field.name,
        field.dtype === 'timestamp' ? 'BIGINT' : duckDbTypeOf(field.dtype),
      ]),
    ];
    const selects = [
      ...joinKeys.map((key) => quote(key.joinKey)),
      `make_timestamp(__ts_ms * 1000) as ${quote(view.source.timestampField)}`,
      ...view.schema.map((field) =>
        field.dtype === 'timestamp'
          ? `make_timestamp(${quote(field.name)} * 1000) as ${quote(field.name)}`
          : quote(field.name),
      ),
    ];
    const rowCount = await withDuckDb(async (connection) => {
      const struct = jsonColumns.map(
        ([column, type]) => `${sqlString(column ?? '')}: ${sqlString(type ?? '')}`,
      );
      const fresh = `select ${selects.join(', ')} from read_json(${sqlString(json)}, format = 'array', columns = {${struct.join(', ')}})`;
      const all =
        previous === undefined
          ? fresh
          : `select * from read_parquet(${sqlString(await localDatasetFile(context, previous))}) union all by name ${fresh}`;
      await connection.run(`copy (${all}) to ${sqlString(output)} (format parquet, compression zstd)`);
      const count = await connection.runAndReadAll(
        `select count(*)::INTEGER from read_parquet(${sqlString(output)})`,
      );
      return Number(count.getRows()[0]?.[0] ?? 0);
    });
    await recordDatasetVersion(context, {
      dataset: name,
      file: output,
      format: 'parquet',
      source: 'feature_push',
      params: { feature_view: view.name, push_source: view.pushSource ?? null, rows: write.rows.length },
      rowCount,
      parents: previous === undefined ? [] : [{ kind: 'dataset', id: previous.version_id }],
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return buildFeatureView(context, registry, view.name, { base: 'latest-build' });
}

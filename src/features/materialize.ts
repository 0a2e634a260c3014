import { randomUUID } from 'node:crypto';
import { type DataContext, sqlString, withDuckDb } from '../data/index.js';
import { builtViewFile } from './feature-builds.js';
import { toJsonValue } from './json-value.js';
import { findView, joinKeysOf } from './offline-store.js';
import { entityKeyOf, type OnlineRow, type OnlineStore } from './online/online-store.js';
import type { ActiveRegistry } from './registry.js';

export interface MaterializeOptions {
  /** Views to materialize (default: every online view). */
  views?: string[];
  /** Only rows newer than the previous run's end (per view and store); a first run is a full one. */
  incremental?: boolean;
  /** Values as of this time (default now): later rows are left for a later run. */
  endTime?: Date;
  /**
   * A full run's window start (Feast's `materialize(start_ts, end_ts)`): only rows at or after it. Default:
   * the view's TTL before `endTime` (or everything for a view without TTL). Ignored by incremental runs.
   */
  startTime?: Date;
  onProgress?: (progress: { view: string; written: number; total: number }) => void;
}

export interface MaterializeResult {
  feature_view: string;
  build_id: string;
  mode: 'full' | 'incremental';
  start_ts: Date | null;
  end_ts: Date;
  rows: number;
  /** Rows newer than what the store held (an older row never replaces a newer one). */
  written: number;
}

const CHUNK = 5000;

/**
 * Copies each view's latest value per entity into the online store from its latest valid build. A full run
 * takes every entity's latest row at or before `endTime` that is within the view's TTL; an incremental run
 * only rows after the previous run's end. Each run is recorded, and the next incremental one starts there.
 */
export async function materialize(
  context: DataContext,
  registry: ActiveRegistry,
  store: OnlineStore,
  options: MaterializeOptions = {},
): Promise<MaterializeResult[]> {
  const endTime = options.endTime ?? new Date();
  const names = options.views ?? registry.featureViews.filter((view) => view.online).map((view) => view.name);
  const results: MaterializeResult[] = [];
  for (const name of names) {
    const view = findView(registry, name);
    const keys = joinKeysOf(registry, view).map((entity) => entity.joinKey);
    const { build, file } = await builtViewFile(context, name);
    const previous =
      options.incremental === true
        ? await context.db
            .selectFrom('feature_materializations')
            .select('end_ts')
            .where('feature_view', '=', name)
            .where('online_store', '=', store.backend)
            .orderBy('created_at', 'desc')
            .limit(1)
            .executeTakeFirst()
        : undefined;
    const mode = previous === undefined ? 'full' : 'incremental';
    const ttlStart = view.ttlSeconds === 0 ? null : new Date(endTime.getTime() - view.ttlSeconds * 1000);
    const fullStart = options.startTime ?? ttlStart;
    const start = previous === undefined ? fullStart : new Date(previous.end_ts);
    const ts = `"${view.source.timestampField}"`;
    const rows = await withDuckDb(async (connection) => {
      const reader = await connection.runAndReadAll(
        `select *, epoch_ms(${ts})::DOUBLE as __event_ms from read_parquet(${sqlString(file)})
         where ${ts} <= ${timestampLiteral(endTime)}
           ${start === null ? '' : `and ${ts} ${mode === 'full' ? '>=' : '>'} ${timestampLiteral(start)}`}
         qualify row_number() over (partition by ${keys.map((key) => `"${key}"`).join(', ')} order by ${ts} desc) = 1`,
      );
      return reader.getRowObjectsJS().map(
        (row): OnlineRow => ({
          entityKey: entityKeyOf(keys.map((key) => toJsonValue(row[key]) as string | number)),
          eventTimestamp: Number(row.__event_ms),
          values: Object.fromEntries(view.schema.map((field) => [field.name, toJsonValue(row[field.name])])),
        }),
      );
    });
    let written = 0;
    for (let offset = 0; offset < rows.length; offset += CHUNK) {
      written += await store.write(name, rows.slice(offset, offset + CHUNK));
      options.onProgress?.({
        view: name,
        written: Math.min(offset + CHUNK, rows.length),
        total: rows.length,
      });
    }
    if (rows.length === 0) options.onProgress?.({ view: name, written: 0, total: 0 });
    await context.db
      .insertInto('feature_materializations')
      .values({
        materialization_id: randomUUID().replaceAll('-', ''),
        feature_view: name,
        build_id: build.build_id,
        online_store: store.backend,
        mode,
        start_ts: start,
        end_ts: endTime,
        row_count: rows.length,
      })
      .execute();
    context.logger.info(
      {
        component: 'FEATURE_STORE',
        action: 'MATERIALIZE',
        feature_view: name,
        mode,
        rows: rows.length,
        written,
      },
      `${name}: ${rows.length} entities materialized (${mode}) into the ${store.backend} online store`,
    );
    results.push({
      feature_view: name,
      build_id: build.build_id,
      mode,
      start_ts: start,
      end_ts: endTime,
      rows: rows.length,
      written,
    });
  }
  return results;
}

/** The latest materialization of each view into a store. */
export async function materializationState(
  context: Pick<DataContext, 'db'>,
  store: string,
): Promise<{ feature_view: string; end_ts: Date; row_count: number; mode: string; created_at: Date }[]> {
  const rows = await context.db
    .selectFrom('feature_materializations')
    .select(['feature_view', 'end_ts', 'row_count', 'mode', 'created_at'])
    .where('online_store', '=', store)
    .orderBy('created_at', 'desc')
    .limit(1000)
    .execute();
  const latest = new Map<string, (typeof rows)[number]>();
  for (const row of rows) if (!latest.has(row.feature_view)) latest.set(row.feature_view, row);
  return [...latest.values()].map((row) => ({ ...row, row_count: Number(row.row_count) }));
}

function timestampLiteral(date: Date): string {
  return `make_timestamp(${date.getTime() * 1000}::BIGINT)`;
}

import { sql } from 'kysely';
import type { MetadataDb } from '../storage/index.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { RUN_NAME_TAG } from './run-names.js';
import { BATCH_LIMITS, getRun, type KeyValue, type Metric, requireActiveRun, toMetric } from './run-store.js';
import { validateMetric, validateParam, validateTag } from './run-validation.js';
import { invalid, missing } from './tracking-errors.js';

/** What runs log as they go: metric, param and tag batches (MLflow's LogBatch), and a metric's history. */

/**
 * Logs metrics, params and tags in one transaction: all of the batch is stored, or none of it (a killed
 * server mid-batch loses nothing half-written). Limits and conflicts are checked before anything is written.
 */
export async function logBatch(
  db: MetadataDb,
  runId: string,
  batch: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] },
): Promise<void> {
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  if (metrics.length > BATCH_LIMITS.metrics)
    throw invalid(
      `A batch logging request can contain at most ${BATCH_LIMITS.metrics} metrics. Got ${metrics.length} metrics.`,
      'metrics',
    );
  if (params.length > BATCH_LIMITS.params)
    throw invalid(
      `A batch logging request can contain at most ${BATCH_LIMITS.params} params. Got ${params.length} params.`,
      'params',
    );
  if (tags.length > BATCH_LIMITS.tags)
    throw invalid(
      `A batch logging request can contain at most ${BATCH_LIMITS.tags} tags. Got ${tags.length} tags.`,
      'tags',
    );
  const total = metrics.length + params.length + tags.length;
  if (total > BATCH_LIMITS.items)
    throw invalid(
      `A batch logging request can contain at most ${BATCH_LIMITS.items} total entries. Got ${total}.`,
      'metrics',
    );
  for (const metric of metrics) validateMetric(metric);
  for (const param of params) validateParam(param);
  for (const tag of tags) validateTag(tag);
  const duplicates = params.filter(
    (param, index) =>
      params.findIndex((other) => other.key === param.key) !== index &&
      params.find((other) => other.key === param.key)?.value !== param.value,
  );
  if (duplicates.length > 0)
    throw invalid(
      `Duplicate parameter keys with different values in the batch: ${duplicates.map((param) => param.key).join(', ')}`,
      'params',
    );

  await requireActiveRun(db, runId);
  await db.transaction().execute(async (trx) => {
    if (params.length > 0) {
      const existing = await trx
        .selectFrom('run_params')
        .select(['key', 'value'])
        .where('run_id', '=', runId)
        .where(
          'key',
          'in',
          params.map((param) => param.key),
        )
        .execute();
      for (const param of params) {
        const old = existing.find((row) => row.key === param.key);
        if (old !== undefined && old.value !== param.value) {
          throw invalid(
            `Changing param values is not allowed. Param with key='${param.key}' was already logged with value='${old.value}' for run ID='${runId}'. Attempted logging new value '${param.value}'.`,
            'params',
          );
        }
      }
      const unique = [...new Map(params.map((param) => [param.key, param])).values()];
      await trx
        .insertInto('run_params')
        .values(unique.map((param) => ({ run_id: runId, ...param })))
        .onConflict((conflict) => conflict.doNothing())
        .execute();
    }
    if (tags.length > 0) {
      const latest = [...new Map(tags.map((tag) => [tag.key, tag])).values()];
      for (const tag of latest) {
        await trx
          .insertInto('run_tags')
          .values({ run_id: runId, ...tag })
          .onConflict((conflict) => conflict.columns(['run_id', 'key']).doUpdateSet({ value: tag.value }))
          .execute();
        if (tag.key === RUN_NAME_TAG)
          await trx.updateTable('runs').set({ run_name: tag.value }).where('run_id', '=', runId).execute();
      }
    }
    if (metrics.length > 0) {
      // One array parameter per column, whatever the batch's size: 1,000 metrics as 5,000 parameters cost
      // PGlite more in parsing and planning than the insert itself, and the latest values were one upsert per key.
      const history = columnsOf(metrics);
      await sql`
        insert into run_metrics (run_id, key, value, "timestamp", step)
        select ${runId}, key, value, "timestamp", step
        from unnest(${history.keys}::text[], ${history.values}::float8[], ${history.timestamps}::bigint[], ${history.steps}::bigint[])
          as batch(key, value, "timestamp", step)
        on conflict do nothing`.execute(trx);
      const latest = columnsOf(latestPerKey(metrics));
      // A key's latest value moves only forward: by step, then time, then value, as MLflow orders them.
      await sql`
        insert into latest_metrics (run_id, key, value, "timestamp", step)
        select ${runId}, key, value, "timestamp", step
        from unnest(${latest.keys}::text[], ${latest.values}::float8[], ${latest.timestamps}::bigint[], ${latest.steps}::bigint[])
          as batch(key, value, "timestamp", step)
        on conflict (run_id, key) do update
          set value = excluded.value, "timestamp" = excluded."timestamp", step = excluded.step
          where (excluded.step, excluded."timestamp", excluded.value)
            >= (latest_metrics.step, latest_metrics."timestamp", latest_metrics.value)`.execute(trx);
    }
  });
}

export async function deleteRunTag(db: MetadataDb, runId: string, key: string): Promise<void> {
  await requireActiveRun(db, runId);
  const deleted = await db
    .deleteFrom('run_tags')
    .where('run_id', '=', runId)
    .where('key', '=', key)
    .executeTakeFirst();
  if (Number(deleted.numDeletedRows) === 0)
    throw missing(`No tag with name: ${key} in run with id ${runId}`, 'key');
}

export async function getMetricHistory(
  db: MetadataDb,
  runId: string,
  key: string,
  options: { maxResults?: number; pageToken?: string | undefined } = {},
): Promise<{ metrics: Metric[]; nextPageToken: string | undefined }> {
  await getRun(db, runId);
  const offset = decodePageToken(options.pageToken);
  const limit = options.maxResults ?? 25_000;
  const rows = await db
    .selectFrom('run_metrics')
    .select(['key', 'value', 'timestamp', 'step'])
    .where('run_id', '=', runId)
    .where('key', '=', key)
    .orderBy('step')
    .orderBy('timestamp')
    .orderBy('value')
    .limit(limit + 1)
    .offset(offset)
    .execute();
  return {
    metrics: rows.slice(0, limit).map(toMetric),
    nextPageToken: rows.length > limit ? encodePageToken(offset + limit) : undefined,
  };
}

function latestPerKey(metrics: Metric[]): Metric[] {
  const latest = new Map<string, Metric>();
  for (const metric of metrics) {
    const current = latest.get(metric.key);
    if (current === undefined || compareMetric(metric, current) >= 0) latest.set(metric.key, metric);
  }
  return [...latest.values()];
}

function compareMetric(a: Metric, b: Metric): number {
  return (
    a.step - b.step ||
    a.timestamp - b.timestamp ||
    (Number.isNaN(a.value) ? 1 : Number.isNaN(b.value) ? -1 : a.value - b.value)
  );
}

/** Metrics as one array per column, for `unnest`. */
function columnsOf(metrics: readonly Metric[]) {
  return {
    keys: metrics.map((metric) => metric.key),
    values: metrics.map((metric) => metric.value),
    timestamps: metrics.map((metric) => metric.timestamp),
    steps: metrics.map((metric) => metric.step),
  };
}

import { randomBytes } from 'node:crypto';
import { type ExpressionBuilder, sql } from 'kysely';
import type { DatabaseSchema, MetadataDb } from '../storage/index.js';
import { getExperiment, parseExperimentId, type ViewType } from './experiment-store.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { datasetFilterSql, getRunIo, type RunIo } from './run-io-store.js';
import { parseRunFilter, parseRunOrderBy, type RunFilterClause } from './search-runs-filter.js';
import {
  invalid,
  MAX_PARAM_VALUE_LENGTH,
  MAX_TAG_VALUE_LENGTH,
  missing,
  validateKey,
  validateValue,
} from './tracking-errors.js';

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface RunInfo {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: RunStatus;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: 'active' | 'deleted';
}

export interface Run extends RunIo {
  info: RunInfo;
  data: { metrics: Metric[]; params: KeyValue[]; tags: KeyValue[] };
}

/** MLflow's LogBatch limits. */
export const BATCH_LIMITS = { items: 1000, metrics: 1000, params: 100, tags: 100 } as const;

const RUN_NAME_TAG = 'mlflow.runName';

export async function createRun(
  db: MetadataDb,
  input: { experimentId?: string; userId?: string; runName?: string; startTime?: number; tags?: KeyValue[] },
): Promise<Run> {
  const experimentId = input.experimentId ?? '0';
  const experiment = await getExperiment(db, experimentId);
  if (experiment.lifecycle_stage !== 'active') {
    throw invalid(
      `The experiment ${experimentId} must be in the 'active' state to create runs`,
      'experiment_id',
    );
  }
  const tags = input.tags ?? [];
  for (const tag of tags) validateTag(tag);
  const runId = randomBytes(16).toString('hex');
  const runName = input.runName || tags.find((tag) => tag.key === RUN_NAME_TAG)?.value || generateRunName();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('runs')
      .values({
        run_id: runId,
        experiment_id: Number(experimentId),
        run_name: runName,
        user_id: input.userId ?? '',
        status: 'RUNNING',
        start_time: input.startTime ?? Date.now(),
        end_time: null,
        artifact_uri: `${experiment.artifact_location.replace(/\/+$/, '')}/${runId}/artifacts`,
        lifecycle_stage: 'active',
        deleted_time: null,
      })
      .execute();
    const allTags = [
      ...tags.filter((tag) => tag.key !== RUN_NAME_TAG),
      { key: RUN_NAME_TAG, value: runName },
    ];
    await trx
      .insertInto('run_tags')
      .values(allTags.map((tag) => ({ run_id: runId, ...tag })))
      .execute();
  });
  return getRun(db, runId);
}

export async function getRun(db: MetadataDb, runId: string): Promise<Run> {
  const row = await db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
  if (row === undefined) throw missing(`Run with id=${runId} not found`, 'run_id');
  const [metrics, params, tags, io] = await Promise.all([
    db
      .selectFrom('latest_metrics')
      .select(['key', 'value', 'timestamp', 'step'])
      .where('run_id', '=', runId)
      .orderBy('key')
      .execute(),
    db.selectFrom('run_params').select(['key', 'value']).where('run_id', '=', runId).orderBy('key').execute(),
    db.selectFrom('run_tags').select(['key', 'value']).where('run_id', '=', runId).orderBy('key').execute(),
    getRunIo(db, runId),
  ]);
  return { info: toRunInfo(row), data: { metrics: metrics.map(toMetric), params, tags }, ...io };
}

export async function updateRun(
  db: MetadataDb,
  runId: string,
  update: { status?: RunStatus; endTime?: number; runName?: string },
): Promise<RunInfo> {
  await requireActiveRun(db, runId);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('runs')
      .set({
        ...(update.status === undefined ? {} : { status: update.status }),
        ...(update.endTime === undefined ? {} : { end_time: update.endTime }),
        ...(update.runName ? { run_name: update.runName } : {}),
      })
      .where('run_id', '=', runId)
      .execute();
    if (update.runName) {
      await trx
        .insertInto('run_tags')
        .values({ run_id: runId, key: RUN_NAME_TAG, value: update.runName })
        .onConflict((conflict) =>
          conflict.columns(['run_id', 'key']).doUpdateSet({ value: update.runName ?? '' }),
        )
        .execute();
    }
  });
  return (await getRun(db, runId)).info;
}

/** The tag every run of the platform's own trainer carries (`mlops train`, the training pipeline). */
const TRAINER_TAG = 'mlops.algorithm';

/**
 * Marks FAILED the platform's own training runs still RUNNING, with the reason in `mlops.failure`: call it
 * only when no process can still be training (the embedded database admits one process per home, so at its
 * start every such run was cut short by a kill or a crash). Runs that outside clients log stay as they
 * are: their process may well be alive. Resolves with the runs it marked.
 */
export async function failInterruptedTrainingRuns(db: MetadataDb, now = Date.now()): Promise<string[]> {
  const rows = await db
    .selectFrom('runs')
    .innerJoin('run_tags', 'run_tags.run_id', 'runs.run_id')
    .select('runs.run_id')
    .where('runs.status', '=', 'RUNNING')
    .where('run_tags.key', '=', TRAINER_TAG)
    .execute();
  const ids = rows.map((row) => row.run_id);
  if (ids.length === 0) return [];
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('runs')
      .set({ status: 'FAILED', end_time: now })
      .where('run_id', 'in', ids)
      .execute();
    await trx
      .insertInto('run_tags')
      .values(
        ids.map((run_id) => ({
          run_id,
          key: 'mlops.failure',
          value: 'the process training it stopped before the run finished (found at the next start)',
        })),
      )
      .onConflict((conflict) => conflict.columns(['run_id', 'key']).doNothing())
      .execute();
  });
  return ids;
}

export async function setRunLifecycle(
  db: MetadataDb,
  runId: string,
  stage: 'active' | 'deleted',
  now = Date.now(),
): Promise<void> {
  await getRun(db, runId);
  await db
    .updateTable('runs')
    .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? now : null })
    .where('run_id', '=', runId)
    .execute();
}

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
      await trx
        .insertInto('run_metrics')
        .values(metrics.map((metric) => ({ run_id: runId, ...metric })))
        .onConflict((conflict) => conflict.doNothing())
        .execute();
      for (const metric of latestPerKey(metrics)) {
        await trx
          .insertInto('latest_metrics')
          .values({ run_id: runId, ...metric })
          .onConflict((conflict) =>
            conflict
              .columns(['run_id', 'key'])
              .doUpdateSet(metric)
              .where(({ eb, ref }) =>
                eb(
                  sql`(${metric.step}::bigint, ${metric.timestamp}::bigint, ${metric.value}::float8)`,
                  '>=',
                  sql`(${ref('latest_metrics.step')}, ${ref('latest_metrics.timestamp')}, ${ref('latest_metrics.value')})`,
                ),
              ),
          )
          .execute();
      }
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

/** Runs of the given experiments matching an MLflow filter string, ordered and paged like MLflow. */
export async function searchRuns(
  db: MetadataDb,
  options: {
    experimentIds: string[];
    filter?: string | undefined;
    viewType: ViewType;
    maxResults: number;
    orderBy?: string[];
    pageToken?: string | undefined;
  },
): Promise<{ runs: Run[]; nextPageToken: string | undefined }> {
  const offset = decodePageToken(options.pageToken);
  const clauses = parseRunFilter(options.filter);
  const orders = (options.orderBy ?? []).map(parseRunOrderBy);
  const ids = options.experimentIds.map(parseExperimentId);
  if (ids.length === 0) return { runs: [], nextPageToken: undefined };

  let query = db.selectFrom('runs').select('runs.run_id').where('runs.experiment_id', 'in', ids);
  if (options.viewType !== 'ALL')
    query = query.where(
      'runs.lifecycle_stage',
      '=',
      options.viewType === 'ACTIVE_ONLY' ? 'active' : 'deleted',
    );
  for (const clause of clauses) query = query.where((eb) => clauseToSql(eb, clause));
  for (const [index, order] of orders.entries()) {
    const direction = order.isAscending ? sql`asc` : sql`desc`;
    if (order.kind === 'attribute') {
      query = query.orderBy(sql`${sql.ref(`runs.${order.key}`)} ${direction}`);
    } else {
      const table =
        order.kind === 'metric' ? 'latest_metrics' : order.kind === 'param' ? 'run_params' : 'run_tags';
      const alias = `order_${index}`;
      // Runs without the key sort last whichever the direction, as in MLflow.
      query = query.orderBy(
        sql`(select ${sql.ref(`${alias}.value`)} from ${sql.table(table)} as ${sql.raw(alias)} where ${sql.ref(`${alias}.run_id`)} = runs.run_id and ${sql.ref(`${alias}.key`)} = ${order.key}) ${direction} nulls last`,
      );
    }
  }
  if (!orders.some((order) => order.kind === 'attribute' && order.key === 'start_time'))
    query = query.orderBy('runs.start_time', 'desc');
  const rows = await query
    .orderBy('runs.run_id')
    .limit(options.maxResults + 1)
    .offset(offset)
    .execute();
  const page = rows.slice(0, options.maxResults);
  return {
    runs: await Promise.all(page.map((row) => getRun(db, row.run_id))),
    nextPageToken:
      rows.length > options.maxResults ? encodePageToken(offset + options.maxResults) : undefined,
  };
}

function clauseToSql(eb: ExpressionBuilder<DatabaseSchema, 'runs'>, clause: RunFilterClause) {
  if (clause.kind === 'dataset') return datasetFilterSql(clause.key, clause.operator, clause.value);
  if (clause.kind === 'attribute') {
    const column = eb.ref(`runs.${clause.key}`);
    if (clause.operator === 'in' || clause.operator === 'not in')
      return eb(column, clause.operator, clause.value as string[]);
    return eb(column, clause.operator, clause.value as string);
  }
  const table =
    clause.kind === 'metric' ? 'latest_metrics' : clause.kind === 'param' ? 'run_params' : 'run_tags';
  return eb.exists(
    eb
      .selectFrom(table)
      .select(sql`1`.as('one'))
      .whereRef(`${table}.run_id`, '=', 'runs.run_id')
      .where(`${table}.key`, '=', clause.key)
      .where(`${table}.value`, clause.operator, clause.value as never),
  );
}

async function requireActiveRun(db: MetadataDb, runId: string): Promise<void> {
  const row = await db
    .selectFrom('runs')
    .select('lifecycle_stage')
    .where('run_id', '=', runId)
    .executeTakeFirst();
  if (row === undefined) throw missing(`Run with id=${runId} not found`, 'run_id');
  if (row.lifecycle_stage !== 'active')
    throw invalid(
      `The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      'run_id',
    );
}

function validateMetric(metric: Metric): void {
  validateKey(metric.key, 'metric');
  if (typeof metric.value !== 'number')
    throw invalid(`Got invalid value ${String(metric.value)} for metric '${metric.key}'`, 'value');
  if (!Number.isSafeInteger(metric.timestamp))
    throw invalid(
      `Got invalid timestamp ${String(metric.timestamp)} for metric '${metric.key}'`,
      'timestamp',
    );
  if (!Number.isSafeInteger(metric.step))
    throw invalid(`Got invalid step ${String(metric.step)} for metric '${metric.key}'`, 'step');
}

function validateParam(param: KeyValue): void {
  validateKey(param.key, 'param');
  validateValue(param.value, `param '${param.key}'`);
  if (param.value.length > MAX_PARAM_VALUE_LENGTH) {
    throw invalid(
      `Param value '${param.value.slice(0, 30)}…' had length ${param.value.length}, which exceeded length limit of ${MAX_PARAM_VALUE_LENGTH}`,
      'value',
    );
  }
}

function validateTag(tag: KeyValue): void {
  validateKey(tag.key, 'tag');
  validateValue(tag.value, `tag '${tag.key}'`);
  if (tag.value.length > MAX_TAG_VALUE_LENGTH) {
    throw invalid(
      `Tag value '${tag.value.slice(0, 30)}…' had length ${tag.value.length}, which exceeded length limit of ${MAX_TAG_VALUE_LENGTH}`,
      'value',
    );
  }
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

function toMetric(row: { key: string; value: number; timestamp: number; step: number }): Metric {
  return { key: row.key, value: Number(row.value), timestamp: Number(row.timestamp), step: Number(row.step) };
}

function toRunInfo(row: DatabaseSchema['runs'] & { experiment_id: number }): RunInfo {
  return {
    run_id: row.run_id,
    run_uuid: row.run_id,
    run_name: row.run_name,
    experiment_id: String(row.experiment_id),
    user_id: row.user_id,
    status: row.status as RunStatus,
    start_time: Number(row.start_time),
    ...(row.end_time === null ? {} : { end_time: Number(row.end_time) }),
    artifact_uri: row.artifact_uri,
    lifecycle_stage: row.lifecycle_stage as 'active' | 'deleted',
  };
}

const ADJECTIVES = [
  'bold',
  'calm',
  'eager',
  'gentle',
  'keen',
  'lucky',
  'merry',
  'nimble',
  'quiet',
  'swift',
  'wise',
  'brave',
];
const NOUNS = [
  'otter',
  'falcon',
  'lynx',
  'heron',
  'panda',
  'koala',
  'badger',
  'wren',
  'fox',
  'owl',
  'seal',
  'crane',
];

/** MLflow-style run names like `swift-otter-123`. */
function generateRunName(): string {
  const pick = (words: string[]) => words[(randomBytes(1)[0] ?? 0) % words.length] ?? words[0];
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${100 + ((randomBytes(2).readUInt16BE() ?? 0) % 900)}`;
}

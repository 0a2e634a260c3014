import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { DatabaseSchema, MetadataDb } from '../storage/index.js';
import { getExperiment } from './experiment-store.js';
import { LOGGED_MODEL_STATUSES } from './logged-model-filter.js';
import {
  invalid,
  MAX_PARAM_VALUE_LENGTH,
  MAX_TAG_VALUE_LENGTH,
  missing,
  validateKey,
  validateValue,
} from './tracking-errors.js';

export type LoggedModelStatus = (typeof LOGGED_MODEL_STATUSES)[number];

/** A metric point logged against a model (MLflow 3's `Metric` with `model_id`). */
export interface ModelMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  model_id: string;
  run_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
}

/** MLflow 3's `LoggedModel`, in its JSON shape. */
export interface LoggedModel {
  info: {
    model_id: string;
    experiment_id: string;
    name: string;
    creation_timestamp_ms: number;
    last_updated_timestamp_ms: number;
    artifact_uri: string;
    status: LoggedModelStatusName;
    model_type?: string;
    source_run_id?: string;
    status_message?: string;
    tags: { key: string; value: string }[];
  };
  data: { params: { key: string; value: string }[]; metrics: ModelMetric[] };
}

/** Proto enum names of the statuses, as the MLflow client sends and reads them. */
const STATUS_NAMES = {
  UNSPECIFIED: 'LOGGED_MODEL_STATUS_UNSPECIFIED',
  PENDING: 'LOGGED_MODEL_PENDING',
  READY: 'LOGGED_MODEL_READY',
  FAILED: 'LOGGED_MODEL_UPLOAD_FAILED',
} as const satisfies Record<LoggedModelStatus, string>;
export type LoggedModelStatusName = (typeof STATUS_NAMES)[LoggedModelStatus];

/** `LOGGED_MODEL_READY`, `READY`, `2` → `READY`; anything else is refused naming `status`. */
export function parseLoggedModelStatus(status: string | number): LoggedModelStatus {
  const byNumber = LOGGED_MODEL_STATUSES[Number(status)];
  if (typeof status === 'number' || /^\d+$/.test(status)) {
    if (byNumber !== undefined) return byNumber;
  } else {
    const found = (Object.entries(STATUS_NAMES) as [LoggedModelStatus, string][]).find(
      ([short, name]) => status === short || status === name,
    );
    if (found !== undefined) return found[0];
  }
  throw invalid(`Unknown logged model status '${String(status)}'`, 'status');
}

const MODEL_ID = /^m-[0-9a-f]{32}$/;

export async function createLoggedModel(
  db: MetadataDb,
  input: {
    experimentId: string;
    name?: string | undefined;
    modelType?: string | undefined;
    sourceRunId?: string | undefined;
    params?: { key: string; value: string }[];
    tags?: { key: string; value: string }[];
  },
  now = Date.now(),
): Promise<LoggedModel> {
  const experiment = await getExperiment(db, input.experimentId);
  if (experiment.lifecycle_stage !== 'active')
    throw invalid(
      `The experiment ${input.experimentId} must be in the 'active' state to log models`,
      'experiment_id',
    );
  if (input.name !== undefined && (input.name === '' || /[/:.%"']/.test(input.name)))
    throw invalid(
      `Invalid model name ('${input.name}'): it must be non-empty and cannot contain / : . % " '`,
      'name',
    );
  if (input.sourceRunId) await requireRun(db, input.sourceRunId, 'source_run_id');
  const params = checkEntries(input.params ?? [], 'param', MAX_PARAM_VALUE_LENGTH);
  const tags = checkEntries(input.tags ?? [], 'tag', MAX_TAG_VALUE_LENGTH);
  const modelId = `m-${randomBytes(16).toString('hex')}`;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('logged_models')
      .values({
        model_id: modelId,
        experiment_id: Number(experiment.experiment_id),
        name: input.name ?? generateModelName(),
        artifact_location: `${experiment.artifact_location.replace(/\/+$/, '')}/models/${modelId}/artifacts`,
        model_type: input.modelType || null,
        source_run_id: input.sourceRunId || null,
        status: 'PENDING',
        creation_timestamp_ms: now,
        last_updated_timestamp_ms: now,
      })
      .execute();
    if (params.length > 0)
      await trx
        .insertInto('logged_model_params')
        .values(params.map((param) => ({ model_id: modelId, ...param })))
        .execute();
    if (tags.length > 0)
      await trx
        .insertInto('logged_model_tags')
        .values(tags.map((tag) => ({ model_id: modelId, ...tag })))
        .execute();
  });
  return getLoggedModel(db, modelId);
}

export async function getLoggedModel(
  db: MetadataDb,
  modelId: string,
  options: { allowDeleted?: boolean } = {},
): Promise<LoggedModel> {
  const row = await db
    .selectFrom('logged_models')
    .selectAll()
    .where('model_id', '=', modelId)
    .executeTakeFirst();
  if (row === undefined || (row.lifecycle_stage === 'deleted' && options.allowDeleted !== true))
    throw missing(`Logged model with ID '${modelId}' not found.`, 'model_id');
  return (await serializeLoggedModels(db, [row]))[0] as LoggedModel;
}

export async function deleteLoggedModel(db: MetadataDb, modelId: string, now = Date.now()): Promise<void> {
  await getLoggedModel(db, modelId);
  await db
    .updateTable('logged_models')
    .set({ lifecycle_stage: 'deleted', last_updated_timestamp_ms: now })
    .where('model_id', '=', modelId)
    .execute();
}

export async function finalizeLoggedModel(
  db: MetadataDb,
  modelId: string,
  status: LoggedModelStatus,
  now = Date.now(),
): Promise<LoggedModel> {
  await getLoggedModel(db, modelId);
  await db
    .updateTable('logged_models')
    .set({ status, last_updated_timestamp_ms: now })
    .where('model_id', '=', modelId)
    .execute();
  return getLoggedModel(db, modelId);
}

export async function setLoggedModelTags(
  db: MetadataDb,
  modelId: string,
  tags: { key: string; value: string }[],
  now = Date.now(),
): Promise<void> {
  await getLoggedModel(db, modelId);
  const latest = [
    ...new Map(checkEntries(tags, 'tag', MAX_TAG_VALUE_LENGTH).map((tag) => [tag.key, tag])).values(),
  ];
  if (latest.length === 0) return;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('logged_model_tags')
      .values(latest.map((tag) => ({ model_id: modelId, ...tag })))
      .onConflict((conflict) =>
        conflict.columns(['model_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
      )
      .execute();
    await trx
      .updateTable('logged_models')
      .set({ last_updated_timestamp_ms: now })
      .where('model_id', '=', modelId)
      .execute();
  });
}

export async function deleteLoggedModelTag(db: MetadataDb, modelId: string, key: string): Promise<void> {
  await getLoggedModel(db, modelId);
  const deleted = await db
    .deleteFrom('logged_model_tags')
    .where('model_id', '=', modelId)
    .where('key', '=', key)
    .executeTakeFirst();
  if (Number(deleted.numDeletedRows) === 0)
    throw missing(`No tag with key '${key}' found for model with ID '${modelId}'.`, 'tag_key');
}

/** Params of a model are write-once, like a run's: the same value again is fine, another one is refused. */
export async function logLoggedModelParams(
  db: MetadataDb,
  modelId: string,
  params: { key: string; value: string }[],
): Promise<void> {
  await getLoggedModel(db, modelId);
  const checked = checkEntries(params, 'param', MAX_PARAM_VALUE_LENGTH);
  if (checked.length === 0) return;
  await db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('logged_model_params')
      .select(['key', 'value'])
      .where('model_id', '=', modelId)
      .where(
        'key',
        'in',
        checked.map((param) => param.key),
      )
      .execute();
    for (const param of checked) {
      const old = existing.find((row) => row.key === param.key);
      if (old !== undefined && old.value !== param.value)
        throw invalid(
          `Changing param values is not allowed. Param '${param.key}' of model ${modelId} is already '${old.value}'.`,
          'params',
        );
    }
    await trx
      .insertInto('logged_model_params')
      .values(
        [...new Map(checked.map((param) => [param.key, param])).values()].map((param) => ({
          model_id: modelId,
          ...param,
        })),
      )
      .onConflict((conflict) => conflict.doNothing())
      .execute();
  });
}

/** Refuses metrics naming a model that does not exist (checked before the run's metrics are written). */
export async function checkMetricModels(db: MetadataDb, modelIds: string[]): Promise<void> {
  const wanted = [...new Set(modelIds)];
  if (wanted.length === 0) return;
  const found = await db
    .selectFrom('logged_models')
    .select('model_id')
    .where('model_id', 'in', wanted)
    .execute();
  const unknown = wanted.find((id) => !found.some((row) => row.model_id === id));
  if (unknown !== undefined) throw missing(`Logged model with ID '${unknown}' not found.`, 'model_id');
}

/** Links metric points to their models (`log_metric(..., model_id=)`, `log_model` metrics). */
export async function logModelMetrics(db: MetadataDb, runId: string, metrics: ModelMetric[]): Promise<void> {
  if (metrics.length === 0) return;
  await checkMetricModels(
    db,
    metrics.map((metric) => metric.model_id),
  );
  await db
    .insertInto('logged_model_metrics')
    .values(
      metrics.map((metric) => ({
        model_id: metric.model_id,
        key: metric.key,
        value: metric.value,
        timestamp: metric.timestamp,
        step: metric.step,
        run_id: runId,
        dataset_name: metric.dataset_name ?? '',
        dataset_digest: metric.dataset_digest ?? '',
      })),
    )
    .onConflict((conflict) => conflict.doNothing())
    .execute();
}

/** Logged models with their tags, params and metrics, in MLflow's JSON shape (a few queries per page). */
export async function serializeLoggedModels(
  db: MetadataDb,
  rows: Selectable<DatabaseSchema['logged_models']>[],
): Promise<LoggedModel[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.model_id);
  const [params, tags, metrics] = await Promise.all([
    db.selectFrom('logged_model_params').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
    db.selectFrom('logged_model_tags').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
    db
      .selectFrom('logged_model_metrics')
      .selectAll()
      .where('model_id', 'in', ids)
      .orderBy('key')
      .orderBy('step')
      .orderBy('timestamp')
      .execute(),
  ]);
  return rows.map((row) => ({
    info: {
      model_id: row.model_id,
      experiment_id: String(row.experiment_id),
      name: row.name,
      creation_timestamp_ms: Number(row.creation_timestamp_ms),
      last_updated_timestamp_ms: Number(row.last_updated_timestamp_ms),
      artifact_uri: row.artifact_location,
      status: STATUS_NAMES[row.status as LoggedModelStatus] ?? STATUS_NAMES.UNSPECIFIED,
      ...(row.model_type ? { model_type: row.model_type } : {}),
      ...(row.source_run_id ? { source_run_id: row.source_run_id } : {}),
      ...(row.status_message ? { status_message: row.status_message } : {}),
      tags: tags.filter((tag) => tag.model_id === row.model_id).map(({ key, value }) => ({ key, value })),
    },
    data: {
      params: params
        .filter((param) => param.model_id === row.model_id)
        .map(({ key, value }) => ({ key, value })),
      metrics: metrics
        .filter((metric) => metric.model_id === row.model_id)
        .map((metric) => ({
          key: metric.key,
          value: Number(metric.value),
          timestamp: Number(metric.timestamp),
          step: Number(metric.step),
          model_id: metric.model_id,
          ...(metric.run_id ? { run_id: metric.run_id } : {}),
          ...(metric.dataset_name ? { dataset_name: metric.dataset_name } : {}),
          ...(metric.dataset_digest ? { dataset_digest: metric.dataset_digest } : {}),
        })),
    },
  }));
}

/** Whether `models:/<x>` names a logged model (MLflow's ids are `m-` and 32 hex digits). */
export function isLoggedModelId(value: string): boolean {
  return MODEL_ID.test(value);
}

async function requireRun(db: MetadataDb, runId: string, field: string): Promise<void> {
  const row = await db.selectFrom('runs').select('run_id').where('run_id', '=', runId).executeTakeFirst();
  if (row === undefined) throw missing(`Run with id=${runId} not found`, field);
}

function checkEntries(
  entries: { key: string; value: string }[],
  what: 'param' | 'tag',
  maxLength: number,
): { key: string; value: string }[] {
  for (const entry of entries) {
    validateKey(entry.key, what);
    validateValue(entry.value, `${what} '${entry.key}'`);
    if (entry.value.length > maxLength)
      throw invalid(`${what} '${entry.key}' is longer than ${maxLength} characters`, 'value');
  }
  return entries;
}

const WORDS = ['amber', 'brisk', 'clever', 'dapper', 'eager', 'fuzzy', 'gentle', 'humble', 'jolly', 'lively'];
const ANIMALS = ['ant', 'bee', 'cat', 'doe', 'elk', 'fox', 'gnu', 'hen', 'jay', 'yak'];

/** MLflow-style names for unnamed models, e.g. `jolly-fox-412`. */
function generateModelName(): string {
  const bytes = randomBytes(4);
  return `${WORDS[(bytes[0] ?? 0) % WORDS.length]}-${ANIMALS[(bytes[1] ?? 0) % ANIMALS.length]}-${100 + (bytes.readUInt16BE(2) % 900)}`;
}

import { randomBytes } from 'node:crypto';
import { type SqlBool, sql } from 'kysely';
import type { MetadataDb } from '../storage/index.js';
import { invalid, missing, validateValue } from './tracking-errors.js';

/** What `mlflow.log_input` sends: a dataset's description and the input's tags (e.g. its context). */
export interface DatasetInput {
  tags: { key: string; value: string }[];
  dataset: {
    name: string;
    digest: string;
    source_type: string;
    source: string;
    schema?: string;
    profile?: string;
  };
}

/** A run's inputs and outputs as MLflow 3's `Run.inputs` / `Run.outputs`. */
export interface RunIo {
  inputs: { dataset_inputs: DatasetInput[]; model_inputs?: { model_id: string }[] };
  outputs?: { model_outputs: { model_id: string; step: number }[] };
}

/** The tag `mlflow.log_input(..., context=)` sets, searched as `datasets.context`. */
export const DATASET_CONTEXT_TAG = 'mlflow.data.context';

const LIMITS = {
  name: 500,
  digest: 36,
  source: 65_535,
  schema: 1_048_575,
  profile: 16_384,
  tagKey: 255,
  tagValue: 500,
};

/**
 * Records datasets a run read (once per name and digest in an experiment; logging one again adds nothing)
 * and logged models it used as inputs. All or nothing, in one transaction.
 */
export async function logRunInputs(
  db: MetadataDb,
  runId: string,
  input: { datasets?: DatasetInput[]; modelIds?: string[] },
): Promise<void> {
  const datasets = input.datasets ?? [];
  for (const [index, entry] of datasets.entries()) checkDatasetInput(entry, index);
  const experimentId = await requireActiveRun(db, runId);
  await db.transaction().execute(async (trx) => {
    const { count } = await trx
      .selectFrom('run_dataset_inputs')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('run_id', '=', runId)
      .executeTakeFirstOrThrow();
    let position = Number(count);
    for (const entry of datasets) {
      const { dataset } = entry;
      const existing = await trx
        .selectFrom('tracking_datasets')
        .select('dataset_uuid')
        .where('experiment_id', '=', experimentId)
        .where('name', '=', dataset.name)
        .where('digest', '=', dataset.digest)
        .executeTakeFirst();
      const datasetUuid = existing?.dataset_uuid ?? randomBytes(16).toString('hex');
      if (existing === undefined)
        await trx
          .insertInto('tracking_datasets')
          .values({
            dataset_uuid: datasetUuid,
            experiment_id: experimentId,
            name: dataset.name,
            digest: dataset.digest,
            source_type: dataset.source_type,
            source: dataset.source,
            schema: dataset.schema ?? null,
            profile: dataset.profile ?? null,
          })
          .execute();
      const inserted = await trx
        .insertInto('run_dataset_inputs')
        .values({ run_id: runId, dataset_uuid: datasetUuid, position })
        .onConflict((conflict) => conflict.doNothing())
        .returning('run_id')
        .executeTakeFirst();
      if (inserted === undefined) continue;
      position++;
      const tags = [...new Map(entry.tags.map((tag) => [tag.key, tag])).values()];
      if (tags.length > 0)
        await trx
          .insertInto('run_dataset_input_tags')
          .values(tags.map((tag) => ({ run_id: runId, dataset_uuid: datasetUuid, ...tag })))
          .execute();
    }
    await linkModels(
      trx,
      runId,
      (input.modelIds ?? []).map((modelId) => ({ modelId, step: 0 })),
      'input',
    );
  });
}

/** Records the logged models a run produced (`runs/outputs`, what `log_model` calls), with their step. */
export async function logRunOutputs(
  db: MetadataDb,
  runId: string,
  models: { modelId: string; step: number }[],
): Promise<void> {
  await requireActiveRun(db, runId);
  await db.transaction().execute((trx) => linkModels(trx, runId, models, 'output'));
}

async function linkModels(
  db: MetadataDb,
  runId: string,
  models: { modelId: string; step: number }[],
  direction: 'input' | 'output',
): Promise<void> {
  if (models.length === 0) return;
  const ids = [...new Set(models.map((model) => model.modelId))];
  const found = await db
    .selectFrom('logged_models')
    .select('model_id')
    .where('model_id', 'in', ids)
    .execute();
  const unknown = ids.find((id) => !found.some((row) => row.model_id === id));
  if (unknown !== undefined) throw missing(`Logged model with ID '${unknown}' not found.`, 'model_id');
  for (const model of models)
    await db
      .insertInto('run_model_links')
      .values({ run_id: runId, model_id: model.modelId, direction, step: model.step })
      .onConflict((conflict) =>
        conflict.columns(['run_id', 'model_id', 'direction']).doUpdateSet({ step: model.step }),
      )
      .execute();
}

/** A run's dataset inputs (in logging order), model inputs and model outputs. */
/** Which of these runs logged dataset inputs or model links (most log neither). */
/**
 * `run_id` is one of `runIds`, as one array parameter: a page of 1,000 runs as `in ($1, …, $1000)` cost the
 * embedded database more to parse and plan than to read.
 */
export function runIdIn(runIds: readonly string[]) {
  return sql<SqlBool>`run_id = any(${[...runIds]}::text[])`;
}

export async function runsWithIo(db: MetadataDb, runIds: readonly string[]): Promise<string[]> {
  if (runIds.length === 0) return [];
  const [inputs, links] = await Promise.all([
    db.selectFrom('run_dataset_inputs').select('run_id').distinct().where(runIdIn(runIds)).execute(),
    db.selectFrom('run_model_links').select('run_id').distinct().where(runIdIn(runIds)).execute(),
  ]);
  return [...new Set([...inputs, ...links].map((row) => row.run_id))];
}

export async function getRunIo(db: MetadataDb, runId: string): Promise<RunIo> {
  // Most runs log neither: one cheap query answers for them (search reads this for every run it returns).
  const { has_inputs: hasInputs, has_links: hasLinks } = await sql<{
    has_inputs: boolean;
    has_links: boolean;
  }>`
    select exists (select 1 from run_dataset_inputs where run_id = ${runId}) as has_inputs,
           exists (select 1 from run_model_links where run_id = ${runId}) as has_links`
    .execute(db)
    .then((result) => result.rows[0] ?? { has_inputs: false, has_links: false });
  if (!hasInputs && !hasLinks) return { inputs: { dataset_inputs: [] } };
  const [inputs, tags, links] = await Promise.all([
    db
      .selectFrom('run_dataset_inputs')
      .innerJoin('tracking_datasets', 'tracking_datasets.dataset_uuid', 'run_dataset_inputs.dataset_uuid')
      .select([
        'tracking_datasets.dataset_uuid',
        'name',
        'digest',
        'source_type',
        'source',
        'schema',
        'profile',
      ])
      .where('run_dataset_inputs.run_id', '=', runId)
      .orderBy('run_dataset_inputs.position')
      .execute(),
    db
      .selectFrom('run_dataset_input_tags')
      .select(['dataset_uuid', 'key', 'value'])
      .where('run_id', '=', runId)
      .orderBy('key')
      .execute(),
    db
      .selectFrom('run_model_links')
      .select(['model_id', 'direction', 'step'])
      .where('run_id', '=', runId)
      .orderBy('model_id')
      .execute(),
  ]);
  const modelInputs = links.filter((link) => link.direction === 'input');
  const modelOutputs = links.filter((link) => link.direction === 'output');
  return {
    inputs: {
      dataset_inputs: inputs.map((row) => ({
        tags: tags
          .filter((tag) => tag.dataset_uuid === row.dataset_uuid)
          .map(({ key, value }) => ({ key, value })),
        dataset: {
          name: row.name,
          digest: row.digest,
          source_type: row.source_type,
          source: row.source,
          ...(row.schema === null ? {} : { schema: row.schema }),
          ...(row.profile === null ? {} : { profile: row.profile }),
        },
      })),
      ...(modelInputs.length > 0
        ? { model_inputs: modelInputs.map((link) => ({ model_id: link.model_id })) }
        : {}),
    },
    ...(modelOutputs.length > 0
      ? {
          outputs: {
            model_outputs: modelOutputs.map((link) => ({ model_id: link.model_id, step: Number(link.step) })),
          },
        }
      : {}),
  };
}

/**
 * The SQL for a `datasets.<name|digest|context>` clause of a run search: the run has a dataset input
 * matching it (`context` is the input's `mlflow.data.context` tag).
 */
export function datasetFilterSql(
  key: 'name' | 'digest' | 'context',
  operator: string,
  value: string | string[],
) {
  const column =
    key === 'context'
      ? sql`(select t.value from run_dataset_input_tags t where t.run_id = i.run_id and t.dataset_uuid = i.dataset_uuid and t.key = ${DATASET_CONTEXT_TAG})`
      : sql.ref(`d.${key}`);
  const op = sql.raw(
    { '=': '=', '!=': '!=', like: 'like', ilike: 'ilike', in: 'in', 'not in': 'not in' }[operator] ?? '=',
  );
  const condition = Array.isArray(value)
    ? value.length === 0
      ? sql`${sql.raw(operator === 'in' ? 'false' : 'true')}`
      : sql`${column} ${op} (${sql.join(value)})`
    : sql`${column} ${op} ${value}`;
  return sql<SqlBool>`exists (select 1 from run_dataset_inputs i join tracking_datasets d on d.dataset_uuid = i.dataset_uuid where i.run_id = runs.run_id and ${condition})`;
}

async function requireActiveRun(db: MetadataDb, runId: string): Promise<number> {
  const row = await db
    .selectFrom('runs')
    .select(['lifecycle_stage', 'experiment_id'])
    .where('run_id', '=', runId)
    .executeTakeFirst();
  if (row === undefined) throw missing(`Run with id=${runId} not found`, 'run_id');
  if (row.lifecycle_stage !== 'active')
    throw invalid(
      `The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      'run_id',
    );
  return row.experiment_id;
}

function checkDatasetInput(entry: DatasetInput, index: number): void {
  const field = `datasets[${index}].dataset`;
  const { dataset } = entry;
  for (const key of ['name', 'digest', 'source_type', 'source'] as const) {
    if (dataset[key] === '')
      throw invalid(`Missing value for required parameter '${field}.${key}'`, `${field}.${key}`);
  }
  for (const key of ['name', 'digest', 'source', 'schema', 'profile'] as const) {
    const value = dataset[key];
    if (value === undefined) continue;
    validateValue(value, `${field}.${key}`);
    if (value.length > LIMITS[key])
      throw invalid(`${field}.${key} is longer than ${LIMITS[key]} characters`, `${field}.${key}`);
  }
  for (const tag of entry.tags) {
    validateValue(tag.key, 'input tag key');
    validateValue(tag.value, `input tag '${tag.key}'`);
    if (tag.key === '' || tag.key.length > LIMITS.tagKey)
      throw invalid(`input tag key must have 1 to ${LIMITS.tagKey} characters`, `datasets[${index}].tags`);
    if (tag.value.length > LIMITS.tagValue)
      throw invalid(
        `input tag '${tag.key}' is longer than ${LIMITS.tagValue} characters`,
        `datasets[${index}].tags`,
      );
  }
}

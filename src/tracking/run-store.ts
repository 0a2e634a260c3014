import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { DatabaseSchema, MetadataDb } from '../storage/index.js';
import { getExperiment } from './experiment-store.js';
import { getRunIo, type RunIo, runIdIn } from './run-io-store.js';
import { generateRunName, RUN_NAME_TAG } from './run-names.js';
import { validateTag } from './run-validation.js';
import { invalid, missing } from './tracking-errors.js';

/** Runs themselves: their shapes, create, read, update, lifecycle; what they log is `run-logging.ts`. */

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
  const [run] = await getRuns(db, [runId]);
  if (run === undefined) throw missing(`Run with id=${runId} not found`, 'run_id');
  return run;
}

/**
 * Several runs whole, in the order asked (unknown ids left out): four queries for any number of runs, so a
 * search page of 100 costs what one run does rather than a hundred round trips.
 */
export async function getRuns(db: MetadataDb, runIds: readonly string[]): Promise<Run[]> {
  if (runIds.length === 0) return [];
  const rows = await db
    .selectFrom('runs')
    .selectAll()
    .select(HAS_IO.as('has_io'))
    .where(runIdIn([...new Set(runIds)]))
    .execute();
  const found = new Map(rows.map((row) => [row.run_id, row]));
  return runsOf(
    db,
    runIds.flatMap((runId) => {
      const row = found.get(runId);
      return row === undefined ? [] : [row];
    }),
  );
}

/** Whether a run logged dataset inputs or model outputs: a column for `runsOf`. */
export const HAS_IO = sql<boolean>`exists (select 1 from run_dataset_inputs i where i.run_id = runs.run_id) or exists (select 1 from run_model_links l where l.run_id = runs.run_id)`;

/**
 * Whole runs from their rows (selected with `HAS_IO as has_io`), in the rows' order: one more query
 * whatever their number (each costs PGlite a fixed round trip), for their metrics, params and tags as one list.
 */
export async function runsOf(
  db: MetadataDb,
  rows: readonly (DatabaseSchema['runs'] & { has_io: boolean })[],
): Promise<Run[]> {
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.map((row) => row.run_id))];
  const children = await sql<RunChild>`
    select run_id, 0 as kind, key, value as number, null::text as text, "timestamp", step
      from latest_metrics where run_id = any(${ids}::text[])
    union all
    select run_id, 1, key, null::double precision, value, null::bigint, null::bigint
      from run_params where run_id = any(${ids}::text[])
    union all
    select run_id, 2, key, null::double precision, value, null::bigint, null::bigint
      from run_tags where run_id = any(${ids}::text[])
    order by kind, key`
    .execute(db)
    .then((result) => result.rows);
  const io = new Map<string, RunIo>();
  for (const row of rows)
    if (row.has_io && !io.has(row.run_id)) io.set(row.run_id, await getRunIo(db, row.run_id));
  const dataOf = new Map<string, Run['data']>();
  for (const child of children) {
    let data = dataOf.get(child.run_id);
    if (data === undefined) {
      data = { metrics: [], params: [], tags: [] };
      dataOf.set(child.run_id, data);
    }
    if (child.kind === 0)
      data.metrics.push(
        toMetric({
          key: child.key,
          value: child.number as number,
          timestamp: child.timestamp as number,
          step: child.step as number,
        }),
      );
    else (child.kind === 1 ? data.params : data.tags).push({ key: child.key, value: child.text as string });
  }
  return rows.map((row) => ({
    info: toRunInfo(row),
    data: dataOf.get(row.run_id) ?? { metrics: [], params: [], tags: [] },
    ...(io.get(row.run_id) ?? { inputs: { dataset_inputs: [] } }),
  }));
}

/** One metric (kind 0), param (1) or tag (2) of a run, as the page's single child query returns them. */
interface RunChild {
  run_id: string;
  kind: 0 | 1 | 2;
  key: string;
  number: number | null;
  text: string | null;
  timestamp: number | string | null;
  step: number | string | null;
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

export async function requireActiveRun(db: MetadataDb, runId: string): Promise<void> {
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

export function toMetric(row: { key: string; value: number; timestamp: number; step: number }): Metric {
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

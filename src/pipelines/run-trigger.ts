import { randomBytes } from 'node:crypto';
import { ConflictError, MlopsError, ValidationError } from '../errors/index.js';
import type { PipelineDefinition } from './definition.js';
import type { EngineCore } from './engine-core.js';
import { readRun } from './pipeline-run-store.js';
import { isPipelinePaused, registerPipelines } from './pipeline-store.js';
import type { RunRecord, RunType } from './run-records.js';
import type { RunStateMachine } from './run-state-machine.js';

/** How a run is started: by hand, by its schedule or by an event. */
export interface TriggerOptions {
  conf?: unknown;
  runId?: string;
  runType?: RunType;
  logicalDate?: Date;
  note?: string;
  force?: boolean;
}

/**
 * Starts a run: validates `conf`, refuses paused and unknown pipelines and taken run ids, records the run
 * with one task instance per task, and schedules its first tasks at once.
 */
export async function triggerRun(
  core: EngineCore,
  machine: RunStateMachine,
  pipelineId: string,
  options: TriggerOptions = {},
): Promise<RunRecord> {
  const { db, plans, log } = core;
  const definition = plans.definition(pipelineId);
  await registerPipelines(db, plans.all(), new Date());
  if (options.force !== true && (await isPipelinePaused(db, pipelineId))) {
    throw new MlopsError(
      'MLOPS_ERR_PIPELINE_PAUSED',
      `pipeline ${pipelineId} is paused: unpause it first (mlops pipelines unpause ${pipelineId})`,
      { field: 'dag_id' },
    );
  }
  const conf = parseConf(definition, options.conf ?? {});
  const logicalDate = options.logicalDate ?? new Date();
  const runType = options.runType ?? 'manual';
  let runId = options.runId ?? `${runType}__${logicalDate.toISOString()}`;
  const taken = await db
    .selectFrom('pipeline_runs')
    .select('run_id')
    .where('run_id', '=', runId)
    .executeTakeFirst();
  if (taken !== undefined) {
    if (options.runId !== undefined)
      throw new ConflictError(`a run with id ${runId} already exists`, { field: 'dag_run_id' });
    runId = `${runId}_${randomBytes(3).toString('hex')}`;
  }
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('pipeline_runs')
      .values({
        run_id: runId,
        pipeline_id: pipelineId,
        state: 'queued',
        run_type: runType,
        conf: JSON.stringify(conf),
        note: options.note ?? null,
        logical_date: logicalDate,
      })
      .execute();
    await trx
      .insertInto('task_instances')
      .values(
        definition.tasks.map((task) => ({
          run_id: runId,
          task_id: task.id,
          state: null,
          max_tries: task.retries ?? 0,
          pending_upstream: (task.dependsOn ?? []).length,
        })),
      )
      .execute();
  });
  log.info(
    { action: 'TRIGGER', pipeline: pipelineId, run_id: runId, run_type: runType },
    `${pipelineId}: run ${runId} queued`,
  );
  await machine.advance(runId);
  return readRun(db, runId);
}

function parseConf(definition: PipelineDefinition, conf: unknown): Record<string, unknown> {
  if (typeof conf !== 'object' || conf === null || Array.isArray(conf))
    throw new ValidationError('conf must be a JSON object', { field: 'conf' });
  if (definition.conf === undefined) return conf as Record<string, unknown>;
  const parsed = definition.conf.safeParse(conf);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = ['conf', ...(issue?.path ?? []).map(String)].join('.');
  throw new ValidationError(`${field}: ${issue?.message ?? 'is invalid'}`, { field });
}

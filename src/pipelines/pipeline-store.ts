import type { MetadataDb } from '../storage/index.js';
import type { PipelineDefinition } from './definition.js';
import { type PipelineSummary, toRun } from './run-records.js';
import { nextTick } from './schedules.js';

/** The `pipelines` table: which pipelines are known, whether each is paused, where its schedule stands. */

/** Records every pipeline in the database (new ones start their schedule now). */
export async function registerPipelines(
  db: MetadataDb,
  definitions: readonly PipelineDefinition[],
  now: Date,
): Promise<void> {
  for (const definition of definitions) {
    await db
      .insertInto('pipelines')
      .values({
        pipeline_id: definition.id,
        is_paused: definition.pausedOnCreation ?? false,
        last_scheduled_at: now,
      })
      .onConflict((conflict) => conflict.column('pipeline_id').doNothing())
      .execute();
  }
}

/** Each pipeline with its paused flag, its next scheduled run and its latest run. */
export async function pipelineSummaries(
  db: MetadataDb,
  definitions: readonly PipelineDefinition[],
): Promise<PipelineSummary[]> {
  const rows = await db.selectFrom('pipelines').selectAll().execute();
  const summaries: PipelineSummary[] = [];
  for (const definition of definitions) {
    const row = rows.find((item) => item.pipeline_id === definition.id);
    const last = await db
      .selectFrom('pipeline_runs')
      .selectAll()
      .where('pipeline_id', '=', definition.id)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    summaries.push({
      definition,
      is_paused: row?.is_paused ?? false,
      next_run_at:
        definition.schedule === undefined || row?.is_paused === true
          ? null
          : nextTick(definition, row?.last_scheduled_at ?? new Date()),
      last_run: last === undefined ? null : toRun(last),
    });
  }
  return summaries;
}

/** Pauses or unpauses a pipeline; unpausing restarts its schedule from now (no catch-up of the pause). */
export async function updatePaused(db: MetadataDb, pipelineId: string, isPaused: boolean): Promise<void> {
  await db
    .updateTable('pipelines')
    .set({
      is_paused: isPaused,
      updated_at: new Date(),
      ...(isPaused ? {} : { last_scheduled_at: new Date() }),
    })
    .where('pipeline_id', '=', pipelineId)
    .execute();
}

export async function isPipelinePaused(db: MetadataDb, pipelineId: string): Promise<boolean> {
  const row = await db
    .selectFrom('pipelines')
    .select('is_paused')
    .where('pipeline_id', '=', pipelineId)
    .executeTakeFirst();
  return row?.is_paused ?? false;
}

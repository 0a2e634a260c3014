import type { MetadataDb } from '../storage/index.js';

/**
 * What other capabilities ask of the pipelines' tables (pipeline_runs, task_instances belong to pipelines/):
 * the automations and the alert rules call these rather than reading the tables themselves.
 */

/** The queued or running run of a pipeline, if any (`db` may be a transaction holding a lock). */
export async function activeRunOf(db: MetadataDb, pipelineId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('pipeline_runs')
    .select('run_id')
    .where('pipeline_id', '=', pipelineId)
    .where('state', 'in', ['queued', 'running'])
    .executeTakeFirst();
  return row?.run_id;
}

/** How many tasks wait for a free slot, over every pipeline. */
export async function queuedTaskCount(db: MetadataDb): Promise<number> {
  const row = await db
    .selectFrom('task_instances')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('state', '=', 'queued')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Runs that failed since `since`, newest first (at most 20). */
export async function failedRunsSince(
  db: MetadataDb,
  since: Date,
): Promise<{ pipeline_id: string; run_id: string }[]> {
  return db
    .selectFrom('pipeline_runs')
    .select(['pipeline_id', 'run_id'])
    .where('state', '=', 'failed')
    .where('end_date', '>', since)
    .orderBy('end_date', 'desc')
    .limit(20)
    .execute();
}

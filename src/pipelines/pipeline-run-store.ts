import { NotFoundError } from '../errors/index.js';
import type { MetadataDb } from '../storage/index.js';
import type { PipelinePlans } from './pipeline-plans.js';
import { type RunRecord, type TaskRecord, type TaskState, toRun, toTask } from './run-records.js';

/** Reads of runs, task instances and task logs, and the guarded state update of one task instance. */

export async function readRun(db: MetadataDb, runId: string): Promise<RunRecord> {
  const row = await db.selectFrom('pipeline_runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
  if (row === undefined) throw new NotFoundError(`no pipeline run ${runId}`, { field: 'dag_run_id' });
  return toRun(row);
}

/** Runs newest first, of one pipeline or all, optionally only in some states, with the total count. */
export async function listRuns(
  db: MetadataDb,
  pipelineId: string | undefined,
  options: { limit?: number; offset?: number; states?: string[] } = {},
): Promise<{ runs: RunRecord[]; total: number }> {
  let query = db.selectFrom('pipeline_runs');
  if (pipelineId !== undefined) query = query.where('pipeline_id', '=', pipelineId);
  if (options.states !== undefined && options.states.length > 0)
    query = query.where('state', 'in', options.states);
  const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  const rows = await query
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('run_id', 'desc')
    .limit(options.limit ?? 100)
    .offset(options.offset ?? 0)
    .execute();
  return { runs: rows.map(toRun), total: Number(total?.n ?? 0) };
}

/** A run's task instances in task order (a NotFoundError when the run does not exist). */
export async function readTasks(db: MetadataDb, plans: PipelinePlans, runId: string): Promise<TaskRecord[]> {
  const run = await readRun(db, runId);
  const rows = await db.selectFrom('task_instances').selectAll().where('run_id', '=', runId).execute();
  const rank = (task: TaskRecord) => plans.position(run.pipeline_id, task.task_id);
  return rows.map(toTask).sort((a, b) => rank(a) - rank(b));
}

/** The task instances of several runs at once (a grid of runs × tasks), each run's in task order. */
export async function readTasksOfRuns(
  db: MetadataDb,
  plans: PipelinePlans,
  runIds: readonly string[],
): Promise<TaskRecord[]> {
  if (runIds.length === 0) return [];
  const rows = await db
    .selectFrom('task_instances')
    .innerJoin('pipeline_runs', 'pipeline_runs.run_id', 'task_instances.run_id')
    .selectAll('task_instances')
    .select('pipeline_runs.pipeline_id')
    .where('task_instances.run_id', 'in', [...runIds])
    .execute();
  const rank = (row: (typeof rows)[number]) => plans.position(row.pipeline_id, row.task_id);
  return rows.sort((a, b) => rank(a) - rank(b)).map(toTask);
}

/** A task's log lines in the order they were logged (see `PipelineEngine.logs`). */
export async function readTaskLogs(
  db: MetadataDb,
  runId: string,
  taskId: string,
  tryNumber?: number,
  options: { afterLogId?: number; limit?: number } = {},
): Promise<{ log_id: number; try_number: number; level: string; message: string; logged_at: Date }[]> {
  let query = db
    .selectFrom('task_logs')
    .select(['log_id', 'try_number', 'level', 'message', 'logged_at'])
    .where('run_id', '=', runId)
    .where('task_id', '=', taskId);
  if (tryNumber !== undefined) query = query.where('try_number', '=', tryNumber);
  if (options.afterLogId !== undefined) query = query.where('log_id', '>', options.afterLogId as never);
  const rows = await query
    .orderBy('log_id')
    .limit(options.limit ?? 10_000)
    .execute();
  // bigserial comes back as a string from PostgreSQL.
  return rows.map((row) => ({ ...row, log_id: Number(row.log_id) }));
}

/** Conditional update of one task: applies only while it is still in `from` (null: not scheduled). */
export async function setTaskState(
  db: MetadataDb,
  runId: string,
  taskId: string,
  from: TaskState | null,
  values: Partial<{
    state: TaskState;
    queued_at: Date;
    end_date: Date;
    next_retry_at: Date | null;
  }>,
): Promise<boolean> {
  let query = db
    .updateTable('task_instances')
    .set(values)
    .where('run_id', '=', runId)
    .where('task_id', '=', taskId);
  query = from === null ? query.where('state', 'is', null) : query.where('state', '=', from);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

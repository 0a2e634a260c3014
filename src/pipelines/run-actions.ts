import { ConflictError, NotFoundError } from '../errors/index.js';
import type { MetadataDb } from '../storage/index.js';
import type { PipelineEngine, RunRecord, TaskRecord, TaskState } from './engine.js';

/** What `clearTasks` re-runs. Defaults follow Airflow's API: failed tasks only, no relatives. */
export interface ClearOptions {
  /** Tasks to clear (default: every task of the run). */
  taskIds?: readonly string[];
  /** Also clear the tasks that depend on them, transitively (what a re-run of them would feed). */
  includeDownstream?: boolean;
  /** Also clear the tasks they depend on, transitively. */
  includeUpstream?: boolean;
  /** Only tasks in a failed state (failed, upstream_failed). */
  onlyFailed?: boolean;
  /** Only tasks running now. */
  onlyRunning?: boolean;
  /** Refuse (409) when a chosen task is running, rather than stopping it. */
  preventRunningTask?: boolean;
  /** Report what would be cleared and change nothing. */
  dryRun?: boolean;
  /** Who asked (written to the task's log). */
  by?: string;
}

export type MarkableRunState = 'success' | 'failed' | 'queued';
export type MarkableTaskState = 'success' | 'failed' | 'skipped';

const FINISHED: ReadonlySet<string> = new Set(['success', 'failed', 'upstream_failed', 'skipped']);

/**
 * The actions people take when a run goes wrong, over the engine's durable state: clear (re-run) task
 * instances, mark a run or a task, delete a run. Each is one transaction on the run's rows, so a restart
 * finds the run as the action left it and the scheduler carries it on.
 */
export class RunActions {
  constructor(private readonly engine: PipelineEngine) {}

  private get db(): MetadataDb {
    return this.engine.platform.database.db;
  }

  /**
   * Clears task instances of a run so they run again: each goes back to "not scheduled" with a fresh retry
   * budget, the run goes back to queued, and the engine schedules them as their upstream tasks allow.
   * Returns the task instances chosen (as they were before the clear).
   *
   * @example await actions.clearTasks(runId, { taskIds: ['train'], includeDownstream: true, onlyFailed: false })
   */
  async clearTasks(runId: string, options: ClearOptions = {}): Promise<TaskRecord[]> {
    const run = await this.engine.run(runId);
    const definition = this.engine.definition(run.pipeline_id);
    const tasks = await this.engine.tasks(runId);
    const known = new Set(definition.tasks.map((task) => task.id));
    for (const id of options.taskIds ?? []) {
      if (!known.has(id))
        throw new NotFoundError(`pipeline ${run.pipeline_id} has no task ${id}`, { field: 'task_ids' });
    }
    const chosen = new Set(options.taskIds ?? [...known]);
    if (options.includeDownstream === true) this.addRelatives(run, chosen, 'down');
    if (options.includeUpstream === true) this.addRelatives(run, chosen, 'up');
    const selected = tasks.filter(
      (task) =>
        chosen.has(task.task_id) &&
        (options.onlyFailed !== true || task.state === 'failed' || task.state === 'upstream_failed') &&
        (options.onlyRunning !== true || task.state === 'running'),
    );
    const running = selected.filter((task) => task.state === 'running');
    if (options.preventRunningTask === true && running.length > 0) {
      throw new ConflictError(
        `task ${running.map((task) => task.task_id).join(', ')} is running (prevent_running_task is set)`,
        { field: 'prevent_running_task' },
      );
    }
    if (options.dryRun === true || selected.length === 0) return selected;
    const retries = new Map(definition.tasks.map((task) => [task.id, task.retries ?? 0]));
    await this.db.transaction().execute(async (trx) => {
      for (const task of selected) {
        await trx
          .updateTable('task_instances')
          .set({
            state: null,
            // The next attempt is try_number + 1; it gets the task's whole retry budget again.
            max_tries: task.try_number + (retries.get(task.task_id) ?? 0),
            queued_at: null,
            start_date: null,
            end_date: null,
            duration: null,
            next_retry_at: null,
            output: null,
            error: null,
            lease_owner: null,
            heartbeat_at: null,
          })
          .where('run_id', '=', runId)
          .where('task_id', '=', task.task_id)
          .execute();
      }
      await trx
        .insertInto('task_logs')
        .values(
          selected.map((task) => ({
            run_id: runId,
            task_id: task.task_id,
            try_number: task.try_number + 1,
            level: 'INFO',
            message: `cleared${options.by === undefined ? '' : ` by ${options.by}`} (was ${task.state ?? 'none'}): runs again as attempt ${task.try_number + 1}`,
          })),
        )
        .execute();
      await recountPendingUpstream(trx, run, definition.tasks);
      await trx
        .updateTable('pipeline_runs')
        .set({ state: 'queued', end_date: null })
        .where('run_id', '=', runId)
        .execute();
    });
    for (const task of running) this.engine.abortAttempt(runId, task.task_id, 'the task was cleared');
    await this.engine.advance(runId);
    return selected;
  }

  /**
   * Sets a run's state by hand. `success`: every unfinished task is marked success; `failed`: running and
   * waiting tasks fail and tasks not yet scheduled are skipped; `queued`: the run is queued again and the
   * engine carries on with whatever is left to do.
   */
  async markRun(runId: string, state: MarkableRunState, by?: string): Promise<RunRecord> {
    const run = await this.engine.run(runId);
    const tasks = await this.engine.tasks(runId);
    const now = new Date();
    const open = tasks.filter((task) => task.state === null || !FINISHED.has(task.state));
    await this.db.transaction().execute(async (trx) => {
      if (state !== 'queued') {
        for (const task of open) {
          const next: TaskState =
            state === 'success' ? 'success' : task.state === null ? 'skipped' : 'failed';
          await trx
            .updateTable('task_instances')
            .set({ state: next, end_date: now, next_retry_at: null, lease_owner: null })
            .where('run_id', '=', runId)
            .where('task_id', '=', task.task_id)
            .execute();
        }
        if (open.length > 0) {
          await trx
            .insertInto('task_logs')
            .values(
              open.map((task) => ({
                run_id: runId,
                task_id: task.task_id,
                try_number: Math.max(1, task.try_number),
                level: 'WARNING',
                message: `the run was marked ${state}${by === undefined ? '' : ` by ${by}`}`,
              })),
            )
            .execute();
        }
      }
      await trx
        .updateTable('pipeline_runs')
        .set(
          state === 'queued'
            ? { state: 'queued', end_date: null }
            : { state, end_date: now, start_date: run.start_date ?? now },
        )
        .where('run_id', '=', runId)
        .execute();
    });
    for (const task of open)
      if (task.state === 'running')
        this.engine.abortAttempt(runId, task.task_id, `the run was marked ${state}`);
    if (state === 'queued') await this.engine.advance(runId);
    else await this.startWaitingRun(run.pipeline_id);
    return this.engine.run(runId);
  }

  /**
   * Sets one task's state by hand (and optionally its relatives'), then lets the run go on: downstream
   * tasks of a success are scheduled, those of a failure become upstream_failed. A finished run takes the
   * state its tasks now give it. Returns the task instances changed.
   */
  async markTask(
    runId: string,
    taskId: string,
    state: MarkableTaskState,
    options: { includeUpstream?: boolean; includeDownstream?: boolean; dryRun?: boolean; by?: string } = {},
  ): Promise<TaskRecord[]> {
    const run = await this.engine.run(runId);
    const definition = this.engine.definition(run.pipeline_id);
    if (!definition.tasks.some((task) => task.id === taskId))
      throw new NotFoundError(`pipeline ${run.pipeline_id} has no task ${taskId}`, { field: 'task_id' });
    const chosen = new Set([taskId]);
    if (options.includeDownstream === true) this.addRelatives(run, chosen, 'down');
    if (options.includeUpstream === true) this.addRelatives(run, chosen, 'up');
    const selected = (await this.engine.tasks(runId)).filter((task) => chosen.has(task.task_id));
    if (options.dryRun === true) return selected;
    const now = new Date();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('task_instances')
        .set({ state, end_date: now, next_retry_at: null, lease_owner: null })
        .where('run_id', '=', runId)
        .where('task_id', 'in', [...chosen])
        .execute();
      await trx
        .insertInto('task_logs')
        .values(
          selected.map((task) => ({
            run_id: runId,
            task_id: task.task_id,
            try_number: Math.max(1, task.try_number),
            level: 'WARNING',
            message: `marked ${state}${options.by === undefined ? '' : ` by ${options.by}`} (was ${task.state ?? 'none'})`,
          })),
        )
        .execute();
      await recountPendingUpstream(trx, run, definition.tasks);
      if (run.state === 'success' || run.state === 'failed') {
        const states = await trx
          .selectFrom('task_instances')
          .select('state')
          .where('run_id', '=', runId)
          .execute();
        const failed = states.some((row) => row.state === 'failed' || row.state === 'upstream_failed');
        await trx
          .updateTable('pipeline_runs')
          .set({ state: failed ? 'failed' : 'success' })
          .where('run_id', '=', runId)
          .execute();
      }
    });
    for (const task of selected)
      if (task.state === 'running')
        this.engine.abortAttempt(runId, task.task_id, `the task was marked ${state}`);
    await this.engine.advance(runId);
    return selected;
  }

  /**
   * Deletes a run with its task instances and logs. Running attempts are stopped first, and given up to
   * `settleMs` to write their last log lines, so none are left behind the deleted run.
   */
  async deleteRun(runId: string, settleMs = 2000): Promise<void> {
    const run = await this.engine.run(runId);
    const running = (await this.engine.tasks(runId)).filter((task) => task.state === 'running');
    for (const task of running) this.engine.abortAttempt(runId, task.task_id, 'the run was deleted');
    const deadline = Date.now() + settleMs;
    while (running.length > 0 && Date.now() < deadline) {
      const still = (await this.engine.tasks(runId)).some((task) => task.state === 'running');
      if (!still) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('task_logs').where('run_id', '=', runId).execute();
      await trx.deleteFrom('task_instances').where('run_id', '=', runId).execute();
      await trx.deleteFrom('pipeline_runs').where('run_id', '=', runId).execute();
    });
    await this.startWaitingRun(run.pipeline_id);
  }

  /** Sets or removes a run's note. */
  async setNote(runId: string, note: string | null): Promise<RunRecord> {
    await this.engine.run(runId);
    await this.db.updateTable('pipeline_runs').set({ note }).where('run_id', '=', runId).execute();
    return this.engine.run(runId);
  }

  /** Whether the pipeline state answers, and when this process's scheduler last made a pass. */
  async health(): Promise<{ isDatabaseUp: boolean; lastPassAt: Date | undefined }> {
    const isDatabaseUp = await this.db
      .selectFrom('pipelines')
      .select('pipeline_id')
      .limit(1)
      .execute()
      .then(
        () => true,
        () => false,
      );
    return { isDatabaseUp, lastPassAt: this.engine.lastPassAt };
  }

  /** Adds the tasks reachable from `ids` downstream (or upstream), transitively. */
  private addRelatives(run: RunRecord, ids: Set<string>, direction: 'up' | 'down'): void {
    const definition = this.engine.definition(run.pipeline_id);
    const upstream = new Map(definition.tasks.map((task) => [task.id, task.dependsOn ?? []]));
    const stack = [...ids];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      const next =
        direction === 'down' ? this.engine.downstreamOf(run.pipeline_id, id) : (upstream.get(id) ?? []);
      for (const other of next) {
        if (ids.has(other)) continue;
        ids.add(other);
        stack.push(other);
      }
    }
  }

  /** A run that ended by hand frees its pipeline's slot: the oldest queued run may start. */
  private async startWaitingRun(pipelineId: string): Promise<void> {
    const waiting = await this.db
      .selectFrom('pipeline_runs')
      .select('run_id')
      .where('pipeline_id', '=', pipelineId)
      .where('state', '=', 'queued')
      .orderBy('created_at')
      .limit(1)
      .executeTakeFirst();
    if (waiting !== undefined) await this.engine.advance(waiting.run_id);
  }
}

/** Re-derives each unscheduled task's count of upstream tasks not yet succeeded (the fast path's counter). */
async function recountPendingUpstream(
  trx: MetadataDb,
  run: RunRecord,
  tasks: readonly { id: string; dependsOn?: string[] }[],
): Promise<void> {
  const rows = await trx
    .selectFrom('task_instances')
    .select(['task_id', 'state'])
    .where('run_id', '=', run.run_id)
    .execute();
  const state = new Map(rows.map((row) => [row.task_id, row.state]));
  for (const task of tasks) {
    if (state.get(task.id) !== null) continue;
    const pending = (task.dependsOn ?? []).filter((id) => state.get(id) !== 'success').length;
    await trx
      .updateTable('task_instances')
      .set({ pending_upstream: pending })
      .where('run_id', '=', run.run_id)
      .where('task_id', '=', task.id)
      .execute();
  }
}

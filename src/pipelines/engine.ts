import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ConflictError, MlopsError, NotFoundError, ValidationError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { Platform } from '../platform/index.js';
import type { MetadataDb } from '../storage/index.js';
import {
  claimAttempt,
  heartbeatAttempt,
  recordFailure,
  recordSuccess,
  upstreamOutputs,
} from './attempt-store.js';
import {
  type PipelineDefinition,
  retryDelayMs,
  type TaskDefinition,
  topologicalOrder,
} from './definition.js';
import {
  FINISHED,
  type PipelineSummary,
  type RunRecord,
  type RunType,
  type TaskRecord,
  type TaskState,
  toRun,
  toTask,
} from './run-records.js';
import { nextTick } from './schedules.js';
import { TaskLogWriter } from './task-log-writer.js';
import { TaskTimeoutError, withTimeout } from './task-timeout.js';

export type {
  PipelineSummary,
  RunRecord,
  RunState,
  RunType,
  TaskRecord,
  TaskState,
} from './run-records.js';
export { checkSchedules, nextTick } from './schedules.js';

/** Hands queued tasks to workers: in this process, or through a queue to `mlops worker` processes. */
export interface TaskExecutor {
  readonly kind: 'in_process' | 'bullmq';
  dispatch(runId: string, taskId: string, tryNumber: number): Promise<void>;
  close(): Promise<void>;
}

export interface EngineOptions {
  logger: Logger;
  /** A running attempt whose heartbeat is older than this is taken as lost and retried (default 30 s). */
  leaseMs?: number;
}

/**
 * Runs pipelines with their state in the metadata database: triggers runs, advances them (a task is queued
 * once all its upstream tasks succeeded; a failure with tries left becomes up_for_retry, then queued again
 * after its delay), executes attempts with a lease and a heartbeat, and recovers attempts whose worker died.
 * Every state change is a guarded UPDATE, so any number of processes can share the work and an attempt
 * that finished is never run again.
 */
export class PipelineEngine {
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly definitions = new Map<string, PipelineDefinition>();
  /** Per pipeline: tasks in dependency order, each task's position, and who depends on whom. */
  private readonly plans = new Map<
    string,
    { ordered: TaskDefinition[]; position: Map<string, number>; downstream: Map<string, string[]> }
  >();
  private executor: TaskExecutor | undefined;
  private readonly leaseMs: number;
  private readonly log: Logger;
  private readonly timers = new Set<NodeJS.Timeout>();
  private ticker: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly running = new Map<string, AbortController>();
  private stopped = false;
  /** When this process last began a scheduler pass (Airflow's scheduler heartbeat); undefined before. */
  lastPassAt: Date | undefined;

  constructor(
    readonly platform: Platform,
    pipelines: readonly PipelineDefinition[],
    options: EngineOptions,
  ) {
    for (const pipeline of pipelines) {
      if (this.definitions.has(pipeline.id))
        throw new ValidationError(`pipeline ${pipeline.id} is defined twice`, { field: 'pipelines' });
      this.definitions.set(pipeline.id, pipeline);
      const downstream = new Map<string, string[]>();
      for (const task of pipeline.tasks)
        for (const dependency of task.dependsOn ?? [])
          downstream.set(dependency, [...(downstream.get(dependency) ?? []), task.id]);
      this.plans.set(pipeline.id, {
        ordered: topologicalOrder(pipeline.tasks),
        position: new Map(pipeline.tasks.map((task, index) => [task.id, index])),
        downstream,
      });
    }
    this.leaseMs = options.leaseMs ?? 30_000;
    this.log = options.logger.child({ component: 'PIPELINES' });
  }

  private get db(): MetadataDb {
    return this.platform.database.db;
  }

  setExecutor(executor: TaskExecutor): void {
    this.executor = executor;
  }

  pipelines(): PipelineDefinition[] {
    return [...this.definitions.values()];
  }

  definition(pipelineId: string): PipelineDefinition {
    const definition = this.definitions.get(pipelineId);
    if (definition === undefined) {
      throw new NotFoundError(
        `no pipeline named ${pipelineId} (known: ${[...this.definitions.keys()].join(', ') || 'none'})`,
        { field: 'dag_id' },
      );
    }
    return definition;
  }

  /** Records every pipeline in the database (new ones start their schedule now). */
  async register(now = new Date()): Promise<void> {
    for (const definition of this.definitions.values()) {
      await this.db
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

  async summaries(): Promise<PipelineSummary[]> {
    const rows = await this.db.selectFrom('pipelines').selectAll().execute();
    const summaries: PipelineSummary[] = [];
    for (const definition of this.definitions.values()) {
      const row = rows.find((item) => item.pipeline_id === definition.id);
      const last = await this.db
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

  async setPaused(pipelineId: string, isPaused: boolean): Promise<void> {
    this.definition(pipelineId);
    await this.register();
    await this.db
      .updateTable('pipelines')
      .set({
        is_paused: isPaused,
        updated_at: new Date(),
        ...(isPaused ? {} : { last_scheduled_at: new Date() }),
      })
      .where('pipeline_id', '=', pipelineId)
      .execute();
    this.log.info(
      { action: isPaused ? 'PAUSE' : 'UNPAUSE', pipeline: pipelineId },
      `${pipelineId} ${isPaused ? 'paused' : 'unpaused'}`,
    );
  }

  async isPaused(pipelineId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('pipelines')
      .select('is_paused')
      .where('pipeline_id', '=', pipelineId)
      .executeTakeFirst();
    return row?.is_paused ?? false;
  }

  /**
   * Starts a run: validates `conf`, refuses paused and unknown pipelines and taken run ids, records the run
   * with one task instance per task, and schedules its first tasks at once.
   */
  async trigger(
    pipelineId: string,
    options: {
      conf?: unknown;
      runId?: string;
      runType?: RunType;
      logicalDate?: Date;
      note?: string;
      force?: boolean;
    } = {},
  ): Promise<RunRecord> {
    const definition = this.definition(pipelineId);
    await this.register();
    if (options.force !== true && (await this.isPaused(pipelineId))) {
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
    const taken = await this.db
      .selectFrom('pipeline_runs')
      .select('run_id')
      .where('run_id', '=', runId)
      .executeTakeFirst();
    if (taken !== undefined) {
      if (options.runId !== undefined)
        throw new ConflictError(`a run with id ${runId} already exists`, { field: 'dag_run_id' });
      runId = `${runId}_${randomBytes(3).toString('hex')}`;
    }
    await this.db.transaction().execute(async (trx) => {
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
    this.log.info(
      { action: 'TRIGGER', pipeline: pipelineId, run_id: runId, run_type: runType },
      `${pipelineId}: run ${runId} queued`,
    );
    await this.advance(runId);
    return this.run(runId);
  }

  async run(runId: string): Promise<RunRecord> {
    const row = await this.db
      .selectFrom('pipeline_runs')
      .selectAll()
      .where('run_id', '=', runId)
      .executeTakeFirst();
    if (row === undefined) throw new NotFoundError(`no pipeline run ${runId}`, { field: 'dag_run_id' });
    return toRun(row);
  }

  async runs(
    pipelineId: string | undefined,
    options: { limit?: number; offset?: number; states?: string[] } = {},
  ): Promise<{ runs: RunRecord[]; total: number }> {
    let query = this.db.selectFrom('pipeline_runs');
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

  async tasks(runId: string): Promise<TaskRecord[]> {
    const run = await this.run(runId);
    const rows = await this.db.selectFrom('task_instances').selectAll().where('run_id', '=', runId).execute();
    const position = this.plans.get(run.pipeline_id)?.position ?? new Map<string, number>();
    return rows.map(toTask).sort((a, b) => (position.get(a.task_id) ?? 0) - (position.get(b.task_id) ?? 0));
  }

  /** The task instances of several runs at once (a grid of runs × tasks), each run's in task order. */
  async tasksOfRuns(runIds: readonly string[]): Promise<TaskRecord[]> {
    if (runIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('task_instances')
      .innerJoin('pipeline_runs', 'pipeline_runs.run_id', 'task_instances.run_id')
      .selectAll('task_instances')
      .select('pipeline_runs.pipeline_id')
      .where('task_instances.run_id', 'in', [...runIds])
      .execute();
    const rank = (row: (typeof rows)[number]) =>
      this.plans.get(row.pipeline_id)?.position.get(row.task_id) ?? 0;
    return rows.sort((a, b) => rank(a) - rank(b)).map(toTask);
  }

  /**
   * A task's log lines in the order they were logged (one try, or every try), each with its own time and
   * position (`log_id`, increasing); `afterLogId` returns only the lines written after that position, so a
   * reader tails a running attempt by passing the last position it saw.
   */
  async logs(
    runId: string,
    taskId: string,
    tryNumber?: number,
    options: { afterLogId?: number; limit?: number } = {},
  ): Promise<{ log_id: number; try_number: number; level: string; message: string; logged_at: Date }[]> {
    let query = this.db
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

  /**
   * Moves a run forward: starts it when its pipeline has room, queues every task whose upstream tasks all
   * succeeded (and retries whose delay is over), marks tasks behind a failure upstream_failed, and closes
   * the run when every task has finished. Safe to call from any process at any time.
   */
  async advance(runId: string, now = new Date()): Promise<void> {
    const run = await this.run(runId);
    if (run.state === 'success' || run.state === 'failed') return;
    const definition = this.definitions.get(run.pipeline_id);
    if (definition === undefined) return;
    if (run.state === 'queued') {
      const active = await this.db
        .selectFrom('pipeline_runs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('pipeline_id', '=', run.pipeline_id)
        .where('state', '=', 'running')
        .executeTakeFirst();
      if (Number(active?.n ?? 0) >= (definition.maxActiveRuns ?? 1)) return;
      const started = await this.db
        .updateTable('pipeline_runs')
        .set({ state: 'running', start_date: now })
        .where('run_id', '=', runId)
        .where('state', '=', 'queued')
        .executeTakeFirst();
      if (Number(started.numUpdatedRows) === 0) return;
    }
    const plan = this.plans.get(run.pipeline_id);
    if (plan === undefined) return;
    const tasks = new Map((await this.tasks(runId)).map((task) => [task.task_id, task]));
    for (const task of plan.ordered) {
      const instance = tasks.get(task.id);
      if (instance === undefined) continue;
      const upstream = (task.dependsOn ?? []).map((id) => tasks.get(id)?.state ?? null);
      if (instance.state === null) {
        if (upstream.some((state) => state === 'failed' || state === 'upstream_failed')) {
          await this.setState(runId, task.id, null, { state: 'upstream_failed', end_date: now });
          instance.state = 'upstream_failed';
        } else if (upstream.some((state) => state === 'skipped')) {
          await this.setState(runId, task.id, null, { state: 'skipped', end_date: now });
          instance.state = 'skipped';
        } else if (upstream.every((state) => state === 'success')) {
          if (await this.setState(runId, task.id, null, { state: 'queued', queued_at: now })) {
            instance.state = 'queued';
            await this.dispatch(runId, task.id, instance.try_number + 1);
          }
        }
      } else if (instance.state === 'up_for_retry') {
        const due = instance.next_retry_at === null || instance.next_retry_at.getTime() <= now.getTime();
        if (due) {
          if (
            await this.setState(runId, task.id, 'up_for_retry', {
              state: 'queued',
              queued_at: now,
              next_retry_at: null,
            })
          ) {
            instance.state = 'queued';
            await this.dispatch(runId, task.id, instance.try_number + 1);
          }
        } else {
          this.wakeAt(runId, instance.next_retry_at as Date);
        }
      }
    }
    await this.closeIfFinished(run, now);
  }

  /** Closes a running run whose tasks have all finished: success, or failed when any task failed. */
  private async closeIfFinished(run: RunRecord, now: Date): Promise<void> {
    const runId = run.run_id;
    const open = await this.db
      .selectFrom('task_instances')
      .select(['task_id', 'state'])
      .where('run_id', '=', runId)
      .where((eb) => eb.or([eb('state', 'is', null), eb('state', 'not in', [...FINISHED])]))
      .limit(1)
      .execute();
    if (open.length === 0) {
      const failedTask = await this.db
        .selectFrom('task_instances')
        .select('task_id')
        .where('run_id', '=', runId)
        .where('state', 'in', ['failed', 'upstream_failed'])
        .limit(1)
        .executeTakeFirst();
      const failed = failedTask !== undefined;
      const closed = await this.db
        .updateTable('pipeline_runs')
        .set({ state: failed ? 'failed' : 'success', end_date: now })
        .where('run_id', '=', runId)
        .where('state', '=', 'running')
        .executeTakeFirst();
      if (Number(closed.numUpdatedRows) > 0) {
        this.platform.metrics.pipelineRuns.inc({
          pipeline: run.pipeline_id,
          state: failed ? 'failed' : 'success',
        });
        this.announce(run, failed ? 'failed' : 'success', now);
        this.log.info(
          {
            action: 'RUN_FINISHED',
            pipeline: run.pipeline_id,
            run_id: runId,
            state: failed ? 'failed' : 'success',
          },
          `${run.pipeline_id}: run ${runId} ${failed ? 'failed' : 'succeeded'}`,
        );
        // A queued run of the same pipeline may start now.
        const waiting = await this.db
          .selectFrom('pipeline_runs')
          .select('run_id')
          .where('pipeline_id', '=', run.pipeline_id)
          .where('state', '=', 'queued')
          .orderBy('created_at')
          .limit(1)
          .executeTakeFirst();
        if (waiting !== undefined) await this.advance(waiting.run_id);
      }
    }
  }

  private async dispatch(runId: string, taskId: string, tryNumber: number): Promise<void> {
    if (this.executor === undefined) return; // a process without an executor leaves queued tasks to others
    await this.executor.dispatch(runId, taskId, tryNumber);
  }

  /** Conditional update of one task: applies only while it is still in `from` (null: not scheduled). */
  private async setState(
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
    let query = this.db
      .updateTable('task_instances')
      .set(values)
      .where('run_id', '=', runId)
      .where('task_id', '=', taskId);
    query = from === null ? query.where('state', 'is', null) : query.where('state', '=', from);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Aborts the attempt of a task running in this process (a clear or a mark made it moot); its result is
   * then discarded, since every finishing update is guarded by the state and try it started from.
   */
  abortAttempt(runId: string, taskId: string, reason: string): void {
    this.running.get(`${runId}/${taskId}`)?.abort(new Error(reason));
  }

  /** The tasks that depend on `taskId`, directly. */
  downstreamOf(pipelineId: string, taskId: string): readonly string[] {
    return this.plans.get(pipelineId)?.downstream.get(taskId) ?? [];
  }

  private wakeAt(runId: string, at: Date): void {
    if (this.stopped) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        void this.advance(runId).catch((error: unknown) => this.logFailure('advance', error));
      },
      Math.max(0, at.getTime() - Date.now()) + 5,
    );
    timer.unref();
    this.timers.add(timer);
  }

  /**
   * Runs one attempt of a queued task in this process: claims it (queued → running, with this worker's
   * lease), runs it with its upstream outputs, timeout and heartbeat, stores the output or the failure, and
   * advances the run at once so downstream tasks start without waiting for a scheduler pass. Does nothing
   * when the task is no longer queued (another worker took it, or it finished).
   */
  async executeTask(runId: string, taskId: string): Promise<void> {
    const run = await this.run(runId);
    const definition = this.definition(run.pipeline_id);
    const task = definition.tasks.find((item) => item.id === taskId);
    if (task === undefined) throw new NotFoundError(`pipeline ${run.pipeline_id} has no task ${taskId}`);
    const startedAt = new Date();
    const claimed = await claimAttempt(this.db, runId, taskId, this.workerId, startedAt);
    if (claimed === undefined) return;
    const tryNumber = claimed.try_number;
    const attempt = { runId, taskId, tryNumber };
    // Each line is stored as it is logged, with its own time: the UI tails it while the task runs.
    const writer = new TaskLogWriter(this.db, attempt, (error) => this.logFailure('task log', error));
    const taskLog = writer.log;
    const flush = () => writer.flush();
    taskLog.info(`attempt ${tryNumber} of ${claimed.max_tries + 1} on ${this.workerId}`);

    const upstream = await upstreamOutputs(this.db, runId, task.dependsOn ?? []);
    const controller = new AbortController();
    const key = `${runId}/${taskId}`;
    this.running.set(key, controller);
    const heartbeat = setInterval(
      () => {
        void heartbeatAttempt(this.db, runId, taskId, this.workerId).catch((error: unknown) =>
          this.logFailure('heartbeat', error),
        );
      },
      Math.max(200, Math.floor(this.leaseMs / 3)),
    );
    let output: unknown;
    let failure: unknown;
    try {
      output = await withTimeout(
        Promise.resolve().then(() =>
          task.run({
            runId,
            pipelineId: run.pipeline_id,
            taskId,
            tryNumber,
            conf: run.conf,
            upstream,
            log: taskLog,
            signal: controller.signal,
            platform: this.platform,
          }),
        ),
        task.timeoutSeconds,
        controller,
      );
      JSON.stringify(output ?? null); // an output that cannot be stored is a failure of the task
    } catch (error) {
      failure = error;
    } finally {
      clearInterval(heartbeat);
      if (this.running.get(key) === controller) this.running.delete(key);
    }
    const endedAt = new Date();
    const duration = (endedAt.getTime() - startedAt.getTime()) / 1000;
    let released: string[] = [];
    if (failure === undefined) {
      taskLog.info(`succeeded in ${duration.toFixed(3)} s`);
      await flush();
      const downstream = this.plans.get(run.pipeline_id)?.downstream.get(taskId) ?? [];
      released = await recordSuccess(this.db, attempt, { output, endedAt, duration }, downstream);
    } else {
      const message = failure instanceof Error ? (failure.stack ?? failure.message) : String(failure);
      const hasTriesLeft = tryNumber <= claimed.max_tries;
      taskLog.error(
        failure instanceof TaskTimeoutError
          ? `timed out after ${task.timeoutSeconds} s`
          : `failed: ${message}`,
      );
      if (hasTriesLeft) taskLog.warn(`will retry in ${(retryDelayMs(task, tryNumber) / 1000).toFixed(1)} s`);
      await flush();
      await recordFailure(this.db, attempt, {
        error: failure instanceof Error ? failure.message : String(failure),
        endedAt,
        duration,
        retryAt: hasTriesLeft ? new Date(endedAt.getTime() + retryDelayMs(task, tryNumber)) : null,
      });
    }
    const state =
      failure === undefined ? 'success' : tryNumber <= claimed.max_tries ? 'up_for_retry' : 'failed';
    this.platform.metrics.taskDuration.observe({ pipeline: run.pipeline_id, task: taskId, state }, duration);
    this.log.info(
      {
        action: 'TASK_FINISHED',
        pipeline: run.pipeline_id,
        run_id: runId,
        task: taskId,
        try_number: tryNumber,
        state,
        duration_s: duration,
      },
      `${run.pipeline_id}.${taskId} (try ${tryNumber}): ${state}`,
    );
    if (this.stopped) return;
    if (failure !== undefined) {
      await this.advance(runId);
      return;
    }
    // The fast path after a success: queue what it released and close the run if it was the last task.
    // The scheduler's full passes would find the same (and do, if this process dies in between).
    const now = new Date();
    for (const ready of released) {
      if (await this.setState(runId, ready, null, { state: 'queued', queued_at: now }))
        await this.dispatch(runId, ready, 1);
    }
    if (released.length === 0) await this.closeIfFinished(await this.run(runId), now);
  }

  /**
   * One scheduler pass: creates the runs cron schedules are due for, takes back attempts whose worker
   * stopped (stale heartbeat; or every running attempt with `orphanAll`, when this process is the only one
   * that can run tasks), re-dispatches queued tasks and advances every active run.
   */
  async tick(options: { now?: Date; orphanAll?: boolean } = {}): Promise<void> {
    const now = options.now ?? new Date();
    this.lastPassAt = new Date();
    await this.register(now);
    await this.scheduleDue(now);
    const staleBefore = new Date(now.getTime() - this.leaseMs);
    let lost = this.db
      .selectFrom('task_instances')
      .select(['run_id', 'task_id', 'try_number', 'max_tries'])
      .where('state', '=', 'running');
    if (options.orphanAll !== true) lost = lost.where('heartbeat_at', '<', staleBefore);
    for (const task of await lost.execute()) {
      if (this.running.has(`${task.run_id}/${task.task_id}`)) continue;
      await this.recoverAttempt(task.run_id, task.task_id, task.try_number, task.max_tries, now);
    }
    const queued = await this.db
      .selectFrom('task_instances')
      .innerJoin('pipeline_runs', 'pipeline_runs.run_id', 'task_instances.run_id')
      .select(['task_instances.run_id', 'task_instances.task_id', 'task_instances.try_number'])
      .where('task_instances.state', '=', 'queued')
      .where('pipeline_runs.state', '=', 'running')
      .execute();
    for (const task of queued) await this.dispatch(task.run_id, task.task_id, task.try_number + 1);
    const active = await this.db
      .selectFrom('pipeline_runs')
      .select('run_id')
      .where('state', 'in', ['queued', 'running'])
      .orderBy('created_at')
      .execute();
    for (const run of active) await this.advance(run.run_id, now);
  }

  private async recoverAttempt(
    runId: string,
    taskId: string,
    tryNumber: number,
    maxTries: number,
    now: Date,
  ): Promise<void> {
    const run = await this.run(runId);
    const task = this.definitions.get(run.pipeline_id)?.tasks.find((item) => item.id === taskId);
    const hasTriesLeft = tryNumber <= maxTries;
    const delay = task === undefined ? 0 : retryDelayMs(task, tryNumber);
    const updated = await this.db
      .updateTable('task_instances')
      .set({
        state: hasTriesLeft ? 'up_for_retry' : 'failed',
        error: 'the worker running this attempt stopped (no heartbeat)',
        end_date: now,
        next_retry_at: hasTriesLeft ? new Date(now.getTime() + delay) : null,
      })
      .where('run_id', '=', runId)
      .where('task_id', '=', taskId)
      .where('state', '=', 'running')
      .where('try_number', '=', tryNumber)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return;
    await this.db
      .insertInto('task_logs')
      .values({
        run_id: runId,
        task_id: taskId,
        try_number: tryNumber,
        level: 'ERROR',
        message: `the worker running attempt ${tryNumber} stopped answering; ${hasTriesLeft ? 'retrying' : 'no tries left'}`,
      })
      .execute();
    this.log.warn(
      { action: 'TASK_LOST', run_id: runId, task: taskId, try_number: tryNumber },
      `${runId}/${taskId}: attempt ${tryNumber} lost its worker; ${hasTriesLeft ? 'it will be retried' : 'no tries left'}`,
    );
  }

  /** Publishes `pipeline.run_finished`; the run never waits for (or fails with) the event bus. */
  private announce(run: RunRecord, state: 'success' | 'failed', now: Date): void {
    const started = run.start_date ?? run.created_at;
    void this.platform
      .events()
      .then((bus) =>
        bus.publish('pipeline-events', {
          type: 'pipeline.run_finished',
          source: `pipeline:${run.pipeline_id}`,
          data: {
            pipeline_id: run.pipeline_id,
            run_id: run.run_id,
            state,
            run_type: run.run_type,
            duration_seconds: Math.max(0, (now.getTime() - started.getTime()) / 1000),
            ...(run.note === null ? {} : { triggered_by: run.note.slice(0, 512) }),
          },
        }),
      )
      .catch((error: unknown) => this.logFailure('announce', error));
  }

  /** Creates the run each unpaused scheduled pipeline is due for (only the latest missed one without catch-up). */
  private async scheduleDue(now: Date): Promise<void> {
    // While shedding load, schedules wait; the latest run due starts when shedding ends.
    if (this.platform.loadShedder.isActive(now.getTime())) return;
    const rows = await this.db.selectFrom('pipelines').selectAll().where('is_paused', '=', false).execute();
    for (const row of rows) {
      const definition = this.definitions.get(row.pipeline_id);
      if (definition?.schedule === undefined) continue;
      const due: Date[] = [];
      let cursor = row.last_scheduled_at ?? now;
      for (let guard = 0; guard < 1000; guard++) {
        const next = nextTick(definition, cursor);
        if (next === null || next.getTime() > now.getTime()) break;
        due.push(next);
        cursor = next;
      }
      if (due.length === 0) continue;
      const toRun = definition.catchup === true ? due : due.slice(-1);
      // Claim the schedule position first: of several schedulers, one creates the runs.
      const claimed = await this.db
        .updateTable('pipelines')
        .set({ last_scheduled_at: cursor, updated_at: now })
        .where('pipeline_id', '=', row.pipeline_id)
        .where('last_scheduled_at', '=', row.last_scheduled_at ?? now)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) continue;
      for (const logicalDate of toRun) {
        // Run ids are unique across pipelines: a second pipeline due at the same time gets a suffix.
        await this.trigger(row.pipeline_id, { runType: 'scheduled', logicalDate }).catch((error: unknown) =>
          this.logFailure('schedule', error),
        );
      }
    }
  }

  /** Runs `tick` every `intervalMs` (after a first pass) until `stop()`. */
  start(intervalMs = 1000, options: { orphanAll?: boolean } = {}): Promise<void> {
    this.stopped = false;
    const pass = (first: boolean) => {
      this.ticking = this.tick({ orphanAll: first && options.orphanAll === true })
        .catch((error: unknown) => this.logFailure('tick', error))
        .finally(() => {
          this.ticking = undefined;
        });
      return this.ticking;
    };
    const first = pass(true);
    this.ticker = setInterval(() => {
      if (this.ticking === undefined) void pass(false);
    }, intervalMs);
    this.ticker.unref();
    return first;
  }

  /** Stops scheduling, aborts running attempts and waits for the current pass. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ticker !== undefined) clearInterval(this.ticker);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.running.values()) controller.abort(new Error('the process is stopping'));
    await this.ticking;
    await this.executor?.close();
  }

  private logFailure(what: string, error: unknown): void {
    this.log.error(
      { action: 'SCHEDULER_ERROR', err: error },
      `pipeline ${what} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
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

export type { TaskDefinition };

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../logging/index.js';
import type { Platform } from '../platform/index.js';
import type { MetadataDb } from '../storage/index.js';
import type { PipelineDefinition, TaskDefinition } from './definition.js';
import type { EngineCore } from './engine-core.js';
import { PipelinePlans } from './pipeline-plans.js';
import { listRuns, readRun, readTaskLogs, readTasks, readTasksOfRuns } from './pipeline-run-store.js';
import { isPipelinePaused, pipelineSummaries, registerPipelines, updatePaused } from './pipeline-store.js';
import type { PipelineSummary, RunRecord, TaskRecord } from './run-records.js';
import { RunStateMachine } from './run-state-machine.js';
import { type TriggerOptions, triggerRun } from './run-trigger.js';
import { Scheduler } from './scheduler.js';
import { TaskRunner } from './task-runner.js';

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
 *
 * A facade: the state machine is `RunStateMachine`, attempts run in `TaskRunner`, passes in `Scheduler`,
 * and the reads and writes are in `pipeline-store.ts`, `pipeline-run-store.ts` and `attempt-store.ts`.
 */
export class PipelineEngine {
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly plans: PipelinePlans;
  private readonly core: EngineCore;
  private readonly machine: RunStateMachine;
  private readonly runner: TaskRunner;
  private readonly scheduler: Scheduler;
  private executor: TaskExecutor | undefined;
  private stopped = false;

  constructor(
    readonly platform: Platform,
    pipelines: readonly PipelineDefinition[],
    options: EngineOptions,
  ) {
    this.plans = new PipelinePlans(pipelines);
    const log = options.logger.child({ component: 'PIPELINES' });
    this.core = {
      platform,
      get db() {
        return platform.database.db;
      },
      plans: this.plans,
      log,
      workerId: this.workerId,
      leaseMs: options.leaseMs ?? 30_000,
      isStopped: () => this.stopped,
      dispatch: async (runId, taskId, tryNumber) => {
        if (this.executor === undefined) return; // a process without an executor leaves queued tasks to others
        await this.executor.dispatch(runId, taskId, tryNumber);
      },
      logFailure: (what, error) => {
        // After stop, an attempt that ignored its abort fails to write once the database closes: expected,
        // and already announced by stop's TASKS_LEFT_RUNNING warning.
        (this.stopped ? log.debug.bind(log) : log.error.bind(log))(
          { action: 'SCHEDULER_ERROR', err: error },
          `pipeline ${what} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      },
    };
    this.machine = new RunStateMachine(this.core);
    this.runner = new TaskRunner(this.core, this.machine);
    this.scheduler = new Scheduler(this.core, this.machine, this.runner);
  }

  private get db(): MetadataDb {
    return this.platform.database.db;
  }

  /** When this process last began a scheduler pass (Airflow's scheduler heartbeat); undefined before. */
  get lastPassAt(): Date | undefined {
    return this.scheduler.lastPassAt;
  }

  setExecutor(executor: TaskExecutor): void {
    this.executor = executor;
  }

  pipelines(): PipelineDefinition[] {
    return this.plans.all();
  }

  definition(pipelineId: string): PipelineDefinition {
    return this.plans.definition(pipelineId);
  }

  /** Records every pipeline in the database (new ones start their schedule now). */
  async register(now = new Date()): Promise<void> {
    await registerPipelines(this.db, this.plans.all(), now);
  }

  async summaries(): Promise<PipelineSummary[]> {
    return pipelineSummaries(this.db, this.plans.all());
  }

  async setPaused(pipelineId: string, isPaused: boolean): Promise<void> {
    this.definition(pipelineId);
    await this.register();
    await updatePaused(this.db, pipelineId, isPaused);
    this.core.log.info(
      { action: isPaused ? 'PAUSE' : 'UNPAUSE', pipeline: pipelineId },
      `${pipelineId} ${isPaused ? 'paused' : 'unpaused'}`,
    );
  }

  async isPaused(pipelineId: string): Promise<boolean> {
    return isPipelinePaused(this.db, pipelineId);
  }

  /**
   * Starts a run: validates `conf`, refuses paused and unknown pipelines and taken run ids, records the run
   * with one task instance per task, and schedules its first tasks at once.
   */
  async trigger(pipelineId: string, options: TriggerOptions = {}): Promise<RunRecord> {
    return triggerRun(this.core, this.machine, pipelineId, options);
  }

  async run(runId: string): Promise<RunRecord> {
    return readRun(this.db, runId);
  }

  async runs(
    pipelineId: string | undefined,
    options: { limit?: number; offset?: number; states?: string[] } = {},
  ): Promise<{ runs: RunRecord[]; total: number }> {
    return listRuns(this.db, pipelineId, options);
  }

  async tasks(runId: string): Promise<TaskRecord[]> {
    return readTasks(this.db, this.plans, runId);
  }

  /** The task instances of several runs at once (a grid of runs × tasks), each run's in task order. */
  async tasksOfRuns(runIds: readonly string[]): Promise<TaskRecord[]> {
    return readTasksOfRuns(this.db, this.plans, runIds);
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
    return readTaskLogs(this.db, runId, taskId, tryNumber, options);
  }

  /**
   * Moves a run forward: starts it when its pipeline has room, queues every task whose upstream tasks all
   * succeeded (and retries whose delay is over), marks tasks behind a failure upstream_failed, and closes
   * the run when every task has finished. Safe to call from any process at any time.
   */
  async advance(runId: string, now = new Date()): Promise<void> {
    await this.machine.advance(runId, now);
  }

  /**
   * Aborts the attempt of a task running in this process (a clear or a mark made it moot); its result is
   * then discarded, since every finishing update is guarded by the state and try it started from.
   */
  abortAttempt(runId: string, taskId: string, reason: string): void {
    this.runner.abortAttempt(runId, taskId, reason);
  }

  /** The tasks that depend on `taskId`, directly. */
  downstreamOf(pipelineId: string, taskId: string): readonly string[] {
    return this.plans.downstreamOf(pipelineId, taskId);
  }

  /**
   * Runs one attempt of a queued task in this process: claims it (queued → running, with this worker's
   * lease), runs it with its upstream outputs, timeout and heartbeat, stores the output or the failure, and
   * advances the run at once so downstream tasks start without waiting for a scheduler pass. Does nothing
   * when the task is no longer queued (another worker took it, or it finished).
   */
  async executeTask(runId: string, taskId: string): Promise<void> {
    await this.runner.executeTask(runId, taskId);
  }

  /**
   * One scheduler pass: creates the runs cron schedules are due for, takes back attempts whose worker
   * stopped (stale heartbeat; or every running attempt with `orphanAll`, when this process is the only one
   * that can run tasks), re-dispatches queued tasks and advances every active run.
   */
  async tick(options: { now?: Date; orphanAll?: boolean } = {}): Promise<void> {
    await this.scheduler.tick(options);
  }

  /** Runs `tick` every `intervalMs` (after a first pass) until `stop()`. */
  start(intervalMs = 1000, options: { orphanAll?: boolean } = {}): Promise<void> {
    this.stopped = false;
    return this.scheduler.start(intervalMs, options);
  }

  /**
   * Stops scheduling, aborts running attempts and gives them `graceMs` to record their outcome, then waits
   * for the current pass. An attempt still running after that is taken back on the next start.
   */
  async stop(graceMs = 2000): Promise<void> {
    this.stopped = true;
    this.scheduler.halt();
    this.machine.clearTimers();
    this.runner.abortAll('the process is stopping');
    const left = await this.runner.settle(graceMs);
    if (left.length > 0)
      this.core.log.warn(
        { action: 'TASKS_LEFT_RUNNING', tasks: left },
        `${left.length} task attempt(s) did not stop within ${graceMs / 1000} s (${left.join(', ')}); the next start retries them`,
      );
    await this.scheduler.idle();
    await this.executor?.close();
  }
}

export type { TaskDefinition };

import { recordLostAttempt } from './attempt-store.js';
import { retryDelayMs } from './definition.js';
import type { EngineCore } from './engine-core.js';
import { readRun } from './pipeline-run-store.js';
import { registerPipelines } from './pipeline-store.js';
import type { RunStateMachine } from './run-state-machine.js';
import { triggerRun } from './run-trigger.js';
import { nextTick } from './schedules.js';
import type { TaskRunner } from './task-runner.js';

/** The scheduler: periodic passes that start due cron runs, recover lost attempts and move runs on. */
export class Scheduler {
  private ticker: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** When this process last began a scheduler pass (Airflow's scheduler heartbeat); undefined before. */
  lastPassAt: Date | undefined;

  constructor(
    private readonly core: EngineCore,
    private readonly machine: RunStateMachine,
    private readonly runner: TaskRunner,
  ) {}

  /**
   * One scheduler pass: creates the runs cron schedules are due for, takes back attempts whose worker
   * stopped (stale heartbeat; or every running attempt with `orphanAll`, when this process is the only one
   * that can run tasks), re-dispatches queued tasks and advances every active run.
   */
  async tick(options: { now?: Date; orphanAll?: boolean } = {}): Promise<void> {
    const { db, plans } = this.core;
    const now = options.now ?? new Date();
    this.lastPassAt = new Date();
    await registerPipelines(db, plans.all(), now);
    await this.scheduleDue(now);
    const staleBefore = new Date(now.getTime() - this.core.leaseMs);
    let lost = db
      .selectFrom('task_instances')
      .select(['run_id', 'task_id', 'try_number', 'max_tries'])
      .where('state', '=', 'running');
    if (options.orphanAll !== true) lost = lost.where('heartbeat_at', '<', staleBefore);
    for (const task of await lost.execute()) {
      if (this.runner.isRunning(task.run_id, task.task_id)) continue;
      await this.recoverAttempt(task.run_id, task.task_id, task.try_number, task.max_tries, now);
    }
    const queued = await db
      .selectFrom('task_instances')
      .innerJoin('pipeline_runs', 'pipeline_runs.run_id', 'task_instances.run_id')
      .select(['task_instances.run_id', 'task_instances.task_id', 'task_instances.try_number'])
      .where('task_instances.state', '=', 'queued')
      .where('pipeline_runs.state', '=', 'running')
      .execute();
    for (const task of queued) await this.core.dispatch(task.run_id, task.task_id, task.try_number + 1);
    const active = await db
      .selectFrom('pipeline_runs')
      .select('run_id')
      .where('state', 'in', ['queued', 'running'])
      .orderBy('created_at')
      .execute();
    for (const run of active) await this.machine.advance(run.run_id, now);
  }

  /** Runs `tick` every `intervalMs` (after a first pass) until `halt()`; resolves after the first pass. */
  start(intervalMs: number, options: { orphanAll?: boolean }): Promise<void> {
    const pass = (first: boolean) => {
      this.ticking = this.tick({ orphanAll: first && options.orphanAll === true })
        .catch((error: unknown) => this.core.logFailure('tick', error))
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

  /** Stops the periodic passes (a pass under way carries on: `idle()` waits for it). */
  halt(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
  }

  /** Resolves when no pass is under way. */
  async idle(): Promise<void> {
    await this.ticking;
  }

  private async recoverAttempt(
    runId: string,
    taskId: string,
    tryNumber: number,
    maxTries: number,
    now: Date,
  ): Promise<void> {
    const run = await readRun(this.core.db, runId);
    const task = this.core.plans.find(run.pipeline_id)?.tasks.find((item) => item.id === taskId);
    const hasTriesLeft = tryNumber <= maxTries;
    const delay = task === undefined ? 0 : retryDelayMs(task, tryNumber);
    const isTakenBack = await recordLostAttempt(
      this.core.db,
      { runId, taskId, tryNumber },
      { endedAt: now, retryAt: hasTriesLeft ? new Date(now.getTime() + delay) : null },
    );
    if (!isTakenBack) return;
    this.core.log.warn(
      { action: 'TASK_LOST', run_id: runId, task: taskId, try_number: tryNumber },
      `${runId}/${taskId}: attempt ${tryNumber} lost its worker; ${hasTriesLeft ? 'it will be retried' : 'no tries left'}`,
    );
  }

  /** Creates the run each unpaused scheduled pipeline is due for (only the latest missed one without catch-up). */
  private async scheduleDue(now: Date): Promise<void> {
    const { db, plans, platform } = this.core;
    // While shedding load, schedules wait; the latest run due starts when shedding ends.
    if (platform.loadShedder.isActive(now.getTime())) return;
    const rows = await db.selectFrom('pipelines').selectAll().where('is_paused', '=', false).execute();
    for (const row of rows) {
      const definition = plans.find(row.pipeline_id);
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
      const claimed = await db
        .updateTable('pipelines')
        .set({ last_scheduled_at: cursor, updated_at: now })
        .where('pipeline_id', '=', row.pipeline_id)
        .where('last_scheduled_at', '=', row.last_scheduled_at ?? now)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) continue;
      for (const logicalDate of toRun) {
        // Run ids are unique across pipelines: a second pipeline due at the same time gets a suffix.
        await triggerRun(this.core, this.machine, row.pipeline_id, {
          runType: 'scheduled',
          logicalDate,
        }).catch((error: unknown) => this.core.logFailure('schedule', error));
      }
    }
  }
}

import type { EngineCore } from './engine-core.js';
import { readRun, readTasks, setTaskState } from './pipeline-run-store.js';
import { FINISHED, type RunRecord } from './run-records.js';

/**
 * The run state machine: starts a queued run when its pipeline has room, queues the tasks whose upstream
 * tasks all succeeded (and retries whose delay is over), marks tasks behind a failure, and closes the run.
 */
export class RunStateMachine {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly core: EngineCore) {}

  /**
   * Moves a run forward: starts it when its pipeline has room, queues every task whose upstream tasks all
   * succeeded (and retries whose delay is over), marks tasks behind a failure upstream_failed, and closes
   * the run when every task has finished. Safe to call from any process at any time.
   */
  async advance(runId: string, now = new Date()): Promise<void> {
    const { db, plans } = this.core;
    const run = await readRun(db, runId);
    if (run.state === 'success' || run.state === 'failed') return;
    const definition = plans.find(run.pipeline_id);
    if (definition === undefined) return;
    if (run.state === 'queued') {
      const active = await db
        .selectFrom('pipeline_runs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('pipeline_id', '=', run.pipeline_id)
        .where('state', '=', 'running')
        .executeTakeFirst();
      if (Number(active?.n ?? 0) >= (definition.maxActiveRuns ?? 1)) return;
      const started = await db
        .updateTable('pipeline_runs')
        .set({ state: 'running', start_date: now })
        .where('run_id', '=', runId)
        .where('state', '=', 'queued')
        .executeTakeFirst();
      if (Number(started.numUpdatedRows) === 0) return;
    }
    const plan = plans.plan(run.pipeline_id);
    if (plan === undefined) return;
    const tasks = new Map((await readTasks(db, plans, runId)).map((task) => [task.task_id, task]));
    for (const task of plan.ordered) {
      const instance = tasks.get(task.id);
      if (instance === undefined) continue;
      const upstream = (task.dependsOn ?? []).map((id) => tasks.get(id)?.state ?? null);
      if (instance.state === null) {
        if (upstream.some((state) => state === 'failed' || state === 'upstream_failed')) {
          await setTaskState(db, runId, task.id, null, { state: 'upstream_failed', end_date: now });
          instance.state = 'upstream_failed';
        } else if (upstream.some((state) => state === 'skipped')) {
          await setTaskState(db, runId, task.id, null, { state: 'skipped', end_date: now });
          instance.state = 'skipped';
        } else if (upstream.every((state) => state === 'success')) {
          if (await setTaskState(db, runId, task.id, null, { state: 'queued', queued_at: now })) {
            instance.state = 'queued';
            await this.core.dispatch(runId, task.id, instance.try_number + 1);
          }
        }
      } else if (instance.state === 'up_for_retry') {
        const due = instance.next_retry_at === null || instance.next_retry_at.getTime() <= now.getTime();
        if (due) {
          if (
            await setTaskState(db, runId, task.id, 'up_for_retry', {
              state: 'queued',
              queued_at: now,
              next_retry_at: null,
            })
          ) {
            instance.state = 'queued';
            await this.core.dispatch(runId, task.id, instance.try_number + 1);
          }
        } else {
          this.wakeAt(runId, instance.next_retry_at as Date);
        }
      }
    }
    await this.closeIfFinished(run, now);
  }

  /** Closes a running run whose tasks have all finished: success, or failed when any task failed. */
  async closeIfFinished(run: RunRecord, now: Date): Promise<void> {
    const { db, platform, log } = this.core;
    const runId = run.run_id;
    const open = await db
      .selectFrom('task_instances')
      .select(['task_id', 'state'])
      .where('run_id', '=', runId)
      .where((eb) => eb.or([eb('state', 'is', null), eb('state', 'not in', [...FINISHED])]))
      .limit(1)
      .execute();
    if (open.length === 0) {
      const failedTask = await db
        .selectFrom('task_instances')
        .select('task_id')
        .where('run_id', '=', runId)
        .where('state', 'in', ['failed', 'upstream_failed'])
        .limit(1)
        .executeTakeFirst();
      const failed = failedTask !== undefined;
      const closed = await db
        .updateTable('pipeline_runs')
        .set({ state: failed ? 'failed' : 'success', end_date: now })
        .where('run_id', '=', runId)
        .where('state', '=', 'running')
        .executeTakeFirst();
      if (Number(closed.numUpdatedRows) > 0) {
        platform.metrics.pipelineRuns.inc({
          pipeline: run.pipeline_id,
          state: failed ? 'failed' : 'success',
        });
        this.announce(run, failed ? 'failed' : 'success', now);
        log.info(
          {
            action: 'RUN_FINISHED',
            pipeline: run.pipeline_id,
            run_id: runId,
            state: failed ? 'failed' : 'success',
          },
          `${run.pipeline_id}: run ${runId} ${failed ? 'failed' : 'succeeded'}`,
        );
        // A queued run of the same pipeline may start now.
        const waiting = await db
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

  /** Forgets the pending retry wake-ups (the engine is stopping). */
  clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private wakeAt(runId: string, at: Date): void {
    if (this.core.isStopped()) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        void this.advance(runId).catch((error: unknown) => this.core.logFailure('advance', error));
      },
      Math.max(0, at.getTime() - Date.now()) + 5,
    );
    timer.unref();
    this.timers.add(timer);
  }

  /** Publishes `pipeline.run_finished`; the run never waits for (or fails with) the event bus. */
  private announce(run: RunRecord, state: 'success' | 'failed', now: Date): void {
    const started = run.start_date ?? run.created_at;
    void this.core.platform
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
      .catch((error: unknown) => this.core.logFailure('announce', error));
  }
}

import { NotFoundError } from '../errors/index.js';
import {
  claimAttempt,
  heartbeatAttempt,
  recordFailure,
  recordSuccess,
  upstreamOutputs,
} from './attempt-store.js';
import { retryDelayMs } from './definition.js';
import type { EngineCore } from './engine-core.js';
import { readRun, setTaskState } from './pipeline-run-store.js';
import type { RunStateMachine } from './run-state-machine.js';
import { TaskLogWriter } from './task-log-writer.js';
import { TaskTimeoutError, withTimeout } from './task-timeout.js';

/** Runs task attempts in this process: claim, heartbeat, timeout, record the outcome, move the run on. */
export class TaskRunner {
  /** The attempts running in this process, by `runId/taskId`. */
  private readonly running = new Map<string, AbortController>();
  /** Every `executeTask` under way, until it has recorded its outcome. */
  private readonly inFlight = new Map<Promise<void>, string>();

  constructor(
    private readonly core: EngineCore,
    private readonly machine: RunStateMachine,
  ) {}

  /** Whether this process runs the attempt of `taskId` in `runId` now. */
  isRunning(runId: string, taskId: string): boolean {
    return this.running.has(`${runId}/${taskId}`);
  }

  /** Aborts the attempt of a task running in this process; its result is then discarded. */
  abortAttempt(runId: string, taskId: string, reason: string): void {
    this.running.get(`${runId}/${taskId}`)?.abort(new Error(reason));
  }

  /** Aborts every attempt running in this process. */
  abortAll(reason: string): void {
    for (const controller of this.running.values()) controller.abort(new Error(reason));
  }

  /**
   * Runs one attempt of a queued task in this process: claims it (queued → running, with this worker's
   * lease), runs it with its upstream outputs, timeout and heartbeat, stores the output or the failure, and
   * advances the run at once so downstream tasks start without waiting for a scheduler pass. Does nothing
   * when the task is no longer queued (another worker took it, or it finished).
   */
  async executeTask(runId: string, taskId: string): Promise<void> {
    const attempt = this.runAttempt(runId, taskId);
    this.inFlight.set(attempt, `${runId}/${taskId}`);
    try {
      await attempt;
    } finally {
      this.inFlight.delete(attempt);
    }
  }

  /**
   * Waits up to `graceMs` for the attempts under way to record their outcome (an aborted one records its
   * failure, to be retried); resolves with the `runId/taskId` of those still running, which ignored the abort.
   */
  async settle(graceMs: number): Promise<string[]> {
    if (this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.inFlight.keys()]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    return [...this.inFlight.values()];
  }

  private async runAttempt(runId: string, taskId: string): Promise<void> {
    const { db, plans, platform, workerId } = this.core;
    const run = await readRun(db, runId);
    const definition = plans.definition(run.pipeline_id);
    const task = definition.tasks.find((item) => item.id === taskId);
    if (task === undefined) throw new NotFoundError(`pipeline ${run.pipeline_id} has no task ${taskId}`);
    const startedAt = new Date();
    const claimed = await claimAttempt(db, runId, taskId, workerId, startedAt);
    if (claimed === undefined) return;
    const tryNumber = claimed.try_number;
    const attempt = { runId, taskId, tryNumber };
    // Each line is stored as it is logged, with its own time: the UI tails it while the task runs.
    const writer = new TaskLogWriter(db, attempt, (error) => this.core.logFailure('task log', error));
    const taskLog = writer.log;
    const flush = () => writer.flush();
    taskLog.info(`attempt ${tryNumber} of ${claimed.max_tries + 1} on ${workerId}`);

    const upstream = await upstreamOutputs(db, runId, task.dependsOn ?? []);
    const controller = new AbortController();
    const key = `${runId}/${taskId}`;
    this.running.set(key, controller);
    const heartbeat = setInterval(
      () => {
        void heartbeatAttempt(db, runId, taskId, workerId).catch((error: unknown) =>
          this.core.logFailure('heartbeat', error),
        );
      },
      Math.max(200, Math.floor(this.core.leaseMs / 3)),
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
            platform,
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
      const downstream = plans.plan(run.pipeline_id)?.downstream.get(taskId) ?? [];
      released = await recordSuccess(db, attempt, { output, endedAt, duration }, downstream);
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
      await recordFailure(db, attempt, {
        error: failure instanceof Error ? failure.message : String(failure),
        endedAt,
        duration,
        retryAt: hasTriesLeft ? new Date(endedAt.getTime() + retryDelayMs(task, tryNumber)) : null,
      });
    }
    const state =
      failure === undefined ? 'success' : tryNumber <= claimed.max_tries ? 'up_for_retry' : 'failed';
    platform.metrics.taskDuration.observe({ pipeline: run.pipeline_id, task: taskId, state }, duration);
    this.core.log.info(
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
    if (this.core.isStopped()) return;
    if (failure !== undefined) {
      await this.machine.advance(runId);
      return;
    }
    // The fast path after a success: queue what it released and close the run if it was the last task.
    // The scheduler's full passes would find the same (and do, if this process dies in between).
    const now = new Date();
    for (const ready of released) {
      if (await setTaskState(db, runId, ready, null, { state: 'queued', queued_at: now }))
        await this.core.dispatch(runId, ready, 1);
    }
    if (released.length === 0) await this.machine.closeIfFinished(await readRun(db, runId), now);
  }
}

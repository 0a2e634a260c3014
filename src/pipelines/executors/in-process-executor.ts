import type { PipelineEngine, TaskExecutor } from '../engine.js';

/**
 * Runs tasks in this process, at most `concurrency` at a time; the rest wait in order. A task handed in
 * twice (a scheduler pass re-dispatching what is already waiting) is queued once; one handed in while its
 * previous attempt is still finishing (a retry due at once) runs again after it.
 */
export class InProcessExecutor implements TaskExecutor {
  readonly kind = 'in_process';
  private readonly waiting: { runId: string; taskId: string }[] = [];
  private readonly pending = new Set<string>();
  private readonly executing = new Set<string>();
  private readonly again = new Set<string>();
  private active = 0;
  private closed = false;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly engine: PipelineEngine,
    private readonly concurrency: number,
  ) {}

  async dispatch(runId: string, taskId: string): Promise<void> {
    const key = `${runId}/${taskId}`;
    if (this.closed) return;
    if (this.executing.has(key)) {
      this.again.add(key);
      return;
    }
    if (this.pending.has(key)) return;
    this.pending.add(key);
    this.waiting.push({ runId, taskId });
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.active < this.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift();
      if (next === undefined) break;
      this.active += 1;
      const key = `${next.runId}/${next.taskId}`;
      this.executing.add(key);
      // Off the caller's stack: a task's downstream dispatches must not nest inside it.
      setImmediate(() => {
        this.engine
          .executeTask(next.runId, next.taskId)
          .catch(() => undefined)
          .finally(() => {
            this.active -= 1;
            this.executing.delete(key);
            this.pending.delete(key);
            if (this.again.delete(key)) void this.dispatch(next.runId, next.taskId);
            if (this.active === 0 && this.waiting.length === 0) for (const resolve of this.idle) resolve();
            this.pump();
          });
      });
    }
  }

  /** Resolves when nothing runs or waits (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (this.active === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.idle.delete(done);
        resolve();
      };
      this.idle.add(done);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
  }
}

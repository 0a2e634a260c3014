import type { MetadataDb } from '../storage/index.js';
import { appendTaskLogs } from './attempt-store.js';
import type { TaskLog } from './definition.js';

/** How long a line may wait for companions before it is written (lines logged together share one insert). */
const FLUSH_DELAY_MS = 50;

/**
 * The log of one attempt as it happens: each line keeps the time it was logged and is written to the
 * database within `FLUSH_DELAY_MS`, so a reader tails it while the task runs and it survives a restart.
 * Writes are chained (one at a time, in order); a failed write is reported and its lines dropped rather
 * than failing the task.
 */
export class TaskLogWriter {
  private pending: { level: string; message: string; logged_at: Date }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  readonly log: TaskLog;

  constructor(
    private readonly db: MetadataDb,
    private readonly attempt: { runId: string; taskId: string; tryNumber: number },
    private readonly onError: (error: unknown) => void,
    private readonly now: () => Date = () => new Date(),
  ) {
    const write = (level: string) => (message: string) => this.write(level, message);
    this.log = { info: write('INFO'), warn: write('WARNING'), error: write('ERROR') };
  }

  private write(level: string, message: string): void {
    this.pending.push({ level, message, logged_at: this.now() });
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, FLUSH_DELAY_MS);
      this.timer.unref();
    }
  }

  /** Writes what is pending; resolves once every line logged so far is stored. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const lines = this.pending.splice(0, this.pending.length);
    if (lines.length > 0) {
      this.chain = this.chain
        .then(() => appendTaskLogs(this.db, this.attempt, lines))
        .catch((error: unknown) => this.onError(error));
    }
    return this.chain;
  }
}

import type { Logger } from '../logging/index.js';
import type { Platform } from '../platform/index.js';
import type { MetadataDb } from '../storage/index.js';
import type { PipelinePlans } from './pipeline-plans.js';

/** What the engine's parts (state machine, task runner, scheduler, trigger) share with each other. */
export interface EngineCore {
  readonly platform: Platform;
  readonly db: MetadataDb;
  readonly plans: PipelinePlans;
  readonly log: Logger;
  /** This process's worker id, written as the lease owner of the attempts it runs. */
  readonly workerId: string;
  /** A running attempt whose heartbeat is older than this is taken as lost. */
  readonly leaseMs: number;
  /** True once `stop()` was called (and until the next `start()`). */
  isStopped(): boolean;
  /** Hands a queued task to the executor; a process without one leaves queued tasks to others. */
  dispatch(runId: string, taskId: string, tryNumber: number): Promise<void>;
  logFailure(what: string, error: unknown): void;
}

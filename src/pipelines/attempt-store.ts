import type { MetadataDb } from '../storage/index.js';
import { parseJson } from './run-records.js';

/**
 * The guarded writes of one task attempt: each UPDATE names the state (and try) it expects, so an attempt
 * that was taken back by the scheduler or finished elsewhere is never recorded twice.
 */

/** Takes a queued task for this worker; undefined when someone else took it first. */
export async function claimAttempt(
  db: MetadataDb,
  runId: string,
  taskId: string,
  workerId: string,
  startedAt: Date,
): Promise<{ try_number: number; max_tries: number } | undefined> {
  return db
    .updateTable('task_instances')
    .set((eb) => ({
      state: 'running',
      try_number: eb('try_number', '+', 1),
      start_date: startedAt,
      end_date: null,
      lease_owner: workerId,
      heartbeat_at: startedAt,
      error: null,
    }))
    .where('run_id', '=', runId)
    .where('task_id', '=', taskId)
    .where('state', '=', 'queued')
    .returning(['try_number', 'max_tries'])
    .executeTakeFirst();
}

/**
 * Appends an attempt's log lines, each with the time it was logged (deleting a run waits for its stopped
 * attempts, so none are stray).
 */
export async function appendTaskLogs(
  db: MetadataDb,
  attempt: { runId: string; taskId: string; tryNumber: number },
  lines: readonly { level: string; message: string; logged_at?: Date }[],
): Promise<void> {
  if (lines.length === 0) return;
  await db
    .insertInto('task_logs')
    .values(
      lines.map((line) => ({
        run_id: attempt.runId,
        task_id: attempt.taskId,
        try_number: attempt.tryNumber,
        ...line,
      })),
    )
    .execute();
}

/** The outputs of the tasks a task depends on, by task id. */
export async function upstreamOutputs(
  db: MetadataDb,
  runId: string,
  taskIds: readonly string[],
): Promise<Record<string, unknown>> {
  if (taskIds.length === 0) return {};
  const rows = await db
    .selectFrom('task_instances')
    .select(['task_id', 'output'])
    .where('run_id', '=', runId)
    .where('task_id', 'in', [...taskIds])
    .execute();
  return Object.fromEntries(rows.map((row) => [row.task_id, parseJson(row.output)]));
}

/** Renews the lease of a running attempt this worker holds. */
export async function heartbeatAttempt(
  db: MetadataDb,
  runId: string,
  taskId: string,
  workerId: string,
): Promise<void> {
  await db
    .updateTable('task_instances')
    .set({ heartbeat_at: new Date() })
    .where('run_id', '=', runId)
    .where('task_id', '=', taskId)
    .where('state', '=', 'running')
    .where('lease_owner', '=', workerId)
    .execute();
}

/**
 * Records a success and releases the tasks behind it in one transaction: each downstream task counts the
 * upstream tasks it still waits for, so the last one to finish finds it ready in one update. Resolves with
 * the tasks now ready to queue.
 */
export async function recordSuccess(
  db: MetadataDb,
  attempt: { runId: string; taskId: string; tryNumber: number },
  result: { output: unknown; endedAt: Date; duration: number },
  downstream: readonly string[],
): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const done = await trx
      .updateTable('task_instances')
      .set({
        state: 'success',
        output: JSON.stringify(result.output ?? null),
        end_date: result.endedAt,
        duration: result.duration,
        heartbeat_at: result.endedAt,
      })
      .where('run_id', '=', attempt.runId)
      .where('task_id', '=', attempt.taskId)
      .where('state', '=', 'running')
      .where('try_number', '=', attempt.tryNumber)
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) === 0 || downstream.length === 0) return [];
    const counted = await trx
      .updateTable('task_instances')
      .set((eb) => ({ pending_upstream: eb('pending_upstream', '-', 1) }))
      .where('run_id', '=', attempt.runId)
      .where('task_id', 'in', [...downstream])
      .returning(['task_id', 'pending_upstream', 'state'])
      .execute();
    return counted.filter((row) => row.pending_upstream <= 0 && row.state === null).map((row) => row.task_id);
  });
}

/** Records a failure: up for retry at `retryAt`, or failed for good when it is null. */
export async function recordFailure(
  db: MetadataDb,
  attempt: { runId: string; taskId: string; tryNumber: number },
  result: { error: string; endedAt: Date; duration: number; retryAt: Date | null },
): Promise<void> {
  await db
    .updateTable('task_instances')
    .set({
      state: result.retryAt === null ? 'failed' : 'up_for_retry',
      error: result.error,
      end_date: result.endedAt,
      duration: result.duration,
      next_retry_at: result.retryAt,
    })
    .where('run_id', '=', attempt.runId)
    .where('task_id', '=', attempt.taskId)
    .where('state', '=', 'running')
    .where('try_number', '=', attempt.tryNumber)
    .execute();
}

/**
 * Takes back an attempt whose worker stopped answering: up for retry at `retryAt` (failed for good when
 * it is null), with a line in its log. Resolves false when the attempt had already moved on.
 */
export async function recordLostAttempt(
  db: MetadataDb,
  attempt: { runId: string; taskId: string; tryNumber: number },
  result: { endedAt: Date; retryAt: Date | null },
): Promise<boolean> {
  const hasTriesLeft = result.retryAt !== null;
  const updated = await db
    .updateTable('task_instances')
    .set({
      state: hasTriesLeft ? 'up_for_retry' : 'failed',
      error: 'the worker running this attempt stopped (no heartbeat)',
      end_date: result.endedAt,
      next_retry_at: result.retryAt,
    })
    .where('run_id', '=', attempt.runId)
    .where('task_id', '=', attempt.taskId)
    .where('state', '=', 'running')
    .where('try_number', '=', attempt.tryNumber)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) return false;
  await db
    .insertInto('task_logs')
    .values({
      run_id: attempt.runId,
      task_id: attempt.taskId,
      try_number: attempt.tryNumber,
      level: 'ERROR',
      message: `the worker running attempt ${attempt.tryNumber} stopped answering; ${hasTriesLeft ? 'retrying' : 'no tries left'}`,
    })
    .execute();
  return true;
}

import type { PipelineDefinition } from './definition.js';

/**
 * What the engine stores of runs and task attempts, as the rest of the platform sees it, and the mapping
 * from database rows.
 */

export type RunState = 'queued' | 'running' | 'success' | 'failed';
export type TaskState =
  | 'queued'
  | 'running'
  | 'success'
  | 'failed'
  | 'up_for_retry'
  | 'upstream_failed'
  | 'skipped';
export type RunType = 'manual' | 'scheduled' | 'event';

export const FINISHED: ReadonlySet<string> = new Set(['success', 'failed', 'upstream_failed', 'skipped']);

export interface RunRecord {
  run_id: string;
  pipeline_id: string;
  state: RunState;
  run_type: RunType;
  conf: Record<string, unknown>;
  note: string | null;
  logical_date: Date;
  created_at: Date;
  start_date: Date | null;
  end_date: Date | null;
}

export interface TaskRecord {
  run_id: string;
  task_id: string;
  state: TaskState | null;
  try_number: number;
  max_tries: number;
  queued_at: Date | null;
  start_date: Date | null;
  end_date: Date | null;
  duration: number | null;
  next_retry_at: Date | null;
  output: unknown;
  error: string | null;
  lease_owner: string | null;
}

export interface PipelineSummary {
  definition: PipelineDefinition;
  is_paused: boolean;
  next_run_at: Date | null;
  last_run: RunRecord | null;
}

// jsonb columns come back parsed from both PGlite and PostgreSQL (a string output is a JS string).
export function parseJson(value: unknown): unknown {
  return value;
}

export function toRun(row: {
  run_id: string;
  pipeline_id: string;
  state: string;
  run_type: string;
  conf: unknown;
  note: string | null;
  logical_date: Date;
  created_at: Date;
  start_date: Date | null;
  end_date: Date | null;
}): RunRecord {
  return {
    ...row,
    state: row.state as RunState,
    run_type: row.run_type as RunType,
    conf: (parseJson(row.conf) ?? {}) as Record<string, unknown>,
  };
}

export function toTask(row: {
  run_id: string;
  task_id: string;
  state: string | null;
  try_number: number;
  max_tries: number;
  queued_at: Date | null;
  start_date: Date | null;
  end_date: Date | null;
  duration: number | null;
  next_retry_at: Date | null;
  output: unknown;
  error: string | null;
  lease_owner: string | null;
}): TaskRecord {
  return {
    run_id: row.run_id,
    task_id: row.task_id,
    state: row.state as TaskState | null,
    try_number: row.try_number,
    max_tries: row.max_tries,
    queued_at: row.queued_at,
    start_date: row.start_date,
    end_date: row.end_date,
    duration: row.duration,
    next_retry_at: row.next_retry_at,
    output: parseJson(row.output),
    error: row.error,
    lease_owner: row.lease_owner,
  };
}

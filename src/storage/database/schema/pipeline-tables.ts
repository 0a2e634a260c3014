import type { ColumnType } from 'kysely';

/** Tables owned by pipelines/ (pipeline state, runs, task instances, task logs): other capabilities go through its service, not these tables. */
export interface PipelineTables {
  pipelines: PipelinesTable;
  pipeline_runs: PipelineRunsTable;
  task_instances: TaskInstancesTable;
  task_logs: TaskLogsTable;
}

/** A registered pipeline's state: paused or not, and where its schedule is. */
export interface PipelinesTable {
  pipeline_id: string;
  is_paused: ColumnType<boolean, boolean | undefined, boolean>;
  last_scheduled_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** One run of a pipeline (Airflow's DAG run). */
export interface PipelineRunsTable {
  run_id: string;
  pipeline_id: string;
  state: string;
  run_type: string;
  conf: unknown;
  note: string | null;
  logical_date: Date;
  created_at: ColumnType<Date, Date | undefined, never>;
  start_date: Date | null;
  end_date: Date | null;
}

/** One task of one run, with its current attempt. */
export interface TaskInstancesTable {
  run_id: string;
  task_id: string;
  state: string | null;
  try_number: ColumnType<number, number | undefined, number>;
  max_tries: number;
  pending_upstream: ColumnType<number, number | undefined, number>;
  queued_at: Date | null;
  start_date: Date | null;
  end_date: Date | null;
  duration: number | null;
  next_retry_at: Date | null;
  output: unknown;
  error: string | null;
  lease_owner: string | null;
  heartbeat_at: Date | null;
}

/** A line a task attempt logged. */
export interface TaskLogsTable {
  log_id: ColumnType<number, never, never>;
  run_id: string;
  task_id: string;
  try_number: number;
  level: string;
  message: string;
  logged_at: ColumnType<Date, Date | undefined, never>;
}

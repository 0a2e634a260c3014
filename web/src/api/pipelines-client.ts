import { type Dag, type DagRun, getJson, type TaskInstance } from './client';

/** One run parameter as the server describes it (Airflow's `params`): default and JSON schema. */
export interface DagParam {
  value: unknown;
  description: string | null;
  schema: {
    type?: string | string[];
    enum?: unknown[];
    minimum?: number;
    maximum?: number;
    items?: { type?: string; enum?: unknown[] };
    required?: boolean;
  };
}

export interface DagDetails extends Dag {
  params: Record<string, DagParam>;
}

/** The latest runs (oldest first) × tasks of a pipeline, one call. */
export interface DagGrid {
  dag_id: string;
  task_ids: string[];
  dag_runs: DagRun[];
  task_instances: (TaskInstance & { dag_run_id: string })[];
}

/** One stored log line: its position, try, level and the time it was logged. */
export interface LogLine {
  log_id: number;
  try_number: number;
  level: string;
  message: string;
  logged_at: string;
}

const dagPath = (dagId: string) => `/api/v1/dags/${encodeURIComponent(dagId)}`;

export const fetchDagDetails = (dagId: string) => getJson<DagDetails>(`${dagPath(dagId)}/details`);
export const fetchDagGrid = (dagId: string, runs = 25) =>
  getJson<DagGrid>(`${dagPath(dagId)}/grid?num_runs=${runs}`);

/**
 * Log lines of one try written after `token` (all of them without): follow the answer's token to tail
 * a running task.
 */
export const fetchLogLines = (
  dagId: string,
  runId: string,
  taskId: string,
  tryNumber: number,
  token?: string,
) =>
  getJson<{ continuation_token: string; lines: LogLine[] }>(
    `${dagPath(dagId)}/dagRuns/${encodeURIComponent(runId)}/taskInstances/${encodeURIComponent(taskId)}/logs/${tryNumber}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`,
  );

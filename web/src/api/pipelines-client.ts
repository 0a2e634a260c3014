/**
 * Pipelines through the server's Airflow 2 REST subset (`/api/v1/dags`). Types come from
 * src/server/schemas/pipeline-api.ts.
 */
import type {
  Dag,
  DagDetails,
  DagGrid,
  DagList,
  DagRun,
  DagRunList,
  DagTaskList,
  TaskInstanceList,
  TaskInstanceReference,
  TaskInstanceReferences,
  TaskLogs,
} from '../../../src/server/schemas/pipeline-api';
import { getJson, postJson } from './http';

export type {
  Dag,
  DagDetails,
  DagGrid,
  DagParam,
  DagRun,
  DagTask,
  LogLine,
  TaskInstance,
} from '../../../src/server/schemas/pipeline-api';

const dagPath = (dagId: string) => `/api/v1/dags/${encodeURIComponent(dagId)}`;
const runPath = (dagId: string, runId: string) => `${dagPath(dagId)}/dagRuns/${encodeURIComponent(runId)}`;

export const fetchDags = () => getJson<DagList>('/api/v1/dags');
export const fetchDag = (dagId: string) => getJson<Dag>(`/api/v1/dags/${encodeURIComponent(dagId)}`);
export const fetchDagDetails = (dagId: string) => getJson<DagDetails>(`${dagPath(dagId)}/details`);
export const fetchDagTasks = (dagId: string) =>
  getJson<DagTaskList>(`/api/v1/dags/${encodeURIComponent(dagId)}/tasks`);
export const fetchDagRuns = (dagId: string) =>
  getJson<DagRunList>(`/api/v1/dags/${encodeURIComponent(dagId)}/dagRuns?limit=25`);
/** The latest runs (oldest first) × tasks of a pipeline, one call. */
export const fetchDagGrid = (dagId: string, runs = 25) =>
  getJson<DagGrid>(`${dagPath(dagId)}/grid?num_runs=${runs}`);
export const fetchTaskInstances = (dagId: string, runId: string) =>
  getJson<TaskInstanceList>(
    `/api/v1/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(runId)}/taskInstances`,
  );
/** A task's log lines; try 0 means every attempt. */
export const fetchTaskLogs = (dagId: string, runId: string, taskId: string, tryNumber = 0) =>
  getJson<TaskLogs>(
    `/api/v1/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(runId)}/taskInstances/${encodeURIComponent(taskId)}/logs/${tryNumber}`,
  );
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
  getJson<TaskLogs>(
    `${dagPath(dagId)}/dagRuns/${encodeURIComponent(runId)}/taskInstances/${encodeURIComponent(taskId)}/logs/${tryNumber}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`,
  );
export const triggerDag = (dagId: string, conf: Record<string, unknown>) =>
  postJson<DagRun>(`/api/v1/dags/${encodeURIComponent(dagId)}/dagRuns`, { conf });
/** Re-runs a task and everything downstream of it (the run goes back to queued). */
export const clearTaskInstance = (dagId: string, runId: string, taskId: string) =>
  postJson<TaskInstanceReferences>(`${dagPath(dagId)}/clearTaskInstances`, {
    dag_run_id: runId,
    task_ids: [taskId],
    include_downstream: true,
    only_failed: false,
    dry_run: false,
  });
export const markTaskInstance = (dagId: string, runId: string, taskId: string, state: 'success' | 'failed') =>
  postJson<TaskInstanceReference>(
    `${runPath(dagId, runId)}/taskInstances/${encodeURIComponent(taskId)}`,
    { dry_run: false, new_state: state },
    'PATCH',
  );
export const markDagRun = (dagId: string, runId: string, state: 'success' | 'failed') =>
  postJson<DagRun>(runPath(dagId, runId), { state }, 'PATCH');
export const setDagPaused = (dagId: string, isPaused: boolean) =>
  postJson<Dag>(`${dagPath(dagId)}?update_mask=is_paused`, { is_paused: isPaused }, 'PATCH');

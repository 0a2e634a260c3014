import type { DagGrid } from '../api/pipelines-client';
import { formatTime } from './time';

/** A duration in seconds as people read it: `850 ms`, `12.3 s`, `4 min 05 s`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
}

export function runSeconds(run: { start_date: string | null; end_date: string | null }): number | null {
  if (run.start_date === null) return null;
  const end = run.end_date === null ? Date.now() : Date.parse(run.end_date);
  return Math.max(0, (end - Date.parse(run.start_date)) / 1000);
}

/**
 * Airflow's grid: one column per run (oldest left), one row per task, each cell coloured by the task's
 * state with its duration on hover; above each column a bar as tall as the run was long. `compact` drops
 * the task names and the selection (the pipelines list).
 */
export function PipelineGrid(props: {
  grid: DagGrid;
  compact?: boolean;
  selectedRun?: string | undefined;
  selectedTask?: string | undefined;
  onSelect?: (runId: string, taskId: string | undefined) => void;
}) {
  const { grid, compact = false } = props;
  const cell = new Map(grid.task_instances.map((task) => [`${task.dag_run_id}/${task.task_id}`, task]));
  const longest = Math.max(1, ...grid.dag_runs.map((run) => runSeconds(run) ?? 0));
  if (grid.dag_runs.length === 0) return <p className="muted small">No runs yet.</p>;
  return (
    <div className={`grid-wrap${compact ? ' grid-compact' : ''}`}>
      <table className="run-grid" aria-label={`${grid.dag_id}: runs × tasks`} data-testid="run-grid">
        <thead>
          <tr>
            {!compact && <th scope="col" className="grid-task-name" />}
            {grid.dag_runs.map((run) => {
              const seconds = runSeconds(run);
              return (
                <th key={run.dag_run_id} scope="col">
                  <button
                    type="button"
                    className={`grid-run grid-${run.state}${props.selectedRun === run.dag_run_id ? ' grid-selected' : ''}`}
                    style={{ height: `${6 + (22 * (seconds ?? 0)) / longest}px` }}
                    title={`${run.dag_run_id} · ${run.state} · ${formatTime(run.start_date ?? run.logical_date)} · ${formatDuration(seconds)}`}
                    aria-label={`run ${run.dag_run_id}: ${run.state}, ${formatDuration(seconds)}`}
                    disabled={props.onSelect === undefined}
                    onClick={() => props.onSelect?.(run.dag_run_id, undefined)}
                    data-testid="grid-run"
                    data-state={run.state}
                  />
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {grid.task_ids.map((taskId) => (
            <tr key={taskId}>
              {!compact && (
                <th scope="row" className="grid-task-name mono">
                  {taskId}
                </th>
              )}
              {grid.dag_runs.map((run) => {
                const task = cell.get(`${run.dag_run_id}/${taskId}`);
                const state = task?.state ?? 'none';
                const isSelected = props.selectedRun === run.dag_run_id && props.selectedTask === taskId;
                return (
                  <td key={run.dag_run_id}>
                    <button
                      type="button"
                      className={`grid-cell grid-${state}${isSelected ? ' grid-selected' : ''}`}
                      title={`${taskId} · ${run.dag_run_id} · ${state} · try ${task?.try_number ?? 0} · ${formatDuration(task?.duration)}`}
                      aria-label={`${taskId} in ${run.dag_run_id}: ${state}, ${formatDuration(task?.duration)}`}
                      disabled={props.onSelect === undefined}
                      onClick={() => props.onSelect?.(run.dag_run_id, taskId)}
                      data-testid="grid-cell"
                      data-state={state}
                    />
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

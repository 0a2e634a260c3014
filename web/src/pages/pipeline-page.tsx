import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import {
  clearTaskInstance,
  type DagTask,
  fetchDag,
  fetchDags,
  fetchDagTasks,
  fetchTaskInstances,
  markDagRun,
  markTaskInstance,
  setDagPaused,
  type TaskInstance,
} from '../api/client';
import { fetchDagGrid } from '../api/pipelines-client';
import { usePolling } from '../api/use-polling';
import { GanttChart } from '../components/gantt-chart';
import { formatDuration, PipelineGrid, runSeconds } from '../components/pipeline-grid';
import { TaskLog } from '../components/task-log';
import { formatTime } from '../components/time';
import { TriggerForm } from '../components/trigger-form';
import { stateBadge } from './pipelines-page';

const NODE_WIDTH = 170;
const NODE_HEIGHT = 46;
const COLUMN = 230;
const ROW = 74;

/** Columns by longest path from a root: each task sits right of everything it depends on. */
function layout(tasks: DagTask[]): {
  positions: Map<string, { x: number; y: number }>;
  width: number;
  height: number;
} {
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen = new Set<string>()): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const task = tasks.find((item) => item.task_id === id);
    const value = Math.max(-1, ...(task?.upstream_task_ids ?? []).map((up) => depthOf(up, seen))) + 1;
    depth.set(id, value);
    return value;
  };
  const columns = new Map<number, string[]>();
  for (const task of tasks) {
    const column = depthOf(task.task_id);
    columns.set(column, [...(columns.get(column) ?? []), task.task_id]);
  }
  const tallest = Math.max(1, ...[...columns.values()].map((ids) => ids.length));
  const positions = new Map<string, { x: number; y: number }>();
  for (const [column, ids] of columns) {
    const offset = ((tallest - ids.length) * ROW) / 2;
    ids.forEach((id, row) => {
      positions.set(id, { x: 10 + column * COLUMN, y: 10 + offset + row * ROW });
    });
  }
  return {
    positions,
    width: 20 + (columns.size - 1) * COLUMN + NODE_WIDTH,
    height: 20 + (tallest - 1) * ROW + NODE_HEIGHT,
  };
}

function DagGraph({
  tasks,
  instances,
  selected,
  onSelect,
}: {
  tasks: DagTask[];
  instances: TaskInstance[];
  selected: string | undefined;
  onSelect: (taskId: string) => void;
}) {
  const { positions, width, height } = useMemo(() => layout(tasks), [tasks]);
  // Before the tasks arrive there is nothing to draw (an empty layout would be -40 px wide).
  if (tasks.length === 0) return null;
  const stateOf = (id: string) => instances.find((item) => item.task_id === id)?.state ?? null;
  return (
    <div className="dag-wrap">
      <svg
        className="dag"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label="pipeline graph"
      >
        {tasks.flatMap((task) =>
          task.upstream_task_ids.map((up) => {
            const from = positions.get(up);
            const to = positions.get(task.task_id);
            if (from === undefined || to === undefined) return null;
            const x1 = from.x + NODE_WIDTH;
            const y1 = from.y + NODE_HEIGHT / 2;
            const x2 = to.x;
            const y2 = to.y + NODE_HEIGHT / 2;
            const middle = (x1 + x2) / 2;
            return (
              <path
                key={`${up}-${task.task_id}`}
                className="dag-edge"
                d={`M${x1},${y1} C${middle},${y1} ${middle},${y2} ${x2},${y2}`}
              />
            );
          }),
        )}
        {tasks.map((task) => {
          const position = positions.get(task.task_id);
          if (position === undefined) return null;
          const state = stateOf(task.task_id) ?? 'none';
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG node cannot be a <button>
            <g
              key={task.task_id}
              className={`dag-node dag-${state}${selected === task.task_id ? ' dag-selected' : ''}`}
              transform={`translate(${position.x},${position.y})`}
              onClick={() => onSelect(task.task_id)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' || event.key === ' ') onSelect(task.task_id);
              }}
              role="button"
              tabIndex={0}
              data-testid="dag-node"
              data-state={state}
            >
              <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx={8} />
              <text x={12} y={19}>
                {task.task_id}
              </text>
              <text x={12} y={36} className="dag-state">
                {state}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

/**
 * One pipeline. An unknown one says so once (no polling of a 404); a known one shows its graph, the grid
 * of its latest runs × tasks, the Gantt chart and task log of the chosen run, task actions, the trigger
 * form generated from its parameters, and its runs.
 */
export function PipelinePage() {
  const { dagId = '' } = useParams();
  const [missing, setMissing] = useState<string>();
  const [isKnown, setIsKnown] = useState(false);
  // Asked once from the list (a 200), so an unknown id is neither a failed request nor polled forever.
  useEffect(() => {
    setMissing(undefined);
    setIsKnown(false);
    fetchDags()
      .then((answer) => {
        if (answer.dags.some((dag) => dag.dag_id === dagId)) setIsKnown(true);
        else
          setMissing(
            `no pipeline named ${dagId} (known: ${answer.dags.map((dag) => dag.dag_id).join(', ') || 'none'})`,
          );
      })
      .catch(() => setIsKnown(true)); // the view says what fails
  }, [dagId]);
  if (missing !== undefined)
    return (
      <section className="page" aria-labelledby="pipeline-title">
        <h1 id="pipeline-title">{dagId}</h1>
        <div className="banner banner-error" role="alert" data-testid="pipeline-missing">
          <strong>No such pipeline.</strong> {missing}
        </div>
        <p>
          <Link to="/pipelines">All pipelines</Link>
        </p>
      </section>
    );
  if (!isKnown)
    return (
      <section className="page" aria-labelledby="pipeline-title">
        <h1 id="pipeline-title">{dagId}</h1>
        <p className="muted">Loading the pipeline…</p>
      </section>
    );
  return <PipelineView key={dagId} dagId={dagId} />;
}

function PipelineView({ dagId }: { dagId: string }) {
  const dag = usePolling(
    useCallback(() => fetchDag(dagId), [dagId]),
    3000,
  );
  const grid = usePolling(
    useCallback(() => fetchDagGrid(dagId, 25), [dagId]),
    1500,
  );
  const [tasks, setTasks] = useState<DagTask[]>([]);
  const [runId, setRunId] = useState<string>();
  const [instances, setInstances] = useState<TaskInstance[]>([]);
  const [selected, setSelected] = useState<string>();
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();

  useEffect(() => {
    fetchDagTasks(dagId)
      .then((answer) => setTasks(answer.tasks))
      .catch(() => setTasks([]));
  }, [dagId]);

  const runs = useMemo(() => [...(grid.data?.dag_runs ?? [])].reverse(), [grid.data]);
  const shownRun = runId ?? runs[0]?.dag_run_id;
  const runState = runs.find((run) => run.dag_run_id === shownRun)?.state;
  useEffect(() => {
    if (shownRun === undefined) return;
    let stopped = false;
    const load = () =>
      fetchTaskInstances(dagId, shownRun)
        .then((answer) => {
          if (!stopped) setInstances(answer.task_instances);
        })
        .catch(() => undefined);
    void load();
    const timer = setInterval(load, 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [dagId, shownRun]);
  const selectedInstance = instances.find((item) => item.task_id === selected);

  const togglePause = () => {
    if (dag.data === undefined) return;
    setDagPaused(dagId, !dag.data.is_paused)
      .then((answer) => {
        setMessage({ ok: true, text: answer.is_paused ? 'paused' : 'unpaused' });
        dag.refresh();
      })
      .catch((failure: Error) => setMessage({ ok: false, text: failure.message }));
  };

  const act = (work: Promise<unknown>, done: string) => {
    work
      .then(() => {
        setMessage({ ok: true, text: done });
        grid.refresh();
      })
      .catch((failure: Error) => setMessage({ ok: false, text: failure.message }));
  };
  const isRunOver = runState === 'success' || runState === 'failed';

  return (
    <section className="page" aria-labelledby="pipeline-title">
      <div className="page-head">
        <div>
          <h1 id="pipeline-title">{dagId}</h1>
          <p className="muted">
            <Link to="/pipelines">All pipelines</Link>
            {dag.data && ` · ${dag.data.description} · ${dag.data.schedule_interval?.value ?? 'manual only'}`}
          </p>
        </div>
        {dag.data && (
          <button type="button" className="button" onClick={togglePause}>
            {dag.data.is_paused ? 'Unpause' : 'Pause'}
          </button>
        )}
      </div>
      {dag.error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load this pipeline.</strong> {dag.error.message}
        </div>
      )}
      {message && (
        <div
          className={`banner ${message.ok ? 'banner-ok' : 'banner-error'}`}
          role={message.ok ? 'status' : 'alert'}
          data-testid="pipeline-message"
        >
          {message.text}
        </div>
      )}
      <h2 className="section-title">Trigger a run</h2>
      <TriggerForm
        dagId={dagId}
        onTriggered={(run) => {
          setMessage({ ok: true, text: `triggered run ${run.dag_run_id}` });
          setRunId(run.dag_run_id);
          grid.refresh();
        }}
        onError={(text) => setMessage({ ok: false, text })}
      />
      <h2 className="section-title">Grid</h2>
      {grid.data && (
        <PipelineGrid
          grid={grid.data}
          selectedRun={shownRun}
          selectedTask={selected}
          onSelect={(run, task) => {
            setRunId(run);
            if (task !== undefined) setSelected(task);
          }}
        />
      )}
      <h2 className="section-title">
        Graph{' '}
        {shownRun && (
          <span className="muted small">
            run <span className="mono">{shownRun}</span>{' '}
            {runState && <span className={stateBadge(runState)}>{runState}</span>}
          </span>
        )}
      </h2>
      {shownRun && (
        <div className="run-actions">
          {(['success', 'failed'] as const).map((state) => (
            <button
              key={state}
              type="button"
              className="button"
              disabled={runState === state}
              onClick={() => act(markDagRun(dagId, shownRun, state), `run ${shownRun} marked ${state}`)}
            >
              Mark run {state}
            </button>
          ))}
        </div>
      )}
      <DagGraph tasks={tasks} instances={instances} selected={selected} onSelect={setSelected} />
      {selected && shownRun && (
        <div className="card feature-lookup">
          <h2>
            Log of <span className="mono">{selected}</span>{' '}
            {selectedInstance && (
              <span className={stateBadge(selectedInstance.state)}>{selectedInstance.state ?? 'none'}</span>
            )}
          </h2>
          <div className="run-actions">
            <button
              type="button"
              className="button button-primary"
              onClick={() =>
                act(
                  clearTaskInstance(dagId, shownRun, selected),
                  `${selected} cleared: it runs again with what depends on it`,
                )
              }
            >
              {isRunOver ? 'Retry' : 'Clear'} {selected} and downstream
            </button>
            {(['success', 'failed'] as const).map((state) => (
              <button
                key={state}
                type="button"
                className="button"
                onClick={() =>
                  act(markTaskInstance(dagId, shownRun, selected, state), `${selected} marked ${state}`)
                }
              >
                Mark {state}
              </button>
            ))}
          </div>
          <TaskLog
            dagId={dagId}
            runId={shownRun}
            taskId={selected}
            tryNumber={selectedInstance?.try_number ?? 1}
            state={selectedInstance?.state ?? null}
          />
        </div>
      )}
      {shownRun && (
        <>
          <h2 className="section-title">Gantt</h2>
          <GanttChart instances={instances} />
        </>
      )}
      <h2 className="section-title">Runs</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">State</th>
              <th scope="col">Type</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr
                key={run.dag_run_id}
                data-testid="run-row"
                className={run.dag_run_id === shownRun ? 'selected' : undefined}
              >
                <td className="mono wrap">
                  <button type="button" className="link-button" onClick={() => setRunId(run.dag_run_id)}>
                    {run.dag_run_id}
                  </button>
                </td>
                <td>
                  <span className={stateBadge(run.state)}>{run.state}</span>
                </td>
                <td>{run.run_type}</td>
                <td>{formatTime(run.start_date)}</td>
                <td>{run.end_date === null ? '—' : formatDuration(runSeconds(run))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
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
import { DagGraph } from '../components/dag-graph';
import { GanttChart } from '../components/gantt-chart';
import { usePageSubject } from '../components/page-title';
import { formatDuration, PipelineGrid, runSeconds } from '../components/pipeline-grid';
import { TaskLog } from '../components/task-log';
import { formatTime } from '../components/time';
import { TriggerForm } from '../components/trigger-form';
import { stateBadge } from './pipelines-page';

export function PipelinePage() {
  const { dagId = '' } = useParams();
  usePageSubject(dagId);
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
  // The shown run and task live in the URL (`?run=…&task=…`): a training run's page links to its run here.
  const [search, setSearch] = useSearchParams();
  const runId = search.get('run') ?? undefined;
  const selected = search.get('task') ?? undefined;
  const show = useCallback(
    (run: string | undefined, task: string | undefined) =>
      setSearch(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [key, value] of [
            ['run', run],
            ['task', task],
          ] as const)
            if (value === undefined) next.delete(key);
            else next.set(key, value);
          return next;
        },
        { replace: true },
      ),
    [setSearch],
  );
  const setSelected = (task: string | undefined) => show(runId, task);
  const [instances, setInstances] = useState<TaskInstance[]>([]);
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
          show(run.dag_run_id, selected);
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
          onSelect={(run, task) => show(run, task ?? selected)}
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
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => show(run.dag_run_id, selected)}
                  >
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

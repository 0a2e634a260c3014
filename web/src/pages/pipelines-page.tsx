import { Fragment, useCallback, useState } from 'react';
import { Link } from 'react-router';
import { type Dag, fetchDags, setDagPaused } from '../api/client';
import { fetchDagGrid } from '../api/pipelines-client';
import { usePolling } from '../api/use-polling';
import { PipelineGrid } from '../components/pipeline-grid';
import { formatTime } from '../components/time';
import { TriggerForm } from '../components/trigger-form';

export function stateBadge(state: string | null): string {
  if (state === 'success') return 'badge badge-up';
  if (state === 'failed' || state === 'upstream_failed') return 'badge badge-down';
  if (state === 'running' || state === 'queued' || state === 'up_for_retry') return 'badge badge-running';
  return 'badge badge-unknown';
}

/** The last runs × tasks of one pipeline, small (Airflow's list shows the same at a glance). */
function RecentRuns({ dagId }: { dagId: string }) {
  const grid = usePolling(
    useCallback(() => fetchDagGrid(dagId, 10), [dagId]),
    3000,
  );
  if (grid.data === undefined) return <span className="muted small">…</span>;
  return <PipelineGrid grid={grid.data} compact />;
}

/** Every pipeline with its schedule, recent runs × tasks, pause switch and trigger form. */
export function PipelinesPage() {
  const { data, error, isLoading, refresh } = usePolling(fetchDags, 3000);
  const [triggering, setTriggering] = useState<string>();
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const togglePause = (dag: Dag) => {
    setDagPaused(dag.dag_id, !dag.is_paused)
      .then((answer) => {
        setMessage({ ok: true, text: `${answer.dag_id} ${answer.is_paused ? 'paused' : 'unpaused'}` });
        refresh();
      })
      .catch((failure: Error) => setMessage({ ok: false, text: failure.message }));
  };
  return (
    <section className="page" aria-labelledby="pipelines-title">
      <div className="page-head">
        <div>
          <h1 id="pipelines-title">Pipelines</h1>
          <p className="muted">
            Durable runs with retries, schedules and an Airflow-compatible API at{' '}
            <span className="mono">/api/v1/dags</span>.
          </p>
        </div>
      </div>
      {error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load pipelines.</strong> {error.message}
        </div>
      )}
      {message && (
        <div
          className={`banner ${message.ok ? 'banner-ok' : 'banner-error'}`}
          role={message.ok ? 'status' : 'alert'}
          data-testid="pipelines-message"
        >
          {message.text}
        </div>
      )}
      {isLoading && !data && <p className="muted">Loading pipelines…</p>}
      {data && (
        <div className="table-wrap">
          <table className="pipelines-table">
            <thead>
              <tr>
                <th scope="col">Pipeline</th>
                <th scope="col">Schedule</th>
                <th scope="col">Recent runs</th>
                <th scope="col">Last run</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.dags.map((dag) => (
                <Fragment key={dag.dag_id}>
                  <tr data-testid="pipeline-row" data-dag-id={dag.dag_id}>
                    <td className="wrap">
                      <Link to={`/pipelines/${dag.dag_id}`}>{dag.dag_id}</Link>
                      {dag.is_paused && <span className="badge badge-unknown"> paused</span>}
                      <div className="muted small">{dag.description}</div>
                    </td>
                    <td>
                      <span className="mono">{dag.schedule_interval?.value ?? 'manual'}</span>
                      <div className="muted small">next: {formatTime(dag.next_dagrun)}</div>
                    </td>
                    <td>
                      <RecentRuns dagId={dag.dag_id} />
                    </td>
                    <td>
                      {dag.last_run === null ? (
                        '—'
                      ) : (
                        <>
                          <span className={stateBadge(dag.last_run.state)}>{dag.last_run.state}</span>
                          <div className="muted small">
                            {formatTime(dag.last_run.start_date ?? dag.last_run.logical_date)}
                          </div>
                        </>
                      )}
                    </td>
                    <td>
                      <div className="row-actions">
                        <button
                          type="button"
                          className="button"
                          aria-label={`${dag.is_paused ? 'Unpause' : 'Pause'} ${dag.dag_id}`}
                          onClick={() => togglePause(dag)}
                        >
                          {dag.is_paused ? 'Unpause' : 'Pause'}
                        </button>
                        <button
                          type="button"
                          className="button"
                          aria-expanded={triggering === dag.dag_id}
                          aria-label={`Trigger ${dag.dag_id}`}
                          onClick={() => setTriggering(triggering === dag.dag_id ? undefined : dag.dag_id)}
                        >
                          Trigger…
                        </button>
                      </div>
                    </td>
                  </tr>
                  {triggering === dag.dag_id && (
                    <tr className="trigger-row">
                      <td colSpan={5}>
                        <TriggerForm
                          dagId={dag.dag_id}
                          onTriggered={(run) => {
                            setMessage({ ok: true, text: `triggered ${dag.dag_id}: run ${run.dag_run_id}` });
                            setTriggering(undefined);
                            refresh();
                          }}
                          onError={(text) => setMessage({ ok: false, text })}
                        />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

import { Link } from 'react-router';
import { fetchDags } from '../api/client';
import { usePolling } from '../api/use-polling';

export function stateBadge(state: string | null): string {
  if (state === 'success') return 'badge badge-up';
  if (state === 'failed' || state === 'upstream_failed') return 'badge badge-down';
  if (state === 'running' || state === 'queued' || state === 'up_for_retry') return 'badge badge-running';
  return 'badge badge-unknown';
}

/** Every pipeline with its schedule, pause state and last run. */
export function PipelinesPage() {
  const { data, error, isLoading } = usePolling(fetchDags, 3000);
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
      {isLoading && !data && <p className="muted">Loading pipelines…</p>}
      {data && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Pipeline</th>
                <th scope="col">Schedule</th>
                <th scope="col">Next run</th>
                <th scope="col">Last run</th>
              </tr>
            </thead>
            <tbody>
              {data.dags.map((dag) => (
                <tr key={dag.dag_id} data-testid="pipeline-row">
                  <td className="wrap">
                    <Link to={`/pipelines/${dag.dag_id}`}>{dag.dag_id}</Link>
                    {dag.is_paused && <span className="badge badge-unknown"> paused</span>}
                    <div className="muted small">{dag.description}</div>
                  </td>
                  <td className="mono">{dag.schedule_interval?.value ?? 'manual'}</td>
                  <td>{dag.next_dagrun === null ? '—' : new Date(dag.next_dagrun).toLocaleString()}</td>
                  <td>
                    {dag.last_run === null ? (
                      '—'
                    ) : (
                      <>
                        <span className={stateBadge(dag.last_run.state)}>{dag.last_run.state}</span>{' '}
                        {new Date(dag.last_run.start_date ?? dag.last_run.logical_date).toLocaleString()}
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

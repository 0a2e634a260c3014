import { Link } from 'react-router';
import { ApiError, fetchAbReport, fetchModelInfo, type ServedModelInfo } from '../api/client';
import { useReadiness } from '../api/readiness-context';
import { usePolling } from '../api/use-polling';
import { formatTime } from '../components/time';
import { TrafficPanel } from '../components/traffic-panel';

const REFRESH_MS = 5000;

/** The control room at a glance: health, the models being served, live traffic and the A/B split. */
export function DashboardPage() {
  const readiness = useReadiness();
  const model = usePolling(fetchModelInfo, REFRESH_MS);
  const ab = usePolling(fetchAbReport, REFRESH_MS);
  const components = readiness.data?.components ?? [];
  const up = components.filter((component) => component.status === 'up').length;

  return (
    <section className="page" aria-labelledby="dashboard-title">
      <div className="page-head">
        <div>
          <h1 id="dashboard-title">Dashboard</h1>
          <p className="muted">Live: refreshed every {REFRESH_MS / 1000} s.</p>
        </div>
      </div>
      <div className="dashboard-grid">
        <article className="panel" data-testid="panel-health" aria-labelledby="health-title">
          <h2 id="health-title" className="panel-title">
            Health
          </h2>
          {readiness.error && !readiness.data ? (
            <p className="muted">The server does not answer.</p>
          ) : (
            <>
              <p className="big">
                {up} of {components.length} up
              </p>
              <ul className="component-list">
                {components.map((component) => (
                  <li key={component.name}>
                    <span className={`status-dot status-dot-${component.status}`} aria-hidden="true" />{' '}
                    {component.name}{' '}
                    <span className="muted small">
                      {component.status === 'up' ? component.backend : component.detail}
                    </span>
                  </li>
                ))}
              </ul>
              <Link to="/status">Details</Link>
            </>
          )}
        </article>

        <article className="panel" data-testid="panel-serving" aria-labelledby="serving-title">
          <h2 id="serving-title" className="panel-title">
            Serving
          </h2>
          {model.error ? (
            <p className="muted">
              {model.error instanceof ApiError && model.error.status === 404
                ? 'Serving is off (MLOPS_SERVING=false).'
                : model.error.message}
            </p>
          ) : model.data?.champion ? (
            <>
              <ModelLine label="champion" model={model.data.champion} />
              {model.data.challenger && (
                <ModelLine
                  label={`challenger · ${model.data.challenger_percent}% of users`}
                  model={model.data.challenger}
                />
              )}
              <Link to="/models">Registry</Link>
            </>
          ) : (
            <p className="muted">{model.data?.detail ?? 'Loading…'}</p>
          )}
        </article>

        <article className="panel" data-testid="panel-ab" aria-labelledby="ab-title">
          <h2 id="ab-title" className="panel-title">
            A/B split
          </h2>
          {ab.data ? (
            <>
              <p className="muted small">
                {ab.data.enabled
                  ? `${ab.data.challenger_percent}% of users see the challenger`
                  : 'No challenger: everyone sees the champion.'}
              </p>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Variant</th>
                    <th scope="col">Requests</th>
                    <th scope="col">Users</th>
                    <th scope="col">Feedback</th>
                  </tr>
                </thead>
                <tbody>
                  {ab.data.variants.map((variant) => (
                    <tr key={variant.variant}>
                      <td>
                        {variant.variant}
                        {variant.model ? ` v${variant.model.version}` : ''}
                      </td>
                      <td>{variant.requests}</td>
                      <td>{variant.users}</td>
                      <td>
                        {variant.feedback.total} ({(variant.feedback_rate * 100).toFixed(1)}%)
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : (
            <p className="muted">
              {ab.error instanceof ApiError && ab.error.status === 404 ? 'Serving is off.' : 'Loading…'}
            </p>
          )}
        </article>
        <article className="panel panel-wide" data-testid="panel-traffic" aria-labelledby="traffic-title">
          <h2 id="traffic-title" className="panel-title">
            Traffic
          </h2>
          <TrafficPanel modelName={model.data?.model_name} />
        </article>
      </div>
    </section>
  );
}

function ModelLine({ label, model }: { label: string; model: ServedModelInfo }) {
  const ndcg = model.metrics.ndcg_at_10;
  return (
    <p className="model-line" data-testid={`served-${label.split(' ')[0]}`}>
      <strong>
        {model.name} v{model.version}
      </strong>{' '}
      <span className="badge badge-up">{label}</span>
      <br />
      <span className="muted small">
        {model.algorithm}
        {ndcg === undefined ? '' : ` · NDCG@10 ${ndcg.toFixed(4)}`} · loaded {formatTime(model.loaded_at)}
      </span>
    </p>
  );
}

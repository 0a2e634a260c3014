import { type ComponentHealth, fetchHealth } from '../api/client';
import { useReadiness } from '../api/readiness-context';
import { usePolling } from '../api/use-polling';

/** Component health, as `mlops status` prints it, refreshed every few seconds. */
export function StatusPage() {
  const readiness = useReadiness();
  const health = usePolling(fetchHealth, readiness.refreshMs);
  const report = readiness.data;
  const isStale = readiness.error !== undefined;

  return (
    <section className="page" aria-labelledby="status-title">
      <div className="page-head">
        <div>
          <h1 id="status-title">Platform status</h1>
          <p className="muted">
            {health.data
              ? `${health.data.service} ${health.data.version} · up ${formatDuration(health.data.uptime_seconds)}`
              : 'Reading the server…'}
          </p>
        </div>
        <button type="button" className="button" onClick={readiness.refresh}>
          Refresh
        </button>
      </div>

      {readiness.error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot read the platform status.</strong> {readiness.error.message}
          {report && ' Showing the last answer received.'}
        </div>
      )}
      {readiness.isLoading && !report && <p className="muted">Loading component health…</p>}

      {report && (
        <>
          <div
            className={`banner ${isStale ? 'banner-stale' : report.status === 'ready' ? 'banner-ok' : 'banner-warn'}`}
            data-testid="overall-status"
          >
            {isStale
              ? `Last known state, from ${readiness.updatedAt?.toLocaleTimeString() ?? 'earlier'}:`
              : report.status === 'ready'
                ? `All ${report.components.length} components are up.`
                : `${report.components.filter((c) => c.status === 'down').length} of ${report.components.length} components are down.`}
            {!isStale && (
              <span className="muted small">
                {' '}
                Checked {readiness.updatedAt?.toLocaleTimeString() ?? ''}, every {readiness.refreshMs / 1000}{' '}
                s.
              </span>
            )}
          </div>
          <ul className={`component-grid${isStale ? ' stale' : ''}`} aria-label="Components">
            {report.components.map((component) => (
              <ComponentCard key={component.name} component={component} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function ComponentCard({ component }: { component: ComponentHealth }) {
  return (
    <li className="card" data-testid={`component-${component.name}`}>
      <div className="card-head">
        <h2>{component.name}</h2>
        <span className={`badge badge-${component.status}`}>{component.status === 'up' ? 'up' : 'down'}</span>
      </div>
      <dl>
        <dt>Backend</dt>
        <dd>{component.backend}</dd>
        <dt>Location</dt>
        <dd className="mono" title={component.location}>
          {component.location}
        </dd>
        <dt>Latency</dt>
        <dd>{component.latency_ms.toFixed(1)} ms</dd>
        <dt>{component.status === 'up' ? 'Detail' : 'Problem'}</dt>
        <dd className={component.status === 'up' ? '' : 'problem'}>{component.detail}</dd>
      </dl>
    </li>
  );
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

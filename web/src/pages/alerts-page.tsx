import { fetchAlerts } from '../api/client';
import { usePolling } from '../api/use-polling';

/** Alerts firing now and the history of every firing and resolution. */
export function AlertsPage() {
  const { data, error } = usePolling(fetchAlerts, 5000);
  return (
    <section className="page" aria-labelledby="alerts-title">
      <div className="page-head">
        <div>
          <h1 id="alerts-title">Alerts</h1>
          <p className="muted">
            The alert rules evaluated in the server (the same as deploy/prometheus/rules), with their runbook
            entries.
          </p>
        </div>
      </div>
      {error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load alerts.</strong> {error.message}
        </div>
      )}
      {data && (
        <div
          className={`banner ${data.firing.length > 0 ? 'banner-error' : 'banner-ok'}`}
          data-testid="alerts-summary"
        >
          {data.firing.length === 0
            ? 'Nothing is firing.'
            : `${data.firing.length} firing: ${data.firing.map((alert) => alert.name).join(', ')}`}
        </div>
      )}
      {data && data.alerts.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Alert</th>
                <th scope="col">Severity</th>
                <th scope="col">What</th>
                <th scope="col">Started</th>
                <th scope="col">Resolved</th>
                <th scope="col">Webhook</th>
              </tr>
            </thead>
            <tbody>
              {data.alerts.map((alert) => (
                <tr key={alert.alert_id} data-testid="alert-row">
                  <td>
                    <span className={`badge ${alert.status === 'firing' ? 'badge-down' : 'badge-up'}`}>
                      {alert.status}
                    </span>
                  </td>
                  <td className="wrap">
                    <strong>{alert.name}</strong>
                    <div className="muted small">
                      {alert.summary} · runbook <span className="mono">{alert.runbook}</span>
                    </div>
                  </td>
                  <td>{alert.severity}</td>
                  <td className="wrap">{alert.description}</td>
                  <td>{new Date(alert.started_at).toLocaleString()}</td>
                  <td>{alert.resolved_at === null ? '—' : new Date(alert.resolved_at).toLocaleString()}</td>
                  <td>{alert.notified ? 'sent' : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

import { Link } from 'react-router';
import { fetchAlertsAnswer } from '../api/monitoring-client';
import { useReadiness } from '../api/readiness-context';
import { usePolling } from '../api/use-polling';

const fetchFiring = () => fetchAlertsAnswer(1);

/**
 * A dot in the header: green when every component is up and nothing is wrong, amber when a component is
 * down, an alert fires or load is being shed, red when the server is gone. It links to where to look.
 */
export function HealthIndicator() {
  const { data, error } = useReadiness();
  const alerts = usePolling(fetchFiring, 5000);
  const firing = alerts.data?.firing ?? [];
  const isShedding = alerts.data?.load_shedding.active === true;
  const state =
    error !== undefined
      ? 'offline'
      : data === undefined
        ? 'unknown'
        : data.status === 'not_ready'
          ? 'not_ready'
          : firing.length > 0 || isShedding
            ? 'degraded'
            : 'ready';
  const label = {
    ready: 'All components up',
    not_ready: 'A component is down',
    degraded: [
      firing.length > 0 ? `${firing.length} alert${firing.length === 1 ? '' : 's'} firing` : '',
      isShedding ? 'shedding load' : '',
    ]
      .filter((part) => part !== '')
      .join(' · '),
    offline: 'Server unreachable',
    unknown: 'Checking…',
  }[state];
  const title =
    state === 'degraded'
      ? [
          ...firing.map((alert) => `${alert.name}: ${alert.summary}`),
          isShedding ? `load shedding: ${alerts.data?.load_shedding.reason ?? ''}` : '',
        ]
          .filter((line) => line !== '')
          .join('\n')
      : label;
  return (
    <output
      className={`health-indicator health-${state}`}
      aria-live="polite"
      title={title}
      data-testid="health-indicator"
    >
      <span className="dot" aria-hidden="true" />
      <Link className="health-label" to={state === 'degraded' ? '/alerts' : '/status'}>
        {label}
      </Link>
    </output>
  );
}

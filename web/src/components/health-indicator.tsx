import { useReadiness } from '../api/readiness-context';

/** A dot in the header: green when every component is up, amber when one is down, red when the server is gone. */
export function HealthIndicator() {
  const { data, error } = useReadiness();
  const state = error !== undefined ? 'offline' : data === undefined ? 'unknown' : data.status;
  const label = {
    ready: 'All components up',
    not_ready: 'A component is down',
    offline: 'Server unreachable',
    unknown: 'Checking…',
  }[state];
  return (
    <output className={`health-indicator health-${state}`} aria-live="polite" title={label}>
      <span className="dot" aria-hidden="true" />
      <span className="health-label">{label}</span>
    </output>
  );
}

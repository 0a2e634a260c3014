/** How the tracking pages show a run's status, duration and metric values. */

/** A run's status as a badge: green for a finished run, neutral for anything else, red for a failure. */
export function StatusBadge({ status }: { status: string }) {
  const tone = status === 'FINISHED' ? 'badge-up' : status === 'FAILED' ? 'badge-down' : 'badge-neutral';
  return <span className={`badge ${tone}`}>{status.toLowerCase()}</span>;
}

/** `1 h 02 min`, `3.4 s`: how long a run took (or has been running). */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}

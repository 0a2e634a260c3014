/** The one time format of the UI: local time with its zone, e.g. `6 Dec 2026, 07:10:03 CET`. */
const FULL = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});
const CLOCK = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const CLOCK_ZONE = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});

type TimeValue = string | number | Date;

/** Date and time, local, with the zone; `—` for a missing or unreadable value. */
export function formatTime(value: TimeValue | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '—' : FULL.format(date);
}

/** Hours and minutes only, for chart ticks (the axis names the zone once). */
export function formatClock(value: TimeValue): string {
  return CLOCK.format(new Date(value));
}

/** Time of day with seconds and the zone, for things that happen today (a retry time). */
export function formatClockWithZone(value: TimeValue): string {
  return CLOCK_ZONE.format(new Date(value));
}

/** The local zone's short name, e.g. `CET` or `UTC`. */
export function localZoneName(): string {
  return (
    new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' })
      .formatToParts(new Date())
      .find((part) => part.type === 'timeZoneName')?.value ?? ''
  );
}

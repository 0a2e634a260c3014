/** The Events page's live list: the bus's events as they arrive, filtered by topic, pausable. */
import { useEffect, useState } from 'react';
import { type BusEvent, EVENT_TOPICS, type EventTopic, eventStreamUrl } from '../api/client';

/** The live list keeps this many events, newest first. */
const MAX_ROWS = 200;
const REPLAY = 50;
const ALERT_TYPES = new Set(['model.drift_detected', 'alert.firing', 'system.overload']);

type Connection = 'connecting' | 'connected' | 'reconnecting';

/** Adds events that arrived (oldest first) on top of the shown ones (newest first), once each, capped. */
function mergeNewest(shown: BusEvent[], arrived: BusEvent[]): BusEvent[] {
  const ids = new Set(shown.map((event) => event.id));
  const fresh: BusEvent[] = [];
  for (const event of arrived) {
    if (ids.has(event.id)) continue;
    ids.add(event.id);
    fresh.push(event);
  }
  return fresh.length === 0 ? shown : [...fresh.reverse(), ...shown].slice(0, MAX_ROWS);
}

/**
 * The bus's events as they happen, over server-sent events: the latest few first, then each new one. The
 * browser reconnects on its own after a dropped connection; after a refused one, this tries again.
 */
function useLiveEvents(topic: EventTopic | undefined) {
  const [events, setEvents] = useState<BusEvent[]>([]);
  const [connection, setConnection] = useState<Connection>('connecting');
  useEffect(() => {
    setEvents([]);
    setConnection('connecting');
    let source: EventSource | undefined;
    let queue: BusEvent[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    // A burst (the replay, a busy bus) renders once rather than once per event.
    const flush = () => {
      flushTimer = undefined;
      const arrived = queue;
      queue = [];
      setEvents((shown) => mergeNewest(shown, arrived));
    };
    let isClosed = false;
    const retry = () => {
      if (!isClosed) retryTimer = setTimeout(connect, 3000);
    };
    const connect = async () => {
      // A fresh single-use ticket for every connection: the browser's own reconnects reuse the URL, are
      // refused, and come back here.
      const url = await eventStreamUrl(topic, REPLAY).catch(() => undefined);
      if (isClosed) return;
      if (url === undefined) {
        setConnection('reconnecting');
        retry();
        return;
      }
      const current = new EventSource(url);
      source = current;
      current.onopen = () => setConnection('connected');
      current.onerror = () => {
        setConnection('reconnecting');
        if (current.readyState === EventSource.CLOSED) {
          current.close();
          retry();
        }
      };
      current.addEventListener('mlops', (message) => {
        try {
          queue.push(JSON.parse((message as MessageEvent<string>).data) as BusEvent);
        } catch {
          return;
        }
        flushTimer ??= setTimeout(flush, 100);
      });
    };
    void connect();
    return () => {
      isClosed = true;
      source?.close();
      clearTimeout(flushTimer);
      clearTimeout(retryTimer);
    };
  }, [topic]);
  return { events, connection };
}

export function formatTime(iso: string): string {
  const time = new Date(iso);
  return time.toDateString() === new Date().toDateString()
    ? time.toLocaleTimeString()
    : time.toLocaleString();
}

function rowClass(event: BusEvent): string | undefined {
  if (event.topic === 'dead-letter') return 'event-dead';
  if (ALERT_TYPES.has(event.type)) return 'event-alert';
  return undefined;
}

function topicBadge(topic: string): string {
  if (topic === 'dead-letter') return 'badge badge-topic badge-down';
  if (topic === 'model-drift-alerts' || topic === 'system-health') return 'badge badge-topic badge-warn';
  return 'badge badge-topic badge-unknown';
}

/** The event's data on one line, the whole of it (indented) when opened. */
function EventData({ data }: { data: Record<string, unknown> }) {
  return (
    <details className="event-data">
      <summary className="mono" title="Show all of the data">
        {JSON.stringify(data)}
      </summary>
      <pre className="code">{JSON.stringify(data, null, 2)}</pre>
    </details>
  );
}

export function LiveEvents() {
  const [topic, setTopic] = useState<EventTopic>();
  const live = useLiveEvents(topic);
  // While paused the list stays as it was; what arrives meanwhile waits, counted.
  const [frozen, setFrozen] = useState<BusEvent[]>();
  const shown = frozen ?? live.events;
  const frozenIds = new Set(frozen?.map((event) => event.id));
  const held = frozen === undefined ? 0 : live.events.filter((event) => !frozenIds.has(event.id)).length;
  return (
    <section aria-labelledby="live-title">
      <div className="section-head">
        <h2 id="live-title" className="section-title">
          Live events
        </h2>
        <span className={`live-state live-${live.connection}`} data-testid="connection-state" role="status">
          <span className="dot" aria-hidden="true" />
          {live.connection === 'connected' ? 'connected' : `${live.connection}…`}
        </span>
      </div>
      <div className="filters">
        <label>
          Topic
          <select
            value={topic ?? 'all'}
            onChange={(event) => {
              setFrozen(undefined);
              setTopic(event.target.value === 'all' ? undefined : (event.target.value as EventTopic));
            }}
          >
            <option value="all">all topics</option>
            {EVENT_TOPICS.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="button"
          aria-pressed={frozen !== undefined}
          onClick={() => setFrozen(frozen === undefined ? live.events : undefined)}
        >
          {frozen === undefined ? 'Pause' : `Resume${held > 0 ? ` (${held} new)` : ''}`}
        </button>
        <p className="muted small" data-testid="event-count">
          {shown.length === 0
            ? 'No events yet: they appear here as they are published.'
            : `${shown.length} event${shown.length === 1 ? '' : 's'}, newest first (the latest ${MAX_ROWS} are kept)`}
          {frozen !== undefined && ' · paused'}
        </p>
      </div>
      <div className="table-wrap events-scroll">
        <table className="events-table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Topic</th>
              <th scope="col">Type</th>
              <th scope="col">Key</th>
              <th scope="col">Data</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((event) => (
              <tr
                key={event.id}
                className={rowClass(event)}
                data-testid="event-row"
                data-topic={event.topic}
                data-id={event.id}
              >
                <td title={event.time}>{formatTime(event.time)}</td>
                <td>
                  <span className={topicBadge(event.topic)}>{event.topic}</span>
                </td>
                <td title={`from ${event.source} · partition ${event.partition} · offset ${event.offset}`}>
                  {event.type}
                </td>
                <td className="mono">{event.key}</td>
                <td className="event-data-cell">
                  <EventData data={event.data} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

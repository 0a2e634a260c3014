import { type FormEvent, Fragment, useEffect, useState } from 'react';
import { Link } from 'react-router';
import {
  type AutomationAction,
  type AutomationInfo,
  type AutomationsReport,
  type BusEvent,
  type DriftTrigger,
  EVENT_TOPICS,
  type EventTopic,
  eventStreamUrl,
  fetchAutomations,
  fetchEventConsumers,
  fetchModelInfo,
  type OverloadTrigger,
  reportDrift,
  reportOverload,
} from '../api/client';
import { usePolling } from '../api/use-polling';

/** The live list keeps this many events, newest first. */
const MAX_ROWS = 200;
const REPLAY = 50;
const DEFAULT_PIPELINE = 'movie_training_pipeline';
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

function formatTime(iso: string): string {
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

function outcomeBadge(outcome: AutomationAction['outcome']): string {
  if (outcome === 'applied') return 'badge badge-up';
  if (outcome === 'triggered') return 'badge badge-running';
  if (outcome === 'failed') return 'badge badge-down';
  return 'badge badge-unknown';
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

function LiveEvents() {
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

type FormResult = { ok: boolean; text: string; eventId?: string };

function ResultLine({ result, testId }: { result: FormResult | undefined; testId: string }) {
  if (result === undefined) return null;
  return (
    <p
      className={`form-result ${result.ok ? 'banner-ok' : 'banner-error'}`}
      role={result.ok ? 'status' : 'alert'}
      data-testid={testId}
    >
      {result.eventId !== undefined && (
        <>
          Event <span className="mono">{result.eventId}</span>{' '}
        </>
      )}
      {result.text}
    </p>
  );
}

function DriftForm() {
  const [champion, setChampion] = useState<string>();
  const [form, setForm] = useState({
    model_name: 'movie_predictor',
    model_version: undefined as string | undefined,
    drift_score: '0.8',
    threshold: '0.5',
    drift_type: 'data' as DriftTrigger['drift_type'],
  });
  const [result, setResult] = useState<FormResult>();
  useEffect(() => {
    fetchModelInfo()
      .then((info) => setChampion(info.champion?.version))
      .catch(() => undefined);
  }, []);
  const version = form.model_version ?? champion ?? '1';
  const submit = (event: FormEvent) => {
    event.preventDefault();
    reportDrift({
      model_name: form.model_name,
      model_version: version,
      drift_score: Number.parseFloat(form.drift_score),
      threshold: Number.parseFloat(form.threshold),
      drift_type: form.drift_type,
    })
      .then((answer) =>
        setResult({
          ok: true,
          eventId: answer.event_id,
          text: `accepted on ${answer.topic}: ${
            answer.alert_triggered
              ? 'above its threshold, so retrain_on_drift decides whether to retrain.'
              : 'not above its threshold, so nothing retrains.'
          }`,
        }),
      )
      .catch((failure: Error) => setResult({ ok: false, text: failure.message }));
  };
  return (
    <article className="panel" aria-labelledby="drift-form-title">
      <h2 id="drift-form-title" className="panel-title">
        Report drift
      </h2>
      <p className="muted small">
        Publishes <span className="mono">model.drift_detected</span> on model-drift-alerts.
      </p>
      <form className="event-form" onSubmit={submit}>
        <label className="span-2">
          Model
          <input
            value={form.model_name}
            onChange={(event) => setForm({ ...form, model_name: event.target.value })}
          />
        </label>
        <label>
          Version
          <input
            value={version}
            onChange={(event) => setForm({ ...form, model_version: event.target.value })}
          />
        </label>
        <ChoiceField
          label="Drift type"
          value={form.drift_type}
          options={['data', 'prediction', 'concept', 'feature']}
          onChange={(choice) => setForm({ ...form, drift_type: choice as DriftTrigger['drift_type'] })}
        />
        <NumberField
          label="Drift score"
          value={form.drift_score}
          onChange={(drift_score) => setForm({ ...form, drift_score })}
        />
        <NumberField
          label="Threshold"
          value={form.threshold}
          onChange={(threshold) => setForm({ ...form, threshold })}
        />
        <button className="button button-primary" type="submit">
          Report drift
        </button>
      </form>
      <ResultLine result={result} testId="drift-result" />
    </article>
  );
}

/** A labelled number input; the form keeps the text as typed and parses it on submit. */
function NumberField(props: { label: string; value: string; onChange: (value: string) => void }) {
  return (
    <label>
      {props.label}
      <input
        type="number"
        step="any"
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      />
    </label>
  );
}

function ChoiceField(props: {
  label: string;
  value: string;
  options: readonly string[];
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(event) => props.onChange(event.target.value)}>
        {props.options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
}

function OverloadForm() {
  const [form, setForm] = useState({
    service_name: 'api',
    metric: 'cpu' as OverloadTrigger['metric'],
    value: '95',
    threshold: '80',
  });
  const [result, setResult] = useState<FormResult>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    reportOverload({
      service_name: form.service_name,
      metric: form.metric,
      value: Number.parseFloat(form.value),
      threshold: Number.parseFloat(form.threshold),
    })
      .then((answer) =>
        setResult({
          ok: true,
          eventId: answer.event_id,
          text: `accepted on ${answer.topic}: ${answer.overloaded ? 'over' : 'not over'} its threshold.`,
        }),
      )
      .catch((failure: Error) => setResult({ ok: false, text: failure.message }));
  };
  return (
    <article className="panel" aria-labelledby="overload-form-title">
      <h2 id="overload-form-title" className="panel-title">
        Report overload
      </h2>
      <p className="muted small">
        Publishes <span className="mono">system.overload</span> on system-health.
      </p>
      <form className="event-form" onSubmit={submit}>
        <label>
          Service
          <input
            value={form.service_name}
            onChange={(event) => setForm({ ...form, service_name: event.target.value })}
          />
        </label>
        <ChoiceField
          label="Metric"
          value={form.metric}
          options={['cpu', 'latency', 'queue_depth', 'memory', 'error_rate']}
          onChange={(choice) => setForm({ ...form, metric: choice as OverloadTrigger['metric'] })}
        />
        <NumberField label="Value" value={form.value} onChange={(value) => setForm({ ...form, value })} />
        <NumberField
          label="Threshold"
          value={form.threshold}
          onChange={(threshold) => setForm({ ...form, threshold })}
        />
        <button className="button button-primary" type="submit">
          Report overload
        </button>
      </form>
      <ResultLine result={result} testId="overload-result" />
    </article>
  );
}

function ConsumerLagPanel() {
  const { data, error } = usePolling(fetchEventConsumers, 5000);
  return (
    <article className="panel" aria-labelledby="lag-title" data-testid="consumer-lag">
      <h2 id="lag-title" className="panel-title">
        Consumer lag
      </h2>
      {error && !data && <p className="muted small">{error.message}</p>}
      {data && (
        <>
          <p className="muted small">
            {data.backend} bus · <span className="mono">{data.location}</span>
          </p>
          {data.consumers.length === 0 ? (
            <p className="muted small">No automation consumes events.</p>
          ) : (
            <table className="lag-table">
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">Topic</th>
                  <th scope="col">Lag</th>
                </tr>
              </thead>
              <tbody>
                {data.consumers.map((consumer) => (
                  <tr key={`${consumer.group}/${consumer.topic}`} data-testid="consumer-row">
                    <td className="mono">{consumer.group}</td>
                    <td>{consumer.topic}</td>
                    <td className={consumer.lag > 0 ? 'lag-behind' : undefined}>
                      {consumer.lag.toLocaleString()}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </article>
  );
}

function AutomationCard({ automation }: { automation: AutomationInfo }) {
  const settings = Object.entries(automation.settings);
  return (
    <div className="card automation-card" data-testid="automation-card">
      <div className="card-head">
        <h3 className="mono">{automation.name}</h3>
        <span className={`badge ${automation.isRunning ? 'badge-up' : 'badge-unknown'}`}>
          {automation.isRunning ? 'running' : 'not running'}
        </span>
      </div>
      <p className="small">{automation.description}</p>
      <dl>
        <dt>Listens to</dt>
        <dd>{automation.topics.join(', ')}</dd>
        <dt>Group</dt>
        <dd className="mono">{automation.group}</dd>
        {settings.map(([name, value]) => (
          <Fragment key={name}>
            <dt>{name.replaceAll('_', ' ')}</dt>
            <dd className="mono">{String(value)}</dd>
          </Fragment>
        ))}
      </dl>
    </div>
  );
}

/** Load shedding and switched-off automations, above everything: they change what the events lead to. */
function AutomationBanners({
  data,
  error,
}: {
  data: AutomationsReport | undefined;
  error: Error | undefined;
}) {
  return (
    <>
      {error && !data && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load the automations.</strong> {error.message}
        </div>
      )}
      {data?.load_shedding.active && (
        <div className="banner banner-warn" role="status" data-testid="load-shedding">
          <strong>Shedding load</strong>
          {data.load_shedding.until !== null &&
            ` until ${new Date(data.load_shedding.until).toLocaleTimeString()}`}
          : new pipeline runs are held back ({data.load_shedding.reason}).
        </div>
      )}
      {data && !data.is_enabled && (
        <div className="banner banner-warn" role="status">
          Automations are off (<span className="mono">MLOPS_AUTOMATIONS=false</span>): events are published
          and shown, but nothing acts on them.
        </div>
      )}
    </>
  );
}

function AutomationsSection({ data }: { data: AutomationsReport }) {
  const pipelineOf = (automation: string) => {
    const pipeline = data.automations.find((item) => item.name === automation)?.settings.pipeline;
    return typeof pipeline === 'string' ? pipeline : DEFAULT_PIPELINE;
  };
  return (
    <>
      {data.automations.length > 0 && (
        <section aria-labelledby="automations-title">
          <h2 id="automations-title" className="section-title">
            Automations
          </h2>
          <div className="automation-grid">
            {data.automations.map((automation) => (
              <AutomationCard key={automation.name} automation={automation} />
            ))}
          </div>
        </section>
      )}
      <section aria-labelledby="actions-title">
        <h2 id="actions-title" className="section-title">
          What they did
        </h2>
        {data.actions.length === 0 ? (
          <p className="muted">No automation has acted yet.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Automation</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Event</th>
                  <th scope="col">Detail</th>
                  <th scope="col">Run</th>
                </tr>
              </thead>
              <tbody>
                {data.actions.map((action) => (
                  <tr key={action.action_id} data-testid="action-row" data-automation={action.automation}>
                    <td title={action.created_at}>{formatTime(action.created_at)}</td>
                    <td className="mono">{action.automation}</td>
                    <td>
                      <span className={outcomeBadge(action.outcome)}>{action.outcome}</span>
                    </td>
                    <td title={action.event_id}>
                      {action.event_type}
                      <div className="muted small mono">{action.event_id.slice(0, 8)}</div>
                    </td>
                    <td className="wrap">{action.detail}</td>
                    <td>
                      {action.run_id === null ? (
                        '—'
                      ) : (
                        <Link
                          to={`/pipelines/${encodeURIComponent(pipelineOf(action.automation))}`}
                          className="mono"
                          title={`${pipelineOf(action.automation)} run ${action.run_id}`}
                        >
                          {action.run_id}
                        </Link>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

/** Stage 9: the event stream as it happens, the automations that act on it, and a way to try the loop. */
export function EventsPage() {
  const automations = usePolling(fetchAutomations, 3000);
  return (
    <section className="page" aria-labelledby="events-title">
      <div className="page-head">
        <div>
          <h1 id="events-title">Events</h1>
          <p className="muted">
            What flows through the event bus, live, and what the automations did with it: drift starts a
            retrain, an overload sheds load, an interaction personalises at once.
          </p>
        </div>
      </div>
      <AutomationBanners data={automations.data} error={automations.error} />
      <LiveEvents />
      <div className="dashboard-grid events-tools">
        <DriftForm />
        <OverloadForm />
        <ConsumerLagPanel />
      </div>
      {automations.data && <AutomationsSection data={automations.data} />}
    </section>
  );
}

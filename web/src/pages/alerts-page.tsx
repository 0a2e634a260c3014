import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import {
  type AlertRuleState,
  createSilence,
  expireSilence,
  fetchAlertRules,
  fetchAlertsAnswer,
  fetchSilences,
} from '../api/monitoring-client';
import { usePolling } from '../api/use-polling';
import { type ActionOutcome, ActionResult } from '../components/action-result';
import { formatTime } from '../components/time';

const REFRESH_MS = 5000;
const DURATIONS = [
  { minutes: 60, label: '1 hour' },
  { minutes: 240, label: '4 hours' },
  { minutes: 1440, label: '1 day' },
  { minutes: 10_080, label: '1 week' },
] as const;

const STATE_BADGE: Record<AlertRuleState['state'], string> = {
  normal: 'badge-up',
  pending: 'badge-pending',
  firing: 'badge-down',
};

const runbookHref = (runbook: string) => `/runbook${runbook.slice(runbook.indexOf('#'))}`;
const formatValue = (value: number) =>
  Number.isInteger(value) ? String(value) : Math.abs(value) < 1 ? value.toFixed(3) : value.toFixed(2);

/** Silences one rule until a chosen end, with a reason. */
function SilenceForm({ rule, onDone }: { rule: string; onDone: (outcome: ActionOutcome) => void }) {
  const [duration, setDuration] = useState<string>(String(DURATIONS[0].minutes));
  const [until, setUntil] = useState('');
  const [reason, setReason] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const endsAt = duration === 'until' ? new Date(until) : new Date(Date.now() + Number(duration) * 60_000);
    createSilence({ alert_name: rule, reason, ends_at: endsAt.toISOString() })
      .then((silence) =>
        onDone({ kind: 'done', message: `${rule} silenced until ${formatTime(silence.ends_at)}.` }),
      )
      .catch((error: Error) => onDone({ kind: 'failed', error }));
  };
  return (
    <form className="silence-form" onSubmit={submit} data-testid="silence-form">
      <strong>Silence {rule}</strong>
      <label>
        For
        <select value={duration} onChange={(event) => setDuration(event.target.value)}>
          {DURATIONS.map((option) => (
            <option key={option.minutes} value={option.minutes}>
              {option.label}
            </option>
          ))}
          <option value="until">until…</option>
        </select>
      </label>
      {duration === 'until' && (
        <label>
          Ends (local time)
          <input
            type="datetime-local"
            required
            value={until}
            onChange={(event) => setUntil(event.target.value)}
          />
        </label>
      )}
      <label>
        Reason
        <input
          required
          value={reason}
          placeholder="why nobody should be paged"
          onChange={(event) => setReason(event.target.value)}
        />
      </label>
      <button type="submit" className="button button-primary">
        Silence
      </button>
    </form>
  );
}

/** Every alert rule with its state, the silences, and the history of firings and resolutions. */
export function AlertsPage() {
  const history = usePolling(fetchAlertsAnswer, REFRESH_MS);
  const rules = usePolling(fetchAlertRules, REFRESH_MS);
  const silences = usePolling(fetchSilences, REFRESH_MS);
  const [silencing, setSilencing] = useState<string>();
  const [outcome, setOutcome] = useState<ActionOutcome>();
  const done = (result: ActionOutcome) => {
    setOutcome(result);
    if (result.kind === 'done') setSilencing(undefined);
    rules.refresh();
    silences.refresh();
  };
  const end = (silenceId: string) =>
    expireSilence(silenceId)
      .then((silence) => done({ kind: 'done', message: `The silence of ${silence.alert_name} ended.` }))
      .catch((error: Error) => done({ kind: 'failed', error }));
  const firing = history.data?.firing ?? [];
  const shedding = history.data?.load_shedding;
  const error = history.error ?? rules.error;

  return (
    <section className="page" aria-labelledby="alerts-title">
      <div className="page-head">
        <div>
          <h1 id="alerts-title">Alerts</h1>
          <p className="muted">
            The alert rules evaluated in the server (the same as deploy/prometheus/rules), their state now,
            silences, and every firing and resolution. Each rule links its <Link to="/runbook">runbook</Link>{' '}
            entry.
          </p>
        </div>
      </div>
      {error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load alerts.</strong> {error.message}
        </div>
      )}
      {history.data && (
        <div
          className={`banner ${firing.length > 0 ? 'banner-error' : shedding?.active ? 'banner-warn' : 'banner-ok'}`}
          data-testid="alerts-summary"
        >
          {firing.length === 0
            ? 'Nothing is firing.'
            : `${firing.length} firing: ${firing.map((alert) => alert.name).join(', ')}`}
          {shedding?.active && ` Load is being shed until ${formatTime(shedding.until)}: ${shedding.reason}.`}
        </div>
      )}
      <ActionResult outcome={outcome} testId="alerts-action" />

      <h2 className="section-title">Rules</h2>
      {silencing !== undefined && <SilenceForm rule={silencing} onDone={done} />}
      {rules.data && (
        <div className="table-wrap">
          <table className="cards">
            <thead>
              <tr>
                <th scope="col">State</th>
                <th scope="col">Rule</th>
                <th scope="col">Expression</th>
                <th scope="col">Threshold</th>
                <th scope="col">Value now</th>
                <th scope="col">Firing since</th>
                <th scope="col">Silence</th>
              </tr>
            </thead>
            <tbody>
              {rules.data.rules.map((rule) => (
                <tr key={rule.name} data-testid="rule-row" data-rule={rule.name} data-state={rule.state}>
                  <td data-label="State">
                    <span className={`badge ${STATE_BADGE[rule.state]}`}>{rule.state}</span>{' '}
                    {rule.is_silenced && <span className="badge badge-neutral">silenced</span>}
                  </td>
                  <td className="wrap">
                    <strong>{rule.name}</strong> <span className="muted small">{rule.severity}</span>
                    <div className="muted small">
                      {rule.summary} · <Link to={runbookHref(rule.runbook)}>runbook</Link>
                    </div>
                  </td>
                  <td className="wrap small" data-label="Expression">
                    {rule.expression}
                  </td>
                  <td className="mono nowrap" data-label="Threshold">
                    {rule.threshold}
                    {rule.for_seconds > 0 ? ` for ${rule.for_seconds / 60} min` : ''}
                  </td>
                  <td className="wrap" data-label="Value now">
                    <strong className="mono">{formatValue(rule.value)}</strong>
                    <div className="muted small">{rule.description}</div>
                  </td>
                  <td data-label="Firing since">{formatTime(rule.firing_since)}</td>
                  <td>
                    <button
                      type="button"
                      className="link-button"
                      onClick={() => setSilencing(silencing === rule.name ? undefined : rule.name)}
                    >
                      {silencing === rule.name ? 'Cancel' : 'Silence…'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2 className="section-title">Silences</h2>
      {silences.data && silences.data.silences.length === 0 && (
        <p className="muted">
          No silence. A silenced alert still fires and is recorded, but no notification goes out.
        </p>
      )}
      {silences.data && silences.data.silences.length > 0 && (
        <div className="table-wrap">
          <table className="cards">
            <thead>
              <tr>
                <th scope="col">State</th>
                <th scope="col">Alert</th>
                <th scope="col">Reason</th>
                <th scope="col">By</th>
                <th scope="col">Ends</th>
                <th scope="col">
                  <span className="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {silences.data.silences.map((silence) => (
                <tr key={silence.silence_id} data-testid="silence-row">
                  <td data-label="State">
                    <span className={`badge ${silence.is_active ? 'badge-pending' : 'badge-neutral'}`}>
                      {silence.is_active ? 'active' : 'ended'}
                    </span>
                  </td>
                  <td data-label="Alert">{silence.alert_name}</td>
                  <td className="wrap" data-label="Reason">
                    {silence.reason}
                  </td>
                  <td data-label="By">{silence.created_by}</td>
                  <td data-label={silence.expired_at === null ? 'Ends' : 'Ended'}>
                    {formatTime(silence.expired_at ?? silence.ends_at)}
                  </td>
                  <td>
                    {silence.is_active && (
                      <button type="button" className="link-button" onClick={() => end(silence.silence_id)}>
                        End now
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2 className="section-title">History</h2>
      {history.data && history.data.alerts.length === 0 && <p className="muted">Nothing has fired yet.</p>}
      {history.data && history.data.alerts.length > 0 && (
        <div className="table-wrap">
          <table className="cards">
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
              {history.data.alerts.map((alert) => (
                <tr key={alert.alert_id} data-testid="alert-row">
                  <td data-label="Status">
                    <span className={`badge ${alert.status === 'firing' ? 'badge-down' : 'badge-neutral'}`}>
                      {alert.status}
                    </span>
                  </td>
                  <td className="wrap">
                    <strong>{alert.name}</strong>
                    <div className="muted small">
                      {alert.summary} · runbook{' '}
                      <Link className="mono" to={runbookHref(alert.runbook)}>
                        {alert.runbook}
                      </Link>
                    </div>
                  </td>
                  <td data-label="Severity">{alert.severity}</td>
                  <td className="wrap" data-label="What">
                    {alert.description}
                  </td>
                  <td data-label="Started">{formatTime(alert.started_at)}</td>
                  <td data-label="Resolved">{formatTime(alert.resolved_at)}</td>
                  <td data-label="Webhook">{alert.notified ? 'sent' : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

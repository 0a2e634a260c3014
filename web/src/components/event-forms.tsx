/** The Events page's forms that publish a drift report or an overload, to try the closed loop by hand. */
import { type FormEvent, useEffect, useState } from 'react';
import {
  type DriftTrigger,
  fetchModelInfo,
  type OverloadTrigger,
  reportDrift,
  reportOverload,
} from '../api/client';

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

export function DriftForm() {
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

export function OverloadForm() {
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

import { type FormEvent, useEffect, useState } from 'react';
import type { DagRun } from '../api/client';
import { triggerDag } from '../api/client';
import { type DagParam, fetchDagDetails } from '../api/pipelines-client';

type Values = Record<string, string | boolean | string[]>;

const typeOf = (param: DagParam): string => {
  const type = param.schema.type;
  return Array.isArray(type) ? (type.find((item) => item !== 'null') ?? 'string') : (type ?? 'string');
};

/** The field's starting text from the parameter's default. */
function initial(param: DagParam): string | boolean | string[] {
  const type = typeOf(param);
  if (type === 'boolean') return param.value === true;
  if (type === 'array' && param.schema.items?.enum !== undefined)
    return Array.isArray(param.value) ? param.value.map(String) : [];
  if (param.value === null || param.value === undefined) return '';
  if (type === 'object' || type === 'array') return JSON.stringify(param.value);
  return String(param.value);
}

/** Typed conf from the fields: empty optional fields are left out, so the server's defaults apply. */
export function confOf(params: Record<string, DagParam>, values: Values): Record<string, unknown> {
  const conf: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(params)) {
    const value = values[name];
    const type = typeOf(param);
    if (typeof value === 'boolean') conf[name] = value;
    else if (Array.isArray(value)) {
      if (value.length > 0) conf[name] = value;
    } else if (value === undefined || value.trim() === '') continue;
    else if (type === 'integer' || type === 'number') conf[name] = Number(value);
    else if (type === 'object' || type === 'array') {
      try {
        conf[name] = JSON.parse(value);
      } catch {
        throw new Error(`${name} is not JSON`);
      }
    } else conf[name] = value;
  }
  return conf;
}

/**
 * The trigger form of a pipeline, generated from its parameters (Airflow's `params`): a select for allowed
 * values, a checkbox for a flag, a number field with its bounds, JSON for objects, each with its default.
 * A pipeline without declared parameters gets one JSON field.
 */
export function TriggerForm(props: {
  dagId: string;
  onTriggered: (run: DagRun) => void;
  onError: (message: string) => void;
}) {
  const [params, setParams] = useState<Record<string, DagParam>>();
  const [values, setValues] = useState<Values>({});
  const [json, setJson] = useState('{}');
  const [isSending, setIsSending] = useState(false);

  useEffect(() => {
    fetchDagDetails(props.dagId)
      .then((details) => {
        setParams(details.params);
        setValues(Object.fromEntries(Object.entries(details.params).map(([name, p]) => [name, initial(p)])));
      })
      .catch(() => setParams({}));
  }, [props.dagId]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    let conf: Record<string, unknown>;
    try {
      conf =
        params === undefined || Object.keys(params).length === 0
          ? (JSON.parse(json) as Record<string, unknown>)
          : confOf(params, values);
    } catch (error) {
      props.onError(`conf is not JSON: ${(error as Error).message}`);
      return;
    }
    setIsSending(true);
    triggerDag(props.dagId, conf)
      .then(props.onTriggered)
      .catch((failure: Error) => props.onError(failure.message))
      .finally(() => setIsSending(false));
  };

  if (params === undefined) return <p className="muted small">Loading the run parameters…</p>;
  const set = (name: string, value: string | boolean | string[]) =>
    setValues((known) => ({ ...known, [name]: value }));
  const entries = Object.entries(params);
  return (
    <form className="trigger-form" onSubmit={submit} data-testid="trigger-form">
      {entries.length === 0 ? (
        <label className="trigger-field trigger-json">
          Run parameters (conf, JSON)
          <textarea
            value={json}
            onChange={(event) => setJson(event.target.value)}
            rows={2}
            spellCheck={false}
          />
        </label>
      ) : (
        entries.map(([name, param]) => {
          const type = typeOf(param);
          const value = values[name];
          const hint = [
            param.description,
            param.schema.minimum !== undefined && param.schema.minimum > -1e15
              ? `≥ ${param.schema.minimum}`
              : null,
            param.schema.maximum !== undefined && param.schema.maximum < 1e15
              ? `≤ ${param.schema.maximum}`
              : null,
            param.schema.required === true ? 'required' : param.value === null ? 'optional' : null,
          ]
            .filter(Boolean)
            .join(' · ');
          const label = (
            <span className="trigger-name">
              <span className="mono">{name}</span>
              {hint && <span className="muted small"> {hint}</span>}
            </span>
          );
          if (type === 'boolean')
            return (
              <label key={name} className="trigger-field trigger-check">
                <input
                  type="checkbox"
                  checked={value === true}
                  onChange={(event) => set(name, event.target.checked)}
                />
                {label}
              </label>
            );
          if (param.schema.enum !== undefined)
            return (
              <label key={name} className="trigger-field">
                {label}
                <select value={String(value)} onChange={(event) => set(name, event.target.value)}>
                  {param.value === null && <option value="">(default)</option>}
                  {param.schema.enum.map((option) => (
                    <option key={String(option)} value={String(option)}>
                      {String(option)}
                    </option>
                  ))}
                </select>
              </label>
            );
          if (type === 'array' && param.schema.items?.enum !== undefined) {
            const chosen = Array.isArray(value) ? value : [];
            return (
              <fieldset key={name} className="trigger-field trigger-many">
                <legend>{label}</legend>
                {param.schema.items.enum.map((option) => (
                  <label key={String(option)} className="trigger-check">
                    <input
                      type="checkbox"
                      checked={chosen.includes(String(option))}
                      onChange={(event) =>
                        set(
                          name,
                          event.target.checked
                            ? [...chosen, String(option)]
                            : chosen.filter((item) => item !== String(option)),
                        )
                      }
                    />
                    {String(option)}
                  </label>
                ))}
              </fieldset>
            );
          }
          const isNumber = type === 'integer' || type === 'number';
          return (
            <label key={name} className="trigger-field">
              {label}
              <input
                type={isNumber ? 'number' : 'text'}
                className={type === 'object' || type === 'array' ? 'mono' : undefined}
                value={String(value ?? '')}
                step={type === 'integer' ? 1 : 'any'}
                {...(isNumber && param.schema.minimum !== undefined && param.schema.minimum > -1e15
                  ? { min: param.schema.minimum }
                  : {})}
                {...(isNumber && param.schema.maximum !== undefined && param.schema.maximum < 1e15
                  ? { max: param.schema.maximum }
                  : {})}
                required={param.schema.required === true}
                onChange={(event) => set(name, event.target.value)}
              />
            </label>
          );
        })
      )}
      <button className="button button-primary" type="submit" disabled={isSending}>
        Trigger
      </button>
    </form>
  );
}

import { useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { type Experiment, fetchExperiments, type RunSummary, searchRuns } from '../api/client';

const COLUMNS: [string, string][] = [
  ['ndcg_at_10', 'NDCG@10'],
  ['recall_at_10', 'Recall@10'],
  ['train_seconds', 'Train s'],
];

/**
 * Experiment runs: pick an experiment, filter with MLflow's syntax, select runs and compare them. The URL
 * keeps the experiment and the filter.
 */
export function RunsPage() {
  const [params, setParams] = useSearchParams();
  const [experiments, setExperiments] = useState<Experiment[]>();
  const [runs, setRuns] = useState<RunSummary[]>();
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<string[]>([]);
  const filter = params.get('filter') ?? '';
  const [draft, setDraft] = useState(filter);
  const experimentId =
    params.get('experiment') ??
    experiments?.find((entry) => entry.name === 'movie-recommender')?.experiment_id ??
    experiments?.[0]?.experiment_id;

  useEffect(() => {
    fetchExperiments()
      .then((answer) => setExperiments(answer.experiments ?? []))
      .catch((failure: Error) => setError(failure.message));
  }, []);

  useEffect(() => {
    if (experimentId === undefined) return;
    searchRuns([experimentId], filter)
      .then((answer) => {
        setRuns(answer.runs ?? []);
        setError(undefined);
      })
      .catch((failure: Error) => setError(failure.message));
  }, [experimentId, filter]);

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next);
  };
  const toggle = (runId: string) =>
    setSelected((current) =>
      current.includes(runId) ? current.filter((id) => id !== runId) : [...current, runId],
    );
  const metricOf = useMemo(
    () => (run: RunSummary, key: string) => run.data.metrics?.find((metric) => metric.key === key)?.value,
    [],
  );

  return (
    <section className="page" aria-labelledby="runs-title">
      <div className="page-head">
        <div>
          <h1 id="runs-title">Runs</h1>
          <p className="muted">{runs ? `${runs.length} runs` : 'Loading runs…'}</p>
        </div>
        <Link
          className={`button ${selected.length < 2 ? 'disabled-link' : 'button-primary'}`}
          aria-disabled={selected.length < 2}
          to={selected.length < 2 ? '#' : `/runs/compare?ids=${selected.join(',')}`}
        >
          Compare {selected.length > 0 ? `(${selected.length})` : ''}
        </Link>
      </div>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          update({ filter: draft });
        }}
      >
        <label>
          Experiment
          <select value={experimentId ?? ''} onChange={(event) => update({ experiment: event.target.value })}>
            {experiments?.map((experiment) => (
              <option key={experiment.experiment_id} value={experiment.experiment_id}>
                {experiment.name}
              </option>
            ))}
          </select>
        </label>
        <label className="grow">
          Filter
          <input
            value={draft}
            placeholder="metrics.ndcg_at_10 > 0.1 and params.algorithm = 'als'"
            onChange={(event) => setDraft(event.target.value)}
          />
        </label>
        <button type="submit" className="button">
          Apply
        </button>
      </form>
      {error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load runs.</strong> {error}
        </div>
      )}
      {runs && runs.length === 0 && <p className="muted">No run matches.</p>}
      {runs && runs.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Select</span>
                </th>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Algorithm</th>
                {COLUMNS.map(([, label]) => (
                  <th scope="col" key={label}>
                    {label}
                  </th>
                ))}
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.info.run_id} data-testid="run-row">
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${run.info.run_name}`}
                      checked={selected.includes(run.info.run_id)}
                      onChange={() => toggle(run.info.run_id)}
                    />
                  </td>
                  <td>
                    <Link to={`/runs/compare?ids=${run.info.run_id}`}>{run.info.run_name}</Link>
                  </td>
                  <td>
                    <span className={`badge ${run.info.status === 'FINISHED' ? 'badge-up' : 'badge-down'}`}>
                      {run.info.status.toLowerCase()}
                    </span>
                  </td>
                  <td>{run.data.params?.find((param) => param.key === 'algorithm')?.value ?? '—'}</td>
                  {COLUMNS.map(([key]) => (
                    <td key={key} className="mono">
                      {metricOf(run, key)?.toFixed(key === 'train_seconds' ? 2 : 4) ?? '—'}
                    </td>
                  ))}
                  <td>{new Date(run.info.start_time).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { type Experiment, fetchExperiments, type RunSummary } from '../api/client';
import { deleteRun, restoreRun, searchRunsByView } from '../api/tracking-client';
import { saveBlob } from '../components/artifact-browser';
import { formatDuration, formatValue, StatusBadge } from '../components/run-format';
import { formatTime } from '../components/time';
import { useCan } from '../components/use-role';
import { ColumnChooser, FilterBox } from './runs-controls';
import '../styles-tracking.css';
import {
  BUILT_IN,
  type BuiltIn,
  type Column,
  builtInValueOf as cellOfBuiltIn,
  cellValue,
  columnId,
  compareValues,
  namesOf,
  parseColumnId,
  suggestionsFor,
  toCsv,
} from './runs-table';

const DEFAULT_COLUMNS = [
  'params.algorithm',
  'metrics.ndcg_at_10',
  'metrics.recall_at_10',
  'metrics.train_seconds',
];
const COLUMNS_KEY = 'mlops.runs.columns';
const STATUSES = ['FINISHED', 'RUNNING', 'FAILED', 'KILLED', 'SCHEDULED'];
const SINCE: [string, string, number][] = [
  ['', 'Any time', 0],
  ['1h', 'Last hour', 3_600_000],
  ['24h', 'Last 24 hours', 86_400_000],
  ['7d', 'Last 7 days', 7 * 86_400_000],
  ['30d', 'Last 30 days', 30 * 86_400_000],
];
const BUILT_IN_LABELS: Record<BuiltIn, string> = {
  run: 'Run',
  status: 'Status',
  started: 'Started',
  duration: 'Duration',
};

function storedColumns(): string[] {
  try {
    const saved = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null') as unknown;
    return Array.isArray(saved)
      ? saved.filter((item): item is string => typeof item === 'string')
      : DEFAULT_COLUMNS;
  } catch {
    return DEFAULT_COLUMNS;
  }
}

/**
 * Experiment runs, as MLflow's table: sortable columns, a column chooser over every metric, param and tag,
 * a filter in MLflow's syntax with name completion, status and start-time filters, deleted runs to
 * restore, CSV of what is shown, and compare. The URL keeps the experiment, filters and sort.
 */
export function RunsPage() {
  const [params, setParams] = useSearchParams();
  const [experiments, setExperiments] = useState<Experiment[]>();
  const [runs, setRuns] = useState<RunSummary[]>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [selected, setSelected] = useState<string[]>([]);
  const [chosen, setChosen] = useState<string[]>(storedColumns);
  const filter = params.get('filter') ?? '';
  const [draft, setDraft] = useState(filter);
  const [isSuggesting, setIsSuggesting] = useState(false);
  const status = params.get('status') ?? '';
  const since = params.get('since') ?? '';
  const view = params.get('view') === 'deleted' ? 'deleted' : 'active';
  const sort = params.get('sort') ?? 'started';
  const isDescending = (params.get('order') ?? 'desc') === 'desc';
  const isAdmin = useCan('admin');
  const experimentId =
    params.get('experiment') ??
    experiments?.find((entry) => entry.name === 'movie-recommender')?.experiment_id ??
    experiments?.[0]?.experiment_id;

  useEffect(() => {
    fetchExperiments()
      .then((answer) => setExperiments(answer.experiments ?? []))
      .catch((failure: Error) => setError(failure.message));
  }, []);

  const load = useCallback(() => {
    if (experimentId === undefined) return;
    searchRunsByView([experimentId], filter, view === 'deleted' ? 'DELETED_ONLY' : 'ACTIVE_ONLY')
      .then((answer) => {
        setRuns(answer.runs ?? []);
        setError(undefined);
      })
      .catch((failure: Error) => setError(failure.message));
  }, [experimentId, filter, view]);
  useEffect(load, [load]);

  useEffect(() => {
    try {
      localStorage.setItem(COLUMNS_KEY, JSON.stringify(chosen));
    } catch {
      // Storage refused: the choice lasts as long as the page.
    }
  }, [chosen]);

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next);
  };
  const names = useMemo(() => namesOf(runs ?? []), [runs]);
  const columns = chosen
    .map(parseColumnId)
    .filter((column): column is Column => column !== undefined && names[column.kind].includes(column.key));
  const now = Date.now();
  const shown = useMemo(() => {
    const cutoff = SINCE.find(([key]) => key === since)?.[2] ?? 0;
    const kept = (runs ?? []).filter(
      (run) =>
        (status === '' || run.info.status === status) &&
        (cutoff === 0 || run.info.start_time >= Date.now() - cutoff),
    );
    const sortColumn = parseColumnId(sort);
    const valueFor = (run: RunSummary) =>
      sortColumn === undefined
        ? cellOfBuiltIn(
            run,
            (BUILT_IN as readonly string[]).includes(sort) ? (sort as BuiltIn) : 'started',
            Date.now(),
          )
        : cellValue(run, sortColumn);
    return [...kept].sort((a, b) => compareValues(valueFor(a), valueFor(b), isDescending));
  }, [runs, status, since, sort, isDescending]);
  const suggestions = isSuggesting ? suggestionsFor(draft, names) : [];

  const toggle = (runId: string) =>
    setSelected((current) =>
      current.includes(runId) ? current.filter((id) => id !== runId) : [...current, runId],
    );
  const sortBy = (key: string) => update({ sort: key, order: sort === key && isDescending ? 'asc' : 'desc' });
  const ariaSort = (key: string) => (sort === key ? (isDescending ? 'descending' : 'ascending') : undefined);
  const changeLifecycle = async () => {
    const ids = selected.filter((id) => shown.some((run) => run.info.run_id === id));
    try {
      for (const id of ids) await (view === 'deleted' ? restoreRun(id) : deleteRun(id));
      setNotice(
        `${view === 'deleted' ? 'Restored' : 'Deleted'} ${ids.length} run${ids.length === 1 ? '' : 's'}.`,
      );
      setSelected([]);
      load();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  const downloadCsv = () => {
    const header = [
      'run_name',
      'run_id',
      'status',
      'start_time',
      'duration_seconds',
      ...columns.map(columnId),
    ];
    const rows = shown.map((run) => [
      run.info.run_name,
      run.info.run_id,
      run.info.status,
      new Date(run.info.start_time).toISOString(),
      run.info.end_time ? (run.info.end_time - run.info.start_time) / 1000 : undefined,
      ...columns.map((column) => cellValue(run, column)),
    ]);
    saveBlob(new Blob([toCsv(header, rows)], { type: 'text/csv' }), `runs-${experimentId ?? 'all'}.csv`);
  };

  return (
    <section className="page" aria-labelledby="runs-title">
      <div className="page-head">
        <div>
          <h1 id="runs-title">Runs</h1>
          <p className="muted" data-testid="runs-count">
            {runs
              ? `${shown.length} of ${runs.length} ${view === 'deleted' ? 'deleted ' : ''}runs`
              : 'Loading runs…'}
          </p>
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
          setIsSuggesting(false);
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
        <FilterBox
          draft={draft}
          suggestions={suggestions}
          onDraft={(value, isTyping) => {
            setDraft(value);
            setIsSuggesting(isTyping);
          }}
        />
        <button type="submit" className="button">
          Apply
        </button>
        <label>
          Status
          <select value={status} onChange={(event) => update({ status: event.target.value })}>
            <option value="">Any status</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {value.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <label>
          Started
          <select value={since} onChange={(event) => update({ since: event.target.value })}>
            {SINCE.map(([key, label]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Show
          <select
            value={view}
            onChange={(event) => {
              setSelected([]);
              update({ view: event.target.value === 'deleted' ? 'deleted' : '' });
            }}
          >
            <option value="active">Active runs</option>
            <option value="deleted">Deleted runs</option>
          </select>
        </label>
      </form>
      {error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot do that.</strong> {error}
        </div>
      )}
      {notice && (
        <div className="banner banner-ok" role="status" data-testid="runs-notice">
          {notice}
        </div>
      )}
      <div className="runs-toolbar">
        <ColumnChooser names={names} chosen={chosen} count={columns.length} onChange={setChosen} />
        <button type="button" className="button" onClick={downloadCsv} disabled={shown.length === 0}>
          Download CSV
        </button>
        {isAdmin && (
          <button
            type="button"
            className="button"
            disabled={selected.length === 0}
            onClick={() => void changeLifecycle()}
          >
            {view === 'deleted' ? 'Restore' : 'Delete'} {selected.length > 0 ? `(${selected.length})` : ''}
          </button>
        )}
      </div>
      {runs && shown.length === 0 && <p className="muted">No run matches.</p>}
      {shown.length > 0 && (
        <div className="table-wrap">
          <table data-testid="runs-table">
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Select</span>
                </th>
                {BUILT_IN.map((key) => (
                  <th scope="col" key={key} aria-sort={ariaSort(key)}>
                    <button type="button" className="sort" onClick={() => sortBy(key)}>
                      {BUILT_IN_LABELS[key]} {sortMark(sort === key, isDescending)}
                    </button>
                  </th>
                ))}
                {columns.map((column) => {
                  const id = columnId(column);
                  return (
                    <th scope="col" key={id} aria-sort={ariaSort(id)} title={id}>
                      <button type="button" className="sort" onClick={() => sortBy(id)}>
                        {column.key} {sortMark(sort === id, isDescending)}
                      </button>
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {shown.map((run) => (
                <tr
                  key={run.info.run_id}
                  data-testid="run-row"
                  className={view === 'deleted' ? 'deleted' : undefined}
                >
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${run.info.run_name}`}
                      checked={selected.includes(run.info.run_id)}
                      onChange={() => toggle(run.info.run_id)}
                    />
                  </td>
                  <td>
                    <Link to={`/runs/${run.info.run_id}`}>{run.info.run_name || run.info.run_id}</Link>
                  </td>
                  <td>
                    <StatusBadge status={run.info.status} />
                  </td>
                  <td>{formatTime(run.info.start_time)}</td>
                  <td className="mono">{formatDuration((run.info.end_time || now) - run.info.start_time)}</td>
                  {columns.map((column) => {
                    const value = cellValue(run, column);
                    return (
                      <td key={columnId(column)} className="mono" data-column={columnId(column)}>
                        {value === undefined ? '—' : typeof value === 'number' ? formatValue(value) : value}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function sortMark(isSorted: boolean, isDescending: boolean): string {
  if (!isSorted) return '';
  return isDescending ? '↓' : '↑';
}

import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import {
  fetchArtifacts,
  fetchMetricHistory,
  fetchRun,
  type MetricPoint,
  type RunSummary,
} from '../api/client';
import { artifactUrl } from '../api/tracking-client';
import { DownloadLink } from '../components/artifact-browser';
import { ScatterPlot } from '../components/metric-chart';
import '../styles-tracking.css';

const COLOURS = ['#4f46e5', '#db2777', '#059669', '#d97706', '#0891b2', '#7c3aed'];

export interface Loaded {
  run: RunSummary;
  /** Metric key → its history, for metrics logged at more than one step. */
  histories: Record<string, MetricPoint[]>;
  artifacts: string[];
}

/** Runs side by side: parameters (differences marked), final metrics, charts of every stepped metric, artifacts. */
export function RunComparePage() {
  const [params] = useSearchParams();
  const idList = params.get('ids') ?? '';
  const ids = idList.split(',').filter(Boolean);
  const [loaded, setLoaded] = useState<Loaded[]>();
  const [error, setError] = useState<string>();
  const [isOnlyDifferences, setIsOnlyDifferences] = useState(false);

  useEffect(() => {
    Promise.all(idList.split(',').filter(Boolean).map(loadRun))
      .then((runs) => {
        setLoaded(runs);
        setError(undefined);
      })
      .catch((failure: Error) => setError(failure.message));
  }, [idList]);

  const paramKeys = [
    ...new Set(loaded?.flatMap((entry) => entry.run.data.params?.map((param) => param.key) ?? [])),
  ].sort();
  const metricKeys = [
    ...new Set(loaded?.flatMap((entry) => entry.run.data.metrics?.map((metric) => metric.key) ?? [])),
  ].sort();
  const chartKeys = [...new Set(loaded?.flatMap((entry) => Object.keys(entry.histories)))].sort();
  const paramOf = (entry: Loaded, key: string) =>
    entry.run.data.params?.find((param) => param.key === key)?.value;
  const metricOf = (entry: Loaded, key: string) =>
    entry.run.data.metrics?.find((metric) => metric.key === key)?.value;

  return (
    <section className="page" aria-labelledby="compare-title">
      <div className="page-head">
        <div>
          <h1 id="compare-title">{ids.length === 1 ? 'Run' : `Comparing ${ids.length} runs`}</h1>
          <p className="muted">
            <Link to="/runs">All runs</Link>
          </p>
        </div>
      </div>
      {ids.length === 0 && <p className="muted">No run chosen: select runs on the Runs page.</p>}
      {error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load the runs.</strong> {error}
        </div>
      )}
      {loaded && (
        <>
          {chartKeys.map((key) => (
            <figure key={key} className="chart" data-testid={`chart-${key}`}>
              <figcaption>{key} by step</figcaption>
              <ResponsiveContainer width="100%" height={240}>
                <LineChart data={chartRows(loaded, key)} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
                  <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
                  <XAxis dataKey="step" stroke="var(--muted)" />
                  <YAxis stroke="var(--muted)" domain={['auto', 'auto']} width={72} />
                  <Tooltip />
                  <Legend />
                  {loaded.map((entry, index) =>
                    entry.histories[key] === undefined ? null : (
                      <Line
                        key={entry.run.info.run_id}
                        type="monotone"
                        dataKey={entry.run.info.run_id}
                        name={entry.run.info.run_name}
                        stroke={COLOURS[index % COLOURS.length]}
                        dot={false}
                        isAnimationActive={false}
                      />
                    ),
                  )}
                </LineChart>
              </ResponsiveContainer>
            </figure>
          ))}
          {loaded.length > 1 && <RunScatter runs={loaded} paramKeys={paramKeys} metricKeys={metricKeys} />}
          <div className="section-head">
            <h2 className="section-title">Metrics</h2>
            <label className="inline">
              <input
                type="checkbox"
                checked={isOnlyDifferences}
                onChange={(event) => setIsOnlyDifferences(event.target.checked)}
              />{' '}
              Only differences
            </label>
          </div>
          <CompareTable
            testId="metrics-table"
            isOnlyDifferences={isOnlyDifferences}
            runs={loaded}
            keys={metricKeys}
            cell={(entry, key) => {
              const value = metricOf(entry, key);
              return value === undefined ? '—' : Number.isInteger(value) ? String(value) : value.toFixed(4);
            }}
          />
          <h2 className="section-title">Parameters</h2>
          <CompareTable
            testId="params-table"
            isOnlyDifferences={isOnlyDifferences}
            runs={loaded}
            keys={paramKeys}
            cell={(entry, key) => paramOf(entry, key) ?? '—'}
          />
          <h2 className="section-title">Inputs</h2>
          <RunInputs runs={loaded} />
          <h2 className="section-title">Artifacts</h2>
          <ul className="history">
            {loaded.map((entry) => (
              <li key={entry.run.info.run_id}>
                {entry.run.info.run_name}:{' '}
                {entry.artifacts.length === 0
                  ? 'none'
                  : entry.artifacts.map((path) => (
                      <DownloadLink
                        key={path}
                        className="artifact-link"
                        href={artifactUrl(entry.run.info.artifact_uri, path)}
                        fileName={path.split('/').at(-1) ?? path}
                      >
                        {path}
                      </DownloadLink>
                    ))}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/**
 * One dot per run at two chosen numbers (metrics, or params that are numbers): how a hyperparameter
 * moves a metric across the runs, or how two metrics trade off.
 */
function RunScatter(props: { runs: Loaded[]; paramKeys: string[]; metricKeys: string[] }) {
  const numberOf = (entry: Loaded, choice: string): number | undefined => {
    const [kind, ...rest] = choice.split('.');
    const key = rest.join('.');
    if (kind === 'metrics') return entry.run.data.metrics?.find((metric) => metric.key === key)?.value;
    const value = Number(entry.run.data.params?.find((param) => param.key === key)?.value ?? Number.NaN);
    return Number.isFinite(value) ? value : undefined;
  };
  // Numbers most runs have come first, so the first two make a plot of every run.
  const coverage = (choice: string) =>
    props.runs.filter((entry) => numberOf(entry, choice) !== undefined).length;
  const choices = [
    ...props.metricKeys.map((key) => `metrics.${key}`),
    ...props.paramKeys.map((key) => `params.${key}`),
  ]
    .filter((choice) => coverage(choice) > 0)
    .sort((a, b) => coverage(b) - coverage(a));
  const [xChoice, setXChoice] = useState<string>();
  const [yChoice, setYChoice] = useState<string>();
  const x = xChoice ?? choices[0];
  const y = yChoice ?? choices[1] ?? choices[0];
  if (x === undefined || y === undefined) return null;
  const points = props.runs.flatMap((entry) => {
    const xValue = numberOf(entry, x);
    const yValue = numberOf(entry, y);
    return xValue === undefined || yValue === undefined
      ? []
      : [{ label: entry.run.info.run_name || entry.run.info.run_id, x: xValue, y: yValue }];
  });
  return (
    <>
      <h2 className="section-title">Scatter</h2>
      <div className="scatter-controls filters">
        {(
          [
            ['X axis', x, setXChoice],
            ['Y axis', y, setYChoice],
          ] as const
        ).map(([label, value, set]) => (
          <label key={label}>
            {label}
            <select value={value} onChange={(event) => set(event.target.value)}>
              {choices.map((choice) => (
                <option key={choice} value={choice}>
                  {choice}
                </option>
              ))}
            </select>
          </label>
        ))}
      </div>
      <ScatterPlot xLabel={x} yLabel={y} points={points} />
    </>
  );
}

/** The datasets each run read (name, context, digest, source) and the logged models it read or produced. */
function RunInputs(props: { runs: Loaded[] }) {
  const rows = props.runs.flatMap((entry) => [
    ...(entry.run.inputs?.dataset_inputs ?? []).map((input) => ({
      run: entry.run.info.run_name,
      kind: 'dataset',
      name: input.dataset.name,
      context: input.tags?.find((tag) => tag.key === 'mlflow.data.context')?.value ?? '—',
      detail: `${input.dataset.digest} · ${input.dataset.source_type}`,
    })),
    ...(entry.run.inputs?.model_inputs ?? []).map((input) => ({
      run: entry.run.info.run_name,
      kind: 'model (input)',
      name: input.model_id,
      context: '—',
      detail: '',
    })),
    ...(entry.run.outputs?.model_outputs ?? []).map((output) => ({
      run: entry.run.info.run_name,
      kind: 'model (output)',
      name: output.model_id,
      context: '—',
      detail: `step ${output.step}`,
    })),
  ]);
  if (rows.length === 0) return <p className="muted">No dataset or model logged as an input.</p>;
  return (
    <div className="table-wrap">
      <table data-testid="inputs-table">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Kind</th>
            <th scope="col">Name</th>
            <th scope="col">Context</th>
            <th scope="col">Digest · source</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.run}-${row.kind}-${row.name}`}>
              <td>{row.run}</td>
              <td>{row.kind}</td>
              <td className="mono">{row.name}</td>
              <td>{row.context}</td>
              <td className="mono">{row.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CompareTable(props: {
  testId: string;
  isOnlyDifferences: boolean;
  runs: Loaded[];
  keys: string[];
  cell: (entry: Loaded, key: string) => string;
}) {
  return (
    <div className="table-wrap">
      <table data-testid={props.testId}>
        <thead>
          <tr>
            <th scope="col">Name</th>
            {props.runs.map((entry) => (
              <th scope="col" key={entry.run.info.run_id}>
                <Link to={`/runs/${entry.run.info.run_id}`}>{entry.run.info.run_name}</Link>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.keys.map((key) => {
            const values = props.runs.map((entry) => props.cell(entry, key));
            const differs = new Set(values).size > 1;
            if (props.isOnlyDifferences && !differs) return null;
            return (
              <tr key={key} className={differs ? 'differs' : undefined}>
                <th scope="row">{key}</th>
                {values.map((value, index) => (
                  <td key={props.runs[index]?.run.info.run_id} className="mono" title={value}>
                    {value.length > 24 ? `${value.slice(0, 12)}…` : value}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

async function loadRun(runId: string): Promise<Loaded> {
  const { run } = await fetchRun(runId);
  const stepped = [
    ...new Set(run.data.metrics?.filter((metric) => metric.step > 0).map((metric) => metric.key)),
  ];
  const histories: Record<string, MetricPoint[]> = {};
  for (const key of stepped) histories[key] = (await fetchMetricHistory(runId, key)).metrics ?? [];
  const artifacts = await listFiles(runId, '');
  return { run, histories, artifacts };
}

async function listFiles(runId: string, path: string): Promise<string[]> {
  const files = (await fetchArtifacts(runId, path)).files ?? [];
  const nested = await Promise.all(
    files.map((file) => (file.is_dir ? listFiles(runId, file.path) : Promise.resolve([file.path]))),
  );
  return nested.flat();
}

/** One row per step with a column per run, as the chart wants it. */
export function chartRows(runs: Loaded[], key: string): Record<string, number>[] {
  const byStep = new Map<number, Record<string, number>>();
  for (const entry of runs) {
    for (const point of entry.histories[key] ?? []) {
      const row = byStep.get(point.step) ?? { step: point.step };
      row[entry.run.info.run_id] = point.value;
      byStep.set(point.step, row);
    }
  }
  return [...byStep.values()].sort((a, b) => (a.step ?? 0) - (b.step ?? 0));
}

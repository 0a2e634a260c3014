import { useState } from 'react';
import { Link } from 'react-router';
import { Bar, BarChart, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { type ColumnDrift, fetchDriftReport, triggerDag } from '../api/client';
import { usePolling } from '../api/use-polling';

const percent = (share: number) => `${(share * 100).toFixed(1)} %`;

function ColumnCard({ column }: { column: ColumnDrift }) {
  const data = column.histogram.labels.map((label, index) => ({
    label,
    reference: column.histogram.reference[index] ?? 0,
    current: column.histogram.current[index] ?? 0,
  }));
  const isPValue = ['ks', 'chisquare', 'z'].includes(column.test);
  return (
    <div className="card drift-card" data-testid="drift-column">
      <div className="card-head">
        <h2 className="mono">{column.column}</h2>
        <span className={`badge ${column.drifted ? 'badge-down' : 'badge-up'}`}>
          {column.drifted ? 'drift' : 'no drift'}
        </span>
      </div>
      <p className="muted small">
        {column.test} {isPValue ? 'p-value' : 'distance'} <strong>{column.score.toPrecision(3)}</strong>{' '}
        (drift when {isPValue ? '<' : '≥'} {column.threshold}) · {column.reference_rows.toLocaleString()} vs{' '}
        {column.current_rows.toLocaleString()} rows
      </p>
      <div className="drift-chart" role="img" aria-label={`distribution of ${column.column} in both windows`}>
        <ResponsiveContainer width="100%" height={170}>
          <BarChart data={data} margin={{ top: 4, right: 4, bottom: 0, left: -18 }}>
            <XAxis dataKey="label" tick={{ fontSize: 10 }} interval="preserveStartEnd" />
            <YAxis tickFormatter={(value: number) => `${Math.round(value * 100)}%`} tick={{ fontSize: 10 }} />
            <Tooltip formatter={(value) => percent(Number(value))} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar dataKey="reference" name="reference" fill="var(--muted)" isAnimationActive={false} />
            <Bar dataKey="current" name="current" fill="var(--accent)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}

/** The latest drift report: both windows, the dataset verdict, and each feature's test with its histograms. */
export function DriftPage() {
  const { data, error, refresh } = usePolling(fetchDriftReport, 10_000);
  const [message, setMessage] = useState<string>();
  const run = () => {
    triggerDag('movie_drift_check', {})
      .then((answer) => {
        setMessage(`started ${answer.dag_run_id}: the report appears here when it finishes`);
        setTimeout(refresh, 3000);
      })
      .catch((failure: Error) => setMessage(failure.message));
  };
  return (
    <section className="page" aria-labelledby="drift-title">
      <div className="page-head">
        <div>
          <h1 id="drift-title">Drift</h1>
          <p className="muted">
            The watch log&apos;s latest window against the one before, feature by feature (
            <Link to="/pipelines/movie_drift_check">movie_drift_check</Link>).
          </p>
        </div>
        <button type="button" className="button" onClick={run}>
          Check now
        </button>
      </div>
      {message && (
        <div className="banner banner-ok" role="status" data-testid="drift-message">
          {message}
        </div>
      )}
      {error && !data && (
        <div className="banner banner-warn" role="alert">
          {error.message}
        </div>
      )}
      {data && (
        <>
          <div
            className={`banner ${data.dataset_drift ? 'banner-error' : 'banner-ok'}`}
            data-testid="drift-verdict"
          >
            <strong>{data.dataset_drift ? 'Dataset drift' : 'No dataset drift'}</strong>
            {`: ${data.drifted_columns} of ${data.columns.length} features drifted (${percent(data.drift_share)}, threshold ${percent(data.drift_share_threshold)}).`}
          </div>
          <p className="muted">
            Reference {new Date(data.reference.from).toLocaleString()} –{' '}
            {new Date(data.reference.to).toLocaleString()} ({data.reference_rows.toLocaleString()} rows) ·
            current {new Date(data.current.from).toLocaleString()} –{' '}
            {new Date(data.current.to).toLocaleString()} ({data.current_rows.toLocaleString()} rows) · report{' '}
            <Link to={`/datasets/${data.report_version}`} className="mono">
              {data.report_version.slice(0, 12)}
            </Link>
          </p>
          <div className="drift-grid">
            {data.columns.map((column) => (
              <ColumnCard key={column.column} column={column} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}

import { useState } from 'react';
import { Link } from 'react-router';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { type ColumnDrift, fetchDriftReport, triggerDag } from '../api/client';
import { type DriftHistoryReport, fetchDriftHistory } from '../api/monitoring-client';
import { usePolling } from '../api/use-polling';
import { type ActionOutcome, ActionResult } from '../components/action-result';
import { formatClock, formatTime } from '../components/time';

const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
const isPValueTest = (test: string) => ['ks', 'chisquare', 'z'].includes(test);
const dayAndClock = (t: number) =>
  `${new Date(t).toLocaleDateString(undefined, { day: 'numeric', month: 'short' })} ${formatClock(t)}`;

interface ScorePoint {
  t: number;
  score: number;
  drifted: boolean;
}

/** One feature's test score over every stored report, against its threshold. */
function ScoreHistory({ column, points }: { column: ColumnDrift; points: ScorePoint[] }) {
  if (points.length < 2)
    return <p className="muted small">History: one report so far; the next check adds a point.</p>;
  return (
    <div role="img" aria-label={`${column.column} score over time`} data-testid="drift-history-chart">
      <ResponsiveContainer width="100%" height={120}>
        <LineChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={['dataMin', 'dataMax']}
            tickFormatter={dayAndClock}
            tick={{ fontSize: 10 }}
            minTickGap={30}
            stroke="var(--muted)"
          />
          <YAxis
            width={44}
            tick={{ fontSize: 10 }}
            stroke="var(--muted)"
            // The threshold line always shows, even when every score is far below it.
            domain={[0, (dataMax: number) => Math.max(dataMax, column.threshold) * 1.15]}
            tickFormatter={(v: number) => v.toPrecision(2)}
          />
          <Tooltip
            labelFormatter={(t) => formatTime(Number(t))}
            formatter={(value) => [Number(value).toPrecision(3), column.test]}
          />
          <ReferenceLine y={column.threshold} stroke="var(--error)" strokeDasharray="4 3" />
          <Line
            type="monotone"
            dataKey="score"
            stroke="var(--accent)"
            isAnimationActive={false}
            dot={{ r: 2 }}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

function ColumnCard({ column, points }: { column: ColumnDrift; points: ScorePoint[] }) {
  const data = column.histogram.labels.map((label, index) => ({
    label,
    reference: column.histogram.reference[index] ?? 0,
    current: column.histogram.current[index] ?? 0,
  }));
  const isPValue = isPValueTest(column.test);
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
          <BarChart data={data} margin={{ top: 4, right: 4, bottom: 0, left: 0 }}>
            <XAxis dataKey="label" tick={{ fontSize: 10 }} interval="preserveStartEnd" />
            <YAxis
              width={40}
              tickFormatter={(value: number) => `${Math.round(value * 100)}%`}
              tick={{ fontSize: 10 }}
            />
            <Tooltip formatter={(value) => percent(Number(value))} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar dataKey="reference" name="reference" fill="var(--muted)" isAnimationActive={false} />
            <Bar dataKey="current" name="current" fill="var(--accent)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <p className="small">
        <strong>Score over time</strong> <span className="muted">(dashed: threshold)</span>
      </p>
      <ScoreHistory column={column} points={points} />
    </div>
  );
}

/** Each feature's score in every report, oldest first. */
function pointsByColumn(reports: DriftHistoryReport[]): Map<string, ScorePoint[]> {
  const byColumn = new Map<string, ScorePoint[]>();
  for (const report of [...reports].reverse()) {
    const t = new Date(report.created_at).getTime();
    for (const column of report.columns) {
      const points = byColumn.get(column.column) ?? [];
      points.push({ t, score: column.score, drifted: column.drifted });
      byColumn.set(column.column, points);
    }
  }
  return byColumn;
}

/** The newest report in full: the verdict, both windows and each feature's histograms and history. */
function LatestReport({ reports }: { reports: DriftHistoryReport[] }) {
  const { data, error } = usePolling(fetchDriftReport, 10_000);
  if (error && !data)
    return (
      <div className="banner banner-warn" role="alert">
        {error.message}
      </div>
    );
  if (!data) return <p className="muted">Loading the latest report…</p>;
  const points = pointsByColumn(reports);
  return (
    <>
      <div
        className={`banner ${data.dataset_drift ? 'banner-error' : 'banner-ok'}`}
        data-testid="drift-verdict"
      >
        <strong>{data.dataset_drift ? 'Dataset drift' : 'No dataset drift'}</strong>
        {`: ${data.drifted_columns} of ${data.columns.length} features drifted (${percent(data.drift_share)}, threshold ${percent(data.drift_share_threshold)}).`}
      </div>
      <p className="muted">
        Report of {formatTime(data.created_at)} · reference {formatTime(data.reference.from)} –{' '}
        {formatTime(data.reference.to)} ({data.reference_rows.toLocaleString()} rows) · current{' '}
        {formatTime(data.current.from)} – {formatTime(data.current.to)} ({data.current_rows.toLocaleString()}{' '}
        rows) · report{' '}
        <Link to={`/datasets/${data.report_version}`} className="mono">
          {data.report_version.slice(0, 12)}
        </Link>
      </p>
      <div className="drift-grid">
        {data.columns.map((column) => (
          <ColumnCard key={column.column} column={column} points={points.get(column.column) ?? []} />
        ))}
      </div>
    </>
  );
}

/** Every stored report as a row: when, the verdict and which features drifted. */
function ReportHistory({ reports }: { reports: DriftHistoryReport[] }) {
  return (
    <details className="drift-history" data-testid="drift-history">
      <summary>
        {reports.length} report{reports.length === 1 ? '' : 's'} stored: each check, newest first
      </summary>
      <div className="table-wrap">
        <table className="cards">
          <thead>
            <tr>
              <th scope="col">Verdict</th>
              <th scope="col">Checked</th>
              <th scope="col">Drift share</th>
              <th scope="col">Drifted features</th>
            </tr>
          </thead>
          <tbody>
            {reports.map((report) => (
              <tr key={report.report_version} data-testid="drift-history-row">
                <td data-label="Verdict">
                  <span className={`badge ${report.dataset_drift ? 'badge-down' : 'badge-neutral'}`}>
                    {report.dataset_drift ? 'drift' : 'no drift'}
                  </span>
                </td>
                <td data-label="Checked">
                  <Link to={`/datasets/${report.report_version}`}>{formatTime(report.created_at)}</Link>
                </td>
                <td data-label="Drift share">{percent(report.drift_share)}</td>
                <td className="wrap" data-label="Drifted">
                  {report.columns
                    .filter((column) => column.drifted)
                    .map((column) => column.column)
                    .join(', ') || '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/** Drift: the latest report in full, each feature's score over every stored report, and a check button. */
export function DriftPage() {
  const history = usePolling(fetchDriftHistory, 10_000);
  const [outcome, setOutcome] = useState<ActionOutcome>();
  const run = () => {
    triggerDag('movie_drift_check', {})
      .then((answer) => {
        setOutcome({
          kind: 'done',
          message: `started ${answer.dag_run_id}: the report appears here when it finishes`,
        });
        setTimeout(history.refresh, 3000);
      })
      .catch((error: Error) => setOutcome({ kind: 'failed', error }));
  };
  const reports = history.data?.reports ?? [];
  return (
    <section className="page" aria-labelledby="drift-title">
      <div className="page-head">
        <div>
          <h1 id="drift-title">Drift</h1>
          <p className="muted">
            The watch log&apos;s latest window against the one before, feature by feature (
            <Link to="/pipelines/movie_drift_check">movie_drift_check</Link>), and each feature&apos;s score
            over every check.
          </p>
        </div>
        <button type="button" className="button" onClick={run}>
          Check now
        </button>
      </div>
      <ActionResult outcome={outcome} testId="drift-message" />
      {history.error && !history.data && (
        <div className="banner banner-error" role="alert">
          {history.error.message}
        </div>
      )}
      {history.data && reports.length === 0 && (
        <div className="banner banner-warn" role="status" data-testid="drift-empty">
          No drift report yet: press Check now, or run{' '}
          <span className="mono">mlops pipelines trigger movie_drift_check</span>.
        </div>
      )}
      {reports.length > 0 && (
        <>
          <ReportHistory reports={reports} />
          <LatestReport reports={reports} />
        </>
      )}
    </section>
  );
}

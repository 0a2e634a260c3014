/** A run's metrics on its page: the latest values in a table and each history as a chart. */
import { useEffect, useState } from 'react';
import { fetchMetricHistory, type MetricPoint, type RunSummary } from '../api/client';
import { MetricChart, type XAxis } from './metric-chart';
import { formatValue } from './run-format';

/** Every metric's history as a chart (step or time axis, smoothing, log scale), latest values in a table. */
export function MetricCharts({ run }: { run: RunSummary }) {
  const [histories, setHistories] = useState<Record<string, MetricPoint[]>>();
  const [xAxis, setXAxis] = useState<XAxis>('step');
  const [smoothing, setSmoothing] = useState(0);
  const [isLogScale, setIsLogScale] = useState(false);
  const runId = run.info.run_id;
  const keys = [...new Set(run.data.metrics?.map((metric) => metric.key))].sort();
  const keyList = keys.join('\n');
  useEffect(() => {
    const wanted = keyList.split('\n').filter(Boolean);
    Promise.all(wanted.map((key) => fetchMetricHistory(runId, key)))
      .then((answers) =>
        setHistories(Object.fromEntries(wanted.map((key, index) => [key, answers[index]?.metrics ?? []]))),
      )
      .catch(() => setHistories({}));
  }, [runId, keyList]);
  if (keys.length === 0) return <p className="muted">No metric logged.</p>;
  const charted = keys.filter((key) => (histories?.[key]?.length ?? 0) > 1);
  return (
    <>
      <div className="table-wrap">
        <table data-testid="metrics-table">
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">Latest</th>
              <th scope="col">Step</th>
              <th scope="col">Points</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => {
              const latest = run.data.metrics?.find((metric) => metric.key === key);
              return (
                <tr key={key}>
                  <th scope="row">{key}</th>
                  <td className="mono">{latest ? formatValue(latest.value) : '—'}</td>
                  <td className="mono">{latest?.step ?? '—'}</td>
                  <td className="mono">{histories?.[key]?.length ?? '…'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {charted.length > 0 && (
        <>
          <div className="chart-controls" data-testid="chart-controls">
            <fieldset className="range-picker">
              <legend className="visually-hidden">X axis</legend>
              {(['step', 'time'] as const).map((axis) => (
                <button key={axis} type="button" aria-pressed={xAxis === axis} onClick={() => setXAxis(axis)}>
                  {axis === 'step' ? 'Step' : 'Time'}
                </button>
              ))}
            </fieldset>
            <label>
              Smoothing <span className="mono">{smoothing.toFixed(2)}</span>
              <input
                type="range"
                min={0}
                max={0.99}
                step={0.01}
                value={smoothing}
                onChange={(event) => setSmoothing(Number(event.target.value))}
              />
            </label>
            <label className="inline">
              <input
                type="checkbox"
                checked={isLogScale}
                onChange={(event) => setIsLogScale(event.target.checked)}
              />{' '}
              Log scale
            </label>
          </div>
          <div className="metric-charts">
            {charted.map((key) => (
              <MetricChart
                key={key}
                metric={key}
                points={histories?.[key] ?? []}
                xAxis={xAxis}
                smoothing={smoothing}
                isLogScale={isLogScale}
              />
            ))}
          </div>
        </>
      )}
    </>
  );
}

import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { fetchModelTimeline, fetchTrafficRange, type ModelTimeline } from '../api/monitoring-client';
import { usePolling } from '../api/use-polling';
import { formatClock, formatTime, localZoneName } from './time';

const RANGES = [
  { seconds: 300, label: '5 min' },
  { seconds: 900, label: '15 min' },
  { seconds: 3600, label: '1 h' },
  { seconds: 21_600, label: '6 h' },
] as const;

type AnnotationKind = 'promotion' | 'rollback' | 'retrain';
interface Annotation {
  t: number;
  kind: AnnotationKind;
  text: string;
}
const ANNOTATION_COLOR: Record<AnnotationKind, string> = {
  promotion: 'var(--ok)',
  rollback: 'var(--error)',
  retrain: 'var(--warn)',
};

/** Promotions and rollbacks of the champion alias, and each new version registered (a retrain). */
function annotationsOf(timeline: ModelTimeline | undefined, name: string): Annotation[] {
  if (timeline === undefined) return [];
  const marks: Annotation[] = timeline.versions.map((version) => ({
    t: Number(version.creation_timestamp),
    kind: 'retrain',
    text: `retrain: ${name} v${version.version} registered`,
  }));
  for (const change of timeline.history) {
    if (change.change !== 'alias:champion' || change.to_value === null) continue;
    const isRollback = change.reason.startsWith('rollback');
    marks.push({
      t: Number(change.created_at),
      kind: isRollback ? 'rollback' : 'promotion',
      text: `${isRollback ? 'rollback' : 'promotion'}: v${change.to_value} serves${change.from_value === null ? '' : ` (was v${change.from_value})`}`,
    });
  }
  return marks.sort((a, b) => a.t - b.t);
}

const compact = (value: number) =>
  value >= 1000 ? `${(value / 1000).toFixed(1)}k` : value >= 10 ? value.toFixed(0) : value.toFixed(1);

interface TooltipProps {
  active?: boolean;
  label?: number | string;
  payload?: readonly { name?: string | number; value?: unknown; color?: string }[];
}

/**
 * Live traffic over a chosen range (5 minutes to 6 hours): request rate and p95 latency on a time axis,
 * with the model's promotions, rollbacks and retrains marked.
 */
export function TrafficPanel({ modelName }: { modelName: string | undefined }) {
  const [range, setRange] = useState<number>(RANGES[0].seconds);
  const loadTraffic = useCallback(() => fetchTrafficRange(range), [range]);
  const traffic = usePolling(loadTraffic, 5000);
  const loadTimeline = useCallback(
    () => (modelName === undefined ? Promise.resolve(undefined) : fetchModelTimeline(modelName)),
    [modelName],
  );
  const timeline = usePolling(loadTimeline, 30_000);
  // A new range or model: ask now rather than at the next tick.
  const { refresh: refreshTraffic } = traffic;
  const { refresh: refreshTimeline } = timeline;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new loader is the reason to ask again.
  useEffect(() => refreshTraffic(), [refreshTraffic, loadTraffic]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new loader is the reason to ask again.
  useEffect(() => refreshTimeline(), [refreshTimeline, loadTimeline]);
  const series = traffic.data?.series ?? [];
  const from = series[0]?.t ?? Date.now() - range * 1000;
  const to = (series.at(-1)?.t ?? Date.now()) + (series.length > 1 ? (series[1]?.t ?? 0) - from : 0);
  const annotations = useMemo(
    () => annotationsOf(timeline.data, modelName ?? '').filter((mark) => mark.t >= from && mark.t <= to),
    [timeline.data, modelName, from, to],
  );
  const stepMs = series.length > 1 ? (series[1]?.t ?? 0) - from : 10_000;

  const renderTooltip = ({ active, label, payload }: TooltipProps) => {
    if (active !== true || label === undefined || payload === undefined || payload.length === 0) return null;
    const t = Number(label);
    const marks = annotations.filter((mark) => mark.t >= t && mark.t < t + stepMs);
    return (
      <div className="chart-tooltip">
        <p>
          <strong>{formatTime(t)}</strong>
        </p>
        {payload.map((item) => (
          <p key={String(item.name)}>
            {item.name}: <strong>{Number(item.value).toFixed(2)}</strong>
          </p>
        ))}
        {marks.map((mark) => (
          <p key={`${mark.t}-${mark.text}`} style={{ color: ANNOTATION_COLOR[mark.kind] }}>
            {mark.text}
          </p>
        ))}
      </div>
    );
  };

  return (
    <>
      {traffic.error && !traffic.data && <p className="muted">{traffic.error.message}</p>}
      {traffic.data && (
        <div className="figures">
          <Figure label="requests/s (1 min)" value={traffic.data.requests_per_second.toFixed(2)} />
          <Figure label="p50 ms" value={traffic.data.latency_ms.p50.toFixed(1)} />
          <Figure label="p95 ms" value={traffic.data.latency_ms.p95.toFixed(1)} />
          <Figure label="p99 ms" value={traffic.data.latency_ms.p99.toFixed(1)} />
          <Figure label="5xx (1 min)" value={String(traffic.data.errors)} />
        </div>
      )}
      <div className="chart-head">
        <h3>Requests per second and p95 latency</h3>
        <fieldset className="range-picker" aria-label="Time range">
          {RANGES.map((option) => (
            <button
              key={option.seconds}
              type="button"
              aria-pressed={range === option.seconds}
              onClick={() => setRange(option.seconds)}
            >
              {option.label}
            </button>
          ))}
        </fieldset>
      </div>
      <div role="img" aria-label="requests per second and p95 latency over time" data-testid="traffic-chart">
        <ResponsiveContainer width="100%" height={220}>
          <ComposedChart data={series} margin={{ top: 12, right: 8, bottom: 4, left: 4 }}>
            <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={[from, to]}
              tickFormatter={formatClock}
              stroke="var(--muted)"
              tick={{ fontSize: 11 }}
              minTickGap={24}
            />
            <YAxis
              yAxisId="rate"
              width={48}
              stroke="var(--muted)"
              tick={{ fontSize: 11 }}
              tickFormatter={compact}
              allowDecimals={false}
            />
            <YAxis
              yAxisId="latency"
              orientation="right"
              width={44}
              stroke="var(--muted)"
              tick={{ fontSize: 11 }}
              tickFormatter={compact}
            />
            <Tooltip content={renderTooltip} />
            <Area
              yAxisId="rate"
              type="monotone"
              dataKey="requests_per_second"
              name="requests/s"
              stroke="var(--accent)"
              fill="var(--accent)"
              fillOpacity={0.15}
              isAnimationActive={false}
            />
            <Line
              yAxisId="latency"
              type="monotone"
              dataKey="p95_ms"
              name="p95 ms"
              stroke="var(--warn)"
              dot={false}
              isAnimationActive={false}
            />
            {annotations.map((mark) => (
              <ReferenceLine
                key={`${mark.t}-${mark.text}`}
                yAxisId="rate"
                x={mark.t}
                stroke={ANNOTATION_COLOR[mark.kind]}
                strokeDasharray="4 3"
                ifOverflow="hidden"
              />
            ))}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <p className="muted small">
        Times in {localZoneName()}. Left axis: requests per second (shaded); right axis: p95 latency in ms
        (line).
      </p>
      <ul className="annotation-legend" data-testid="annotations">
        {annotations.length === 0 ? (
          <li>No promotion, rollback or retrain in this range.</li>
        ) : (
          annotations.map((mark) => (
            <li key={`${mark.t}-${mark.text}`} data-kind={mark.kind}>
              <span className="swatch" style={{ background: ANNOTATION_COLOR[mark.kind] }} />
              {formatTime(mark.t)} · {mark.text}
            </li>
          ))
        )}
      </ul>
    </>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div className="figure">
      <span className="figure-value">{value}</span>
      <span className="muted small">{label}</span>
    </div>
  );
}

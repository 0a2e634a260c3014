import type { MetricPoint } from '../api/client';
import { formatTick, linearScale, niceTicks, type Point, paddedExtent, smooth } from './svg-chart';
import { formatClock, localZoneName } from './time';
import { useWidth } from './use-width';

export type XAxis = 'step' | 'time';

const HEIGHT = 240;
const MARGIN = { top: 12, right: 16, bottom: 36, left: 64 };
/** Above this many points the dots are left out; the line alone reads better. */
const MAX_DOTS = 300;

/**
 * One metric's history as an SVG line: by step or by wall time, smoothed (TensorBoard's moving average,
 * the raw line stays faint behind it) and on a log scale if asked (points ≤ 0 are then left out).
 */
export function MetricChart(props: {
  metric: string;
  points: MetricPoint[];
  xAxis: XAxis;
  smoothing: number;
  isLogScale: boolean;
}) {
  const { points, xAxis, smoothing, isLogScale } = props;
  const [drawing, width] = useWidth();
  const kept = points
    .filter((point) => !isLogScale || point.value > 0)
    .map((point, order) => ({
      id: order,
      x: xAxis === 'step' ? point.step : point.timestamp,
      y: isLogScale ? Math.log10(point.value) : point.value,
    }))
    .sort((a, b) => a.x - b.x);
  const dropped = points.length - kept.length;
  const smoothed = smooth(kept, smoothing);
  const [xMin, xMax] = kept.length
    ? [Math.min(...kept.map((p) => p.x)), Math.max(...kept.map((p) => p.x))]
    : [0, 1];
  const [yMin, yMax] = paddedExtent(kept.map((p) => p.y));
  const x = linearScale(xMin, xMax, MARGIN.left, width - MARGIN.right);
  const y = linearScale(yMin, yMax, HEIGHT - MARGIN.bottom, MARGIN.top);
  const xTicks = xAxis === 'step' ? niceTicks(xMin, xMax, 6).filter(Number.isInteger) : timeTicks(xMin, xMax);
  const yTicks = niceTicks(yMin, yMax, 5);
  const label = (value: number) => (isLogScale ? formatTick(10 ** value) : formatTick(value));
  const pathOf = (line: Point[]) =>
    line.map((p, index) => `${index === 0 ? 'M' : 'L'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join('');

  return (
    <figure className="chart metric-chart" data-testid={`metric-chart-${props.metric}`}>
      <figcaption>
        {props.metric} by {xAxis === 'step' ? 'step' : `time (${localZoneName()})`}
        {isLogScale ? ', log scale' : ''}
        {dropped > 0 && <span className="muted small"> · {dropped} points ≤ 0 not shown on a log scale</span>}
      </figcaption>
      <svg
        ref={drawing}
        viewBox={`0 0 ${width} ${HEIGHT}`}
        role="img"
        aria-label={`${props.metric}: ${kept.length} points`}
        data-points={kept.length}
      >
        {yTicks.map((tick) => (
          <g key={`y${tick}`} className="chart-grid">
            <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(tick)} y2={y(tick)} />
            <text x={MARGIN.left - 6} y={y(tick) + 4} textAnchor="end">
              {label(tick)}
            </text>
          </g>
        ))}
        {xTicks.map((tick) => (
          <text
            key={`x${tick}`}
            className="chart-tick"
            x={x(tick)}
            y={HEIGHT - MARGIN.bottom + 18}
            textAnchor="middle"
          >
            {xAxis === 'step' ? formatTick(tick) : formatClock(tick)}
          </text>
        ))}
        <line
          className="chart-axis"
          x1={MARGIN.left}
          x2={width - MARGIN.right}
          y1={HEIGHT - MARGIN.bottom}
          y2={HEIGHT - MARGIN.bottom}
        />
        {smoothing > 0 && <path className="chart-line chart-line-raw" d={pathOf(kept)} />}
        <path className="chart-line" d={pathOf(smoothed)} />
        {kept.length <= MAX_DOTS &&
          kept.map((point) => (
            <circle key={point.id} className="chart-dot" cx={x(point.x)} cy={y(point.y)} r={2.5}>
              <title>
                {xAxis === 'step' ? `step ${point.x}` : formatClock(point.x)}:{' '}
                {isLogScale ? 10 ** point.y : point.y}
              </title>
            </circle>
          ))}
      </svg>
    </figure>
  );
}

function timeTicks(min: number, max: number): number[] {
  if (min === max) return [min];
  const count = 4;
  return Array.from({ length: count + 1 }, (_, index) => min + ((max - min) * index) / count);
}

/** One dot per run at (x, y) of two chosen metrics or params, each labelled with its run's name. */
export function ScatterPlot(props: {
  xLabel: string;
  yLabel: string;
  points: { label: string; x: number; y: number }[];
}) {
  const [drawing, width] = useWidth();
  const [xMin, xMax] = paddedExtent(props.points.map((p) => p.x));
  const [yMin, yMax] = paddedExtent(props.points.map((p) => p.y));
  const x = linearScale(xMin, xMax, MARGIN.left, width - MARGIN.right);
  const y = linearScale(yMin, yMax, HEIGHT - MARGIN.bottom, MARGIN.top);
  return (
    <figure className="chart metric-chart" data-testid="scatter-plot">
      <figcaption>
        {props.yLabel} against {props.xLabel}
      </figcaption>
      <svg
        ref={drawing}
        viewBox={`0 0 ${width} ${HEIGHT}`}
        role="img"
        aria-label={`${props.points.length} runs`}
        data-points={props.points.length}
      >
        {niceTicks(yMin, yMax, 5).map((tick) => (
          <g key={`y${tick}`} className="chart-grid">
            <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(tick)} y2={y(tick)} />
            <text x={MARGIN.left - 6} y={y(tick) + 4} textAnchor="end">
              {formatTick(tick)}
            </text>
          </g>
        ))}
        {niceTicks(xMin, xMax, 6).map((tick) => (
          <text
            key={`x${tick}`}
            className="chart-tick"
            x={x(tick)}
            y={HEIGHT - MARGIN.bottom + 18}
            textAnchor="middle"
          >
            {formatTick(tick)}
          </text>
        ))}
        <line
          className="chart-axis"
          x1={MARGIN.left}
          x2={width - MARGIN.right}
          y1={HEIGHT - MARGIN.bottom}
          y2={HEIGHT - MARGIN.bottom}
        />
        {props.points.map((point) => (
          <g key={point.label} className="scatter-point">
            <circle className="chart-dot" cx={x(point.x)} cy={y(point.y)} r={5}>
              <title>
                {point.label}: {props.xLabel} {point.x}, {props.yLabel} {point.y}
              </title>
            </circle>
            <text x={x(point.x) + 8} y={y(point.y) - 6} className="chart-tick">
              {point.label.length > 18 ? `${point.label.slice(0, 17)}…` : point.label}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

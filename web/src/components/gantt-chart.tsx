import type { TaskInstance } from '../api/client';
import { formatDuration } from './pipeline-grid';
import { formatClockWithZone } from './time';
import { useWidth } from './use-width';

/** Widest the task-name column gets; on a phone it takes at most a third of the width. */
const LABEL = 150;
const ROW = 26;
const AXIS = 24;

/**
 * Airflow's Gantt view of one run: one bar per task attempt on a shared time axis, from its start to its
 * end (to now while it runs), coloured by state. Drawn at its box's width (no page wider than a phone).
 */
export function GanttChart({ instances, now = Date.now() }: { instances: TaskInstance[]; now?: number }) {
  const [drawing, width] = useWidth();
  const started = instances.filter((task) => task.start_date !== null);
  if (started.length === 0) return <p className="muted small">No task has started in this run yet.</p>;
  const startOf = (task: TaskInstance) => Date.parse(task.start_date as string);
  const endOf = (task: TaskInstance) => (task.end_date === null ? now : Date.parse(task.end_date));
  const first = Math.min(...started.map(startOf));
  const last = Math.max(first + 1000, ...started.map(endOf));
  const span = last - first;
  const label = Math.min(LABEL, Math.round(width / 3));
  const plot = width - label - 10;
  const x = (time: number) => label + ((time - first) / span) * plot;
  const height = AXIS + instances.length * ROW + 4;
  const ticks = [0, 1 / 3, 2 / 3, 1].map((share) => first + share * span);
  return (
    <div className="gantt-wrap">
      <p className="muted small gantt-caption">
        From {formatClockWithZone(first)}, {formatDuration(span / 1000)} in all
      </p>
      <svg
        ref={drawing}
        className="gantt"
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        preserveAspectRatio="xMinYMin meet"
        role="img"
        aria-label={`Gantt chart: ${started.length} tasks from ${formatClockWithZone(first)}, ${formatDuration(span / 1000)} in all`}
      >
        {ticks.map((tick, index) => (
          <g key={tick}>
            <line className="gantt-tick" x1={x(tick)} x2={x(tick)} y1={AXIS - 4} y2={height} />
            <text
              className="gantt-axis"
              x={x(tick)}
              y={12}
              textAnchor={index === 0 ? 'start' : index === ticks.length - 1 ? 'end' : 'middle'}
            >
              {index === 0 ? '0' : `+${formatDuration((tick - first) / 1000)}`}
            </text>
          </g>
        ))}
        {instances.map((task, row) => {
          const y = AXIS + row * ROW;
          return (
            <g key={task.task_id}>
              <text className="gantt-label" x={4} y={y + 17}>
                {task.task_id}
              </text>
              {task.start_date !== null && (
                <rect
                  className={`gantt-bar grid-${task.state ?? 'none'}`}
                  x={x(startOf(task))}
                  y={y + 5}
                  width={Math.max(2, x(endOf(task)) - x(startOf(task)))}
                  height={ROW - 10}
                  rx={3}
                  data-testid="gantt-bar"
                  data-state={task.state ?? 'none'}
                >
                  <title>{`${task.task_id}: ${task.state ?? 'none'}, try ${task.try_number}, ${formatDuration((endOf(task) - startOf(task)) / 1000)}`}</title>
                </rect>
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}

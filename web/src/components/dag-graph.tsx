/** A pipeline's tasks as a graph: columns by dependency depth, each node coloured by its state in a run. */
import { useMemo } from 'react';
import type { DagTask, TaskInstance } from '../api/client';

const NODE_WIDTH = 170;
const NODE_HEIGHT = 46;
const COLUMN = 230;
const ROW = 74;

/** Columns by longest path from a root: each task sits right of everything it depends on. */
function layout(tasks: DagTask[]): {
  positions: Map<string, { x: number; y: number }>;
  width: number;
  height: number;
} {
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen = new Set<string>()): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const task = tasks.find((item) => item.task_id === id);
    const value = Math.max(-1, ...(task?.upstream_task_ids ?? []).map((up) => depthOf(up, seen))) + 1;
    depth.set(id, value);
    return value;
  };
  const columns = new Map<number, string[]>();
  for (const task of tasks) {
    const column = depthOf(task.task_id);
    columns.set(column, [...(columns.get(column) ?? []), task.task_id]);
  }
  const tallest = Math.max(1, ...[...columns.values()].map((ids) => ids.length));
  const positions = new Map<string, { x: number; y: number }>();
  for (const [column, ids] of columns) {
    const offset = ((tallest - ids.length) * ROW) / 2;
    ids.forEach((id, row) => {
      positions.set(id, { x: 10 + column * COLUMN, y: 10 + offset + row * ROW });
    });
  }
  return {
    positions,
    width: 20 + (columns.size - 1) * COLUMN + NODE_WIDTH,
    height: 20 + (tallest - 1) * ROW + NODE_HEIGHT,
  };
}

export function DagGraph({
  tasks,
  instances,
  selected,
  onSelect,
}: {
  tasks: DagTask[];
  instances: TaskInstance[];
  selected: string | undefined;
  onSelect: (taskId: string) => void;
}) {
  const { positions, width, height } = useMemo(() => layout(tasks), [tasks]);
  // Before the tasks arrive there is nothing to draw (an empty layout would be -40 px wide).
  if (tasks.length === 0) return null;
  const stateOf = (id: string) => instances.find((item) => item.task_id === id)?.state ?? null;
  return (
    <div className="dag-wrap">
      <svg
        className="dag"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label="pipeline graph"
      >
        {tasks.flatMap((task) =>
          task.upstream_task_ids.map((up) => {
            const from = positions.get(up);
            const to = positions.get(task.task_id);
            if (from === undefined || to === undefined) return null;
            const x1 = from.x + NODE_WIDTH;
            const y1 = from.y + NODE_HEIGHT / 2;
            const x2 = to.x;
            const y2 = to.y + NODE_HEIGHT / 2;
            const middle = (x1 + x2) / 2;
            return (
              <path
                key={`${up}-${task.task_id}`}
                className="dag-edge"
                d={`M${x1},${y1} C${middle},${y1} ${middle},${y2} ${x2},${y2}`}
              />
            );
          }),
        )}
        {tasks.map((task) => {
          const position = positions.get(task.task_id);
          if (position === undefined) return null;
          const state = stateOf(task.task_id) ?? 'none';
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG node cannot be a <button>
            <g
              key={task.task_id}
              className={`dag-node dag-${state}${selected === task.task_id ? ' dag-selected' : ''}`}
              transform={`translate(${position.x},${position.y})`}
              onClick={() => onSelect(task.task_id)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' || event.key === ' ') onSelect(task.task_id);
              }}
              role="button"
              tabIndex={0}
              data-testid="dag-node"
              data-state={state}
            >
              <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx={8} />
              <text x={12} y={19}>
                {task.task_id}
              </text>
              <text x={12} y={36} className="dag-state">
                {state}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

/**
 * One pipeline. An unknown one says so once (no polling of a 404); a known one shows its graph, the grid
 * of its latest runs × tasks, the Gantt chart and task log of the chosen run, task actions, the trigger
 * form generated from its parameters, and its runs.
 */

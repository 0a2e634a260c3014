import type { z } from 'zod';
import { ValidationError } from '../errors/index.js';
import type { Platform } from '../platform/index.js';

/** What a task's `run` receives. */
export interface TaskContext {
  runId: string;
  pipelineId: string;
  taskId: string;
  /** 1 for the first attempt. */
  tryNumber: number;
  /** The run's parameters (`--conf`, the trigger body's `conf`). */
  conf: Record<string, unknown>;
  /** Outputs of the tasks this one depends on, by task id. */
  upstream: Record<string, unknown>;
  /** Lines go to the task's log (shown by `mlops pipelines logs` and the UI). */
  log: TaskLog;
  /** Aborted when the task times out or the process stops: long work should check it. */
  signal: AbortSignal;
  /** The platform the task runs in: storage, configuration, metrics. */
  platform: Platform;
}

export interface TaskLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface TaskDefinition {
  id: string;
  dependsOn?: string[];
  /** Extra attempts after a failure (default 0). */
  retries?: number;
  /** Wait before a retry (default 10 s); doubled per attempt with `exponentialBackoff`. */
  retryDelaySeconds?: number;
  exponentialBackoff?: boolean;
  /** Cap of the backoff (default 1 h). */
  maxRetryDelaySeconds?: number;
  /** The attempt fails when it runs longer (default: no limit). */
  timeoutSeconds?: number;
  description?: string;
  /** Returns the task's output: JSON, stored with the run and given to downstream tasks. */
  run(context: TaskContext): Promise<unknown> | unknown;
}

export interface PipelineDefinition {
  id: string;
  description: string;
  tasks: TaskDefinition[];
  /** Cron expression (5 fields, or 6 with seconds); none for manual-only pipelines. */
  schedule?: string;
  /** IANA time zone the schedule is read in (default UTC). */
  timezone?: string;
  /** Run every missed interval after a pause or downtime (default false: only the latest). */
  catchup?: boolean;
  /** Runs of this pipeline running at once (default 1); more wait queued. */
  maxActiveRuns?: number;
  tags?: string[];
  /** Validates `conf` when a run is triggered (a bad field is a 400 naming it). */
  conf?: z.ZodType<Record<string, unknown>>;
  /** Start paused (default false). */
  pausedOnCreation?: boolean;
}

const ID = /^[a-z][a-z0-9_]{0,99}$/;

/**
 * Checks a pipeline: ids, unique task ids, dependencies that exist and no cycle (naming the tasks in it).
 * Returns it unchanged, so definitions read `export default definePipeline({...})`.
 */
export function definePipeline(definition: PipelineDefinition): PipelineDefinition {
  const problems: string[] = [];
  if (!ID.test(definition.id)) problems.push(`id "${definition.id}" must be lowercase letters, digits and _`);
  if (definition.tasks.length === 0) problems.push('a pipeline needs at least one task');
  const ids = new Set<string>();
  for (const task of definition.tasks) {
    if (!ID.test(task.id)) problems.push(`task id "${task.id}" must be lowercase letters, digits and _`);
    if (ids.has(task.id)) problems.push(`task "${task.id}" is defined twice`);
    ids.add(task.id);
    if (typeof task.run !== 'function') problems.push(`task "${task.id}" has no run function`);
    for (const [name, value] of Object.entries({
      retries: task.retries,
      retryDelaySeconds: task.retryDelaySeconds,
      timeoutSeconds: task.timeoutSeconds,
    })) {
      if (value !== undefined && (!Number.isFinite(value) || value < 0))
        problems.push(`task "${task.id}": ${name} must be a number ≥ 0`);
    }
  }
  for (const task of definition.tasks) {
    for (const dependency of task.dependsOn ?? []) {
      if (!ids.has(dependency)) problems.push(`task "${task.id}" depends on unknown task "${dependency}"`);
    }
  }
  if (problems.length === 0) {
    const cycle = findCycle(definition.tasks);
    if (cycle !== undefined) problems.push(`tasks form a cycle: ${cycle.join(' → ')}`);
  }
  if ((definition.maxActiveRuns ?? 1) < 1) problems.push('maxActiveRuns must be at least 1');
  if (problems.length > 0) {
    throw new ValidationError(`pipeline ${definition.id} is invalid:\n  ${problems.join('\n  ')}`, {
      field: 'pipeline',
    });
  }
  return definition;
}

function findCycle(tasks: readonly TaskDefinition[]): string[] | undefined {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const dependency of byId.get(id)?.dependsOn ?? []) {
      const cycle = visit(dependency);
      if (cycle !== undefined) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const task of tasks) {
    const cycle = visit(task.id);
    if (cycle !== undefined) return cycle.reverse();
  }
  return undefined;
}

/** Tasks in an order where each comes after its dependencies (stable by definition order). */
export function topologicalOrder(tasks: readonly TaskDefinition[]): TaskDefinition[] {
  const done = new Set<string>();
  const ordered: TaskDefinition[] = [];
  while (ordered.length < tasks.length) {
    const before = ordered.length;
    for (const task of tasks) {
      if (done.has(task.id)) continue;
      if ((task.dependsOn ?? []).every((dependency) => done.has(dependency))) {
        ordered.push(task);
        done.add(task.id);
      }
    }
    if (ordered.length === before) break;
  }
  return ordered;
}

/** The wait before attempt `tryNumber + 1`, after attempt `tryNumber` failed (Airflow's rule, no jitter). */
export function retryDelayMs(task: TaskDefinition, tryNumber: number): number {
  const base = (task.retryDelaySeconds ?? 10) * 1000;
  if (task.exponentialBackoff !== true) return base;
  const cap = (task.maxRetryDelaySeconds ?? 3600) * 1000;
  return Math.min(cap, base * 2 ** Math.max(0, tryNumber - 1));
}

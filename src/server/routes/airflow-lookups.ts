import type { FastifyRequest } from 'fastify';
import { NotFoundError } from '../../errors/index.js';
import type { PipelineEngine, PipelineSummary, RunRecord, TaskRecord } from '../../pipelines/index.js';
import { iso } from './airflow-shapes.js';

/** Finding what an Airflow request names (DAGs by filter, a run, a task instance), as v1 and v2 share it. */

/** The DAG list filters both versions share: id pattern, tags, pause state (every DAG is active). */
export interface DagFilter {
  dagIdPattern?: string | undefined;
  tags?: readonly string[] | undefined;
  tagsMatchAll?: boolean;
  paused?: boolean | undefined;
  onlyActive?: boolean | undefined;
  orderBy?: string | undefined;
}

/** Airflow's `dag_id_pattern` is SQL ILIKE inside `%…%`: `%` any run of characters, `_` one character. */
function likePattern(pattern: string): RegExp {
  const body = [...pattern]
    .map((char) => (char === '%' ? '.*' : char === '_' ? '.' : char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(body, 'i');
}

export function filterDags(summaries: readonly PipelineSummary[], filter: DagFilter): PipelineSummary[] {
  const pattern = filter.dagIdPattern === undefined ? undefined : likePattern(filter.dagIdPattern);
  const wanted = filter.tags ?? [];
  const kept = summaries.filter((summary) => {
    const tags = summary.definition.tags ?? [];
    if (pattern !== undefined && !pattern.test(summary.definition.id)) return false;
    if (filter.paused !== undefined && summary.is_paused !== filter.paused) return false;
    if (wanted.length > 0) {
      const matches = wanted.filter((tag) => tags.includes(tag)).length;
      if (filter.tagsMatchAll === true ? matches < wanted.length : matches === 0) return false;
    }
    return true; // every pipeline loaded is active: only_active keeps them all
  });
  const order = filter.orderBy ?? 'dag_id';
  const descending = order.startsWith('-');
  const key = order.replace(/^-/, '');
  const value = (summary: PipelineSummary): string =>
    key === 'next_dagrun' ? (iso(summary.next_run_at) ?? '') : summary.definition.id;
  kept.sort((a, b) => value(a).localeCompare(value(b)) * (descending ? -1 : 1));
  return kept;
}

/** One pipeline's summary (404 naming `dag_id` when unknown). */
export async function summaryOf(engine: PipelineEngine, id: string): Promise<PipelineSummary> {
  engine.definition(id);
  const summary = (await engine.summaries()).find((item) => item.definition.id === id);
  if (summary === undefined) throw new NotFoundError(`no pipeline named ${id}`, { field: 'dag_id' });
  return summary;
}

/** A run of a pipeline (`~`: of any pipeline); 404 naming `dag_run_id` when it belongs to another. */
export async function runOf(engine: PipelineEngine, pipelineId: string, id: string): Promise<RunRecord> {
  if (pipelineId !== '~') engine.definition(pipelineId);
  const run = await engine.run(id);
  if (pipelineId !== '~' && run.pipeline_id !== pipelineId)
    throw new NotFoundError(`pipeline ${pipelineId} has no run ${id}`, { field: 'dag_run_id' });
  return run;
}

/** A task instance of a run, found as `runOf` finds the run; 404 naming `task_id` for an unknown task. */
export async function taskOf(
  engine: PipelineEngine,
  params: { dag_id: string; dag_run_id: string; task_id: string },
): Promise<{ run: RunRecord; task: TaskRecord }> {
  const run = await runOf(engine, params.dag_id, params.dag_run_id);
  const task = (await engine.tasks(run.run_id)).find((item) => item.task_id === params.task_id);
  if (task === undefined)
    throw new NotFoundError(`pipeline ${run.pipeline_id} has no task ${params.task_id}`, {
      field: 'task_id',
    });
  return { run, task };
}

/**
 * The runs a clear of task instances applies to: the one named (with those before it for
 * `include_past`, after it for `include_future`), or without one every run whose logical date is in
 * [`start`, `end`].
 */
export async function selectRuns(
  engine: PipelineEngine,
  pipelineId: string,
  options: { runId?: string | null | undefined; past?: boolean; future?: boolean; start?: Date; end?: Date },
): Promise<RunRecord[]> {
  engine.definition(pipelineId);
  const all = (await engine.runs(pipelineId, { limit: 10_000 })).runs;
  if (options.runId !== undefined && options.runId !== null) {
    const base = await runOf(engine, pipelineId, options.runId);
    const at = base.logical_date.getTime();
    return all.filter(
      (run) =>
        run.run_id === base.run_id ||
        (options.past === true && run.logical_date.getTime() < at) ||
        (options.future === true && run.logical_date.getTime() > at),
    );
  }
  return all.filter(
    (run) =>
      (options.start === undefined || run.logical_date.getTime() >= options.start.getTime()) &&
      (options.end === undefined || run.logical_date.getTime() <= options.end.getTime()),
  );
}

/** Who made a request (written into the task logs of what they changed). */
export const whoAsked = (request: FastifyRequest): string | undefined => request.principal?.name;

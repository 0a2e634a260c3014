import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../errors/index.js';
import {
  confParams,
  type PipelineEngine,
  type PipelineSummary,
  type RunActions,
  type RunRecord,
  type TaskDefinition,
  type TaskRecord,
} from '../../pipelines/index.js';

/**
 * What Airflow's two REST APIs share, mapped once from the pipeline engine's records: `/api/v1` (Airflow 2's
 * stable API, the 2.x `apache-airflow-client`) and `/api/v2` (Airflow 3, the 3.x client). Field names and
 * nullability follow each version's OpenAPI document; the routes only pick the version.
 */

const iso = (date: Date | null | undefined): string | null => date?.toISOString() ?? null;

/** Airflow's TimeDelta: a `__type` tag and whole days, seconds, microseconds. */
export function timeDelta(totalSeconds: number) {
  const days = Math.floor(totalSeconds / 86_400);
  const rest = totalSeconds - days * 86_400;
  const seconds = Math.floor(rest);
  return { __type: 'TimeDelta' as const, days, seconds, microseconds: Math.round((rest - seconds) * 1e6) };
}

/** A stable id for a task instance (v2 names them by UUID). */
function taskInstanceUuid(runId: string, taskId: string): string {
  const hex = createHash('sha256').update(`${runId}/${taskId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

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

const schedule = (summary: PipelineSummary) => summary.definition.schedule;

/** v1 `DAG`. */
export function dagV1(summary: PipelineSummary) {
  const { definition } = summary;
  const cron = schedule(summary);
  return {
    dag_id: definition.id,
    dag_display_name: definition.id,
    root_dag_id: null,
    is_paused: summary.is_paused,
    is_active: true,
    is_subdag: false,
    last_parsed_time: null,
    last_pickled: null,
    last_expired: null,
    scheduler_lock: null,
    pickle_id: null,
    default_view: 'grid',
    fileloc: `pipelines/${definition.id}`,
    file_token: definition.id,
    owners: ['mlops'],
    description: definition.description,
    schedule_interval: cron === undefined ? null : { __type: 'CronExpression' as const, value: cron },
    timetable_description: cron ?? null,
    tags: (definition.tags ?? []).map((name) => ({ name })),
    max_active_tasks: 16,
    max_active_runs: definition.maxActiveRuns ?? 1,
    max_consecutive_failed_dag_runs: 0,
    has_task_concurrency_limits: false,
    has_import_errors: false,
    next_dagrun: iso(summary.next_run_at),
    next_dagrun_data_interval_start: iso(summary.next_run_at),
    next_dagrun_data_interval_end: iso(summary.next_run_at),
    next_dagrun_create_after: iso(summary.next_run_at),
    // Not Airflow's: what our UI shows beside each pipeline.
    timezone: definition.timezone ?? 'UTC',
    catchup: definition.catchup ?? false,
    last_run: summary.last_run === null ? null : dagRunV1(summary.last_run),
  };
}

/** v1 `params`: the run parameters as Airflow 2 serialises a DAG's `Param`s. */
function paramsV1(definition: PipelineSummary['definition']) {
  return Object.fromEntries(
    Object.entries(confParams(definition)).map(([name, param]) => [
      name,
      { __class: 'airflow.models.param.Param' as const, ...param },
    ]),
  );
}

/** v1 `DAGDetail`: the DAG plus its settings. */
export function dagDetailV1(summary: PipelineSummary) {
  const { definition } = summary;
  return {
    ...dagV1(summary),
    catchup: definition.catchup ?? false,
    concurrency: 16,
    dag_run_timeout: null,
    doc_md: definition.description,
    start_date: null,
    end_date: null,
    is_paused_upon_creation: definition.pausedOnCreation ?? false,
    last_parsed: null,
    orientation: 'LR',
    params: paramsV1(definition),
    render_template_as_native_obj: false,
    template_search_path: null,
    timezone: definition.timezone ?? 'UTC',
  };
}

/** v1 `DAGRun`. */
export function dagRunV1(run: RunRecord) {
  return {
    dag_run_id: run.run_id,
    dag_id: run.pipeline_id,
    logical_date: run.logical_date.toISOString(),
    execution_date: run.logical_date.toISOString(),
    data_interval_start: run.logical_date.toISOString(),
    data_interval_end: run.logical_date.toISOString(),
    start_date: iso(run.start_date),
    end_date: iso(run.end_date),
    state: run.state,
    external_trigger: run.run_type !== 'scheduled',
    run_type: run.run_type,
    conf: run.conf,
    note: run.note,
    last_scheduling_decision: null,
  };
}

/** v1 `TaskInstance` (state null until the task is scheduled); `output` and `error` are ours. */
export function taskInstanceV1(task: TaskRecord, run: RunRecord, executor: string) {
  return {
    task_id: task.task_id,
    task_display_name: task.task_id,
    dag_id: run.pipeline_id,
    dag_run_id: run.run_id,
    execution_date: run.logical_date.toISOString(),
    state: task.state,
    try_number: task.try_number,
    max_tries: task.max_tries,
    start_date: iso(task.start_date),
    end_date: iso(task.end_date),
    duration: task.duration,
    queued_when: iso(task.queued_at),
    next_retry_at: iso(task.next_retry_at),
    hostname: task.lease_owner?.split(':')[0] ?? '',
    unixname: 'mlops',
    pid: null,
    executor: null,
    executor_config: '{}',
    operator: 'TypeScriptTask',
    pool: 'default_pool',
    pool_slots: 1,
    priority_weight: 1,
    queue: executor,
    map_index: -1,
    rendered_map_index: null,
    rendered_fields: {},
    note: task.error,
    error: task.error,
    output: task.output,
  };
}

/** v1 `TaskInstanceReference`. */
export function taskReferenceV1(task: TaskRecord, run: RunRecord) {
  return {
    task_id: task.task_id,
    dag_id: run.pipeline_id,
    dag_run_id: run.run_id,
    execution_date: run.logical_date.toISOString(),
  };
}

/** The tasks that depend on `task`, directly. */
function downstreamIds(tasks: readonly TaskDefinition[], task: TaskDefinition): string[] {
  return tasks.filter((other) => other.dependsOn?.includes(task.id)).map((other) => other.id);
}

/** v1 `Task`. */
export function taskV1(tasks: readonly TaskDefinition[], task: TaskDefinition) {
  return {
    task_id: task.id,
    task_display_name: task.id,
    owner: 'mlops',
    description: task.description ?? null,
    doc_md: task.description ?? null,
    start_date: null,
    end_date: null,
    depends_on_past: false,
    wait_for_downstream: false,
    is_mapped: false,
    upstream_task_ids: task.dependsOn ?? [],
    downstream_task_ids: downstreamIds(tasks, task),
    retries: task.retries ?? 0,
    retry_delay: timeDelta(task.retryDelaySeconds ?? 10),
    retry_exponential_backoff: task.exponentialBackoff ?? false,
    ...(task.timeoutSeconds === undefined ? {} : { execution_timeout: timeDelta(task.timeoutSeconds) }),
    pool: 'default_pool',
    pool_slots: 1,
    priority_weight: 1,
    queue: null,
    executor: null,
    template_fields: [],
    extra_links: [],
  };
}

/** v2 `DAGResponse`. */
export function dagV2(summary: PipelineSummary) {
  const { definition } = summary;
  return {
    dag_id: definition.id,
    dag_display_name: definition.id,
    is_paused: summary.is_paused,
    is_stale: false,
    last_parsed_time: null,
    last_parse_duration: null,
    last_expired: null,
    bundle_name: 'mlops',
    bundle_version: null,
    relative_fileloc: `${definition.id}.ts`,
    fileloc: `pipelines/${definition.id}`,
    description: definition.description,
    timetable_summary: schedule(summary) ?? null,
    timetable_description:
      schedule(summary) === undefined ? 'Never, external triggers only' : schedule(summary),
    timetable_periodic: schedule(summary) !== undefined,
    timetable_partitioned: false,
    tags: (definition.tags ?? []).map((name) => ({
      name,
      dag_id: definition.id,
      dag_display_name: definition.id,
    })),
    max_active_tasks: 16,
    max_active_runs: definition.maxActiveRuns ?? 1,
    max_consecutive_failed_dag_runs: 0,
    has_task_concurrency_limits: false,
    has_import_errors: false,
    is_backfillable: false,
    next_dagrun_logical_date: iso(summary.next_run_at),
    next_dagrun_data_interval_start: iso(summary.next_run_at),
    next_dagrun_data_interval_end: iso(summary.next_run_at),
    next_dagrun_run_after: iso(summary.next_run_at),
    allowed_run_types: null,
    owners: ['mlops'],
    file_token: definition.id,
  };
}

/** v2 `DAGDetailsResponse`. */
export function dagDetailsV2(summary: PipelineSummary, activeRuns: number) {
  const { definition } = summary;
  return {
    ...dagV2(summary),
    catchup: definition.catchup ?? false,
    concurrency: 16,
    dag_run_timeout: null,
    doc_md: definition.description,
    start_date: null,
    end_date: null,
    is_paused_upon_creation: definition.pausedOnCreation ?? false,
    params: confParams(definition),
    render_template_as_native_obj: false,
    template_search_path: null,
    timezone: definition.timezone ?? 'UTC',
    last_parsed: null,
    default_args: {},
    owner_links: {},
    is_favorite: false,
    active_runs_count: activeRuns,
    latest_dag_version: null,
  };
}

const V2_RUN_TYPE = { manual: 'manual', scheduled: 'scheduled', event: 'asset_triggered' } as const;
const V2_TRIGGERED_BY = { manual: 'rest_api', scheduled: 'timetable', event: 'asset' } as const;

/** v2 `DAGRunResponse`. */
export function dagRunV2(run: RunRecord) {
  const end = run.end_date ?? null;
  return {
    dag_run_id: run.run_id,
    dag_id: run.pipeline_id,
    dag_display_name: run.pipeline_id,
    logical_date: run.logical_date.toISOString(),
    queued_at: run.created_at.toISOString(),
    start_date: iso(run.start_date),
    end_date: iso(end),
    duration:
      run.start_date === null || end === null ? null : (end.getTime() - run.start_date.getTime()) / 1000,
    data_interval_start: run.logical_date.toISOString(),
    data_interval_end: run.logical_date.toISOString(),
    run_after: run.logical_date.toISOString(),
    last_scheduling_decision: null,
    run_type: V2_RUN_TYPE[run.run_type],
    state: run.state,
    triggered_by: V2_TRIGGERED_BY[run.run_type],
    triggering_user_name: null,
    conf: run.conf,
    note: run.note,
    dag_versions: [],
    bundle_version: null,
  };
}

/** v2 `TaskInstanceResponse`. */
export function taskInstanceV2(task: TaskRecord, run: RunRecord, executor: string) {
  return {
    id: taskInstanceUuid(run.run_id, task.task_id),
    task_id: task.task_id,
    task_display_name: task.task_id,
    dag_id: run.pipeline_id,
    dag_display_name: run.pipeline_id,
    dag_run_id: run.run_id,
    map_index: -1,
    rendered_map_index: null,
    logical_date: run.logical_date.toISOString(),
    run_after: run.logical_date.toISOString(),
    start_date: iso(task.start_date),
    end_date: iso(task.end_date),
    duration: task.duration,
    state: task.state,
    try_number: task.try_number,
    max_tries: task.max_tries,
    hostname: task.lease_owner?.split(':')[0] ?? null,
    unixname: 'mlops',
    pool: 'default_pool',
    pool_slots: 1,
    queue: executor,
    priority_weight: 1,
    operator: 'TypeScriptTask',
    operator_name: 'TypeScriptTask',
    queued_when: iso(task.queued_at),
    scheduled_when: iso(task.queued_at),
    pid: null,
    executor: executor,
    executor_config: '{}',
    note: task.error,
    rendered_fields: {},
    trigger: null,
    triggerer_job: null,
    dag_version: null,
  };
}

/** v2 `TaskResponse`. */
export function taskV2(tasks: readonly TaskDefinition[], task: TaskDefinition) {
  return {
    task_id: task.id,
    task_display_name: task.id,
    owner: 'mlops',
    doc_md: task.description ?? null,
    start_date: null,
    end_date: null,
    trigger_rule: 'all_success',
    depends_on_past: false,
    wait_for_downstream: false,
    retries: task.retries ?? 0,
    queue: null,
    pool: 'default_pool',
    pool_slots: 1,
    execution_timeout: task.timeoutSeconds === undefined ? null : timeDelta(task.timeoutSeconds),
    retry_delay: timeDelta(task.retryDelaySeconds ?? 10),
    // Airflow 3 gives the backoff as its multiplier (0: none); ours doubles.
    retry_exponential_backoff: task.exponentialBackoff === true ? 2 : 0,
    priority_weight: 1,
    weight_rule: 'downstream',
    ui_color: '#fff',
    ui_fgcolor: '#000',
    template_fields: [],
    downstream_task_ids: downstreamIds(tasks, task),
    params: {},
    class_ref: { module_path: 'movie-mlops', class_name: 'TypeScriptTask' },
    operator_name: 'TypeScriptTask',
    is_mapped: false,
    extra_links: [],
  };
}

export interface LogLine {
  try_number: number;
  level: string;
  message: string;
  logged_at: Date;
}

export const LOG_END = 'end_of_log';
const LOG_POSITION = /^log_pos:(\d{1,18})$/;

/**
 * The continuation token after a page of log lines: the position of the last line (or the one the reader
 * came with), so following it returns only lines written since: how a reader tails a running task.
 */
export function logToken(lines: readonly { log_id: number }[], after: number | undefined): string {
  return `log_pos:${lines.at(-1)?.log_id ?? after ?? 0}`;
}

/**
 * The position a continuation token names: undefined without a token (the whole log), `'end'` for the
 * token earlier versions gave (`end_of_log`: nothing more), and an unreadable token reads from the start.
 */
export function logPosition(token: string | undefined): number | 'end' | undefined {
  if (token === undefined || token === '') return undefined;
  if (token === LOG_END) return 'end';
  const match = LOG_POSITION.exec(token);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** A log as one text (v1's `content`). */
export function logText(lines: readonly LogLine[]): string {
  return lines
    .map(
      (line) => `[${line.logged_at.toISOString()}] {try ${line.try_number}} ${line.level} - ${line.message}`,
    )
    .join('\n');
}

/** A log as Airflow 3's structured messages (v2's `content`). */
export function logMessages(lines: readonly LogLine[]) {
  return lines.map((line) => ({
    event: line.message,
    timestamp: line.logged_at.toISOString(),
    level: line.level.toLowerCase(),
    try_number: line.try_number,
  }));
}

/** Who made a request (written into the task logs of what they changed). */
export const whoAsked = (request: FastifyRequest): string | undefined => request.principal?.name;

/** Airflow's health answer (the same in v1 and v2): metadata database and scheduler heartbeat. */
export async function healthInfo(actions: RunActions) {
  const health = await actions.health();
  const beat = health.lastPassAt?.toISOString() ?? null;
  return {
    metadatabase: { status: health.isDatabaseUp ? 'healthy' : 'unhealthy' },
    scheduler: { status: beat === null ? 'unhealthy' : 'healthy', latest_scheduler_heartbeat: beat },
    triggerer: { status: null, latest_triggerer_heartbeat: null },
    dag_processor: { status: 'healthy', latest_dag_processor_heartbeat: beat },
  };
}

interface OurError {
  error_code?: string;
  message?: string;
  field?: string;
}

/** Turns our error bodies into Airflow 2's problem details (`type, title, status, detail, instance`). */
export function toProblemDetails(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  if (reply.statusCode < 400 || typeof payload !== 'string' || !payload.startsWith('{')) return payload;
  const body = JSON.parse(payload) as OurError;
  return JSON.stringify({
    type: `about:blank#${body.error_code ?? 'error'}`,
    title: body.error_code ?? 'error',
    status: reply.statusCode,
    detail: body.message,
    instance: request.url,
    ...body,
  });
}

const LOCATION: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/**
 * Turns our error bodies into FastAPI's, as Airflow 3 answers: `{"detail": "..."}`, and for a request
 * that fails its schema 422 with `{"detail": [{type, loc, msg}]}` (`loc` names the field).
 */
export function toFastApiError(reply: FastifyReply, payload: unknown): unknown {
  if (reply.statusCode < 400 || typeof payload !== 'string' || !payload.startsWith('{')) return payload;
  const body = JSON.parse(payload) as OurError;
  const [where, ...path] = (body.field ?? '').split('.');
  const location = where === undefined ? undefined : LOCATION[where];
  if (
    reply.statusCode === 400 &&
    body.error_code === 'MLOPS_ERR_REQUEST_VALIDATION' &&
    location !== undefined
  ) {
    reply.code(422);
    return JSON.stringify({
      detail: [{ type: 'value_error', loc: [location, ...path], msg: body.message ?? 'is invalid' }],
      ...body,
    });
  }
  return JSON.stringify({ detail: body.message ?? 'error', ...body });
}

import {
  confParams,
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
 *
 * Here: what both versions share and v1's shapes. v2's shapes are in airflow-v2-shapes.ts, finding
 * DAGs, runs and tasks in airflow-lookups.ts, logs in airflow-logs.ts, error bodies in airflow-errors.ts.
 */

export const iso = (date: Date | null | undefined): string | null => date?.toISOString() ?? null;

/** Airflow's TimeDelta: a `__type` tag and whole days, seconds, microseconds. */
export function timeDelta(totalSeconds: number) {
  const days = Math.floor(totalSeconds / 86_400);
  const rest = totalSeconds - days * 86_400;
  const seconds = Math.floor(rest);
  return { __type: 'TimeDelta' as const, days, seconds, microseconds: Math.round((rest - seconds) * 1e6) };
}

export const schedule = (summary: PipelineSummary) => summary.definition.schedule;

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
export function downstreamIds(tasks: readonly TaskDefinition[], task: TaskDefinition): string[] {
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

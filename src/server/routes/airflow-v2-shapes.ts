import { createHash } from 'node:crypto';
import {
  confParams,
  type PipelineSummary,
  type RunRecord,
  type TaskDefinition,
  type TaskRecord,
} from '../../pipelines/index.js';
import { downstreamIds, iso, schedule, timeDelta } from './airflow-shapes.js';

/** Airflow 3's REST API (`/api/v2`, the 3.x client) shapes, from the pipeline engine's records. */

/** A stable id for a task instance (v2 names them by UUID). */
function taskInstanceUuid(runId: string, taskId: string): string {
  const hex = createHash('sha256').update(`${runId}/${taskId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** v2 `DAGResponse`. */
export function dagV2(summary: PipelineSummary) {
  const { definition } = summary;
  const cron = schedule(summary);
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
    timetable_summary: cron ?? null,
    timetable_description: cron === undefined ? 'Never, external triggers only' : cron,
    timetable_periodic: cron !== undefined,
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

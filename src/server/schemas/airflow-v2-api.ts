import { z } from 'zod';
import { AirflowHealth, DagParam } from './pipeline-api.js';

/**
 * Airflow 3's REST API (`/api/v2`) as our routes answer it (routes/airflow-v2-routes.ts and
 * airflow-v2-run-routes.ts, shapes in airflow-v2-shapes.ts): what the 3.x `apache-airflow-client` reads.
 */

const timestamp = z.string();

const TimeDelta = z.object({
  __type: z.literal('TimeDelta'),
  days: z.number(),
  seconds: z.number(),
  microseconds: z.number(),
});

export const DagV2 = z.object({
  dag_id: z.string(),
  dag_display_name: z.string(),
  is_paused: z.boolean(),
  is_stale: z.boolean(),
  last_parsed_time: z.null(),
  last_parse_duration: z.null(),
  last_expired: z.null(),
  bundle_name: z.string(),
  bundle_version: z.null(),
  relative_fileloc: z.string(),
  fileloc: z.string(),
  description: z.string(),
  timetable_summary: z.string().nullable(),
  timetable_description: z.string(),
  timetable_periodic: z.boolean(),
  timetable_partitioned: z.boolean(),
  tags: z.array(z.object({ name: z.string(), dag_id: z.string(), dag_display_name: z.string() })),
  max_active_tasks: z.number(),
  max_active_runs: z.number(),
  max_consecutive_failed_dag_runs: z.number(),
  has_task_concurrency_limits: z.boolean(),
  has_import_errors: z.boolean(),
  is_backfillable: z.boolean(),
  next_dagrun_logical_date: timestamp.nullable(),
  next_dagrun_data_interval_start: timestamp.nullable(),
  next_dagrun_data_interval_end: timestamp.nullable(),
  next_dagrun_run_after: timestamp.nullable(),
  allowed_run_types: z.null(),
  owners: z.array(z.string()),
  file_token: z.string(),
});

export const DagListV2 = z.object({ dags: z.array(DagV2), total_entries: z.number() });

export const DagDetailsV2 = DagV2.extend({
  catchup: z.boolean(),
  concurrency: z.number(),
  dag_run_timeout: z.null(),
  doc_md: z.string(),
  start_date: z.null(),
  end_date: z.null(),
  is_paused_upon_creation: z.boolean(),
  params: z.record(z.string(), DagParam.omit({ __class: true })),
  render_template_as_native_obj: z.boolean(),
  template_search_path: z.null(),
  timezone: z.string(),
  last_parsed: z.null(),
  default_args: z.record(z.string(), z.unknown()),
  owner_links: z.record(z.string(), z.unknown()),
  is_favorite: z.boolean(),
  active_runs_count: z.number(),
  latest_dag_version: z.null(),
});

export const DagRunV2 = z.object({
  dag_run_id: z.string(),
  dag_id: z.string(),
  dag_display_name: z.string(),
  logical_date: timestamp,
  queued_at: timestamp,
  start_date: timestamp.nullable(),
  end_date: timestamp.nullable(),
  duration: z.number().nullable(),
  data_interval_start: timestamp,
  data_interval_end: timestamp,
  run_after: timestamp,
  last_scheduling_decision: z.null(),
  run_type: z.enum(['manual', 'scheduled', 'asset_triggered']),
  state: z.enum(['queued', 'running', 'success', 'failed']),
  triggered_by: z.enum(['rest_api', 'timetable', 'asset']),
  triggering_user_name: z.null(),
  conf: z.record(z.string(), z.unknown()),
  note: z.string().nullable(),
  dag_versions: z.array(z.unknown()),
  bundle_version: z.null(),
});

export const DagRunListV2 = z.object({ dag_runs: z.array(DagRunV2), total_entries: z.number() });

export const TaskInstanceV2 = z.object({
  id: z.string(),
  task_id: z.string(),
  task_display_name: z.string(),
  dag_id: z.string(),
  dag_display_name: z.string(),
  dag_run_id: z.string(),
  map_index: z.number(),
  rendered_map_index: z.null(),
  logical_date: timestamp,
  run_after: timestamp,
  start_date: timestamp.nullable(),
  end_date: timestamp.nullable(),
  duration: z.number().nullable(),
  state: z.string().nullable(),
  try_number: z.number(),
  max_tries: z.number(),
  hostname: z.string().nullable(),
  unixname: z.string(),
  pool: z.string(),
  pool_slots: z.number(),
  queue: z.string(),
  priority_weight: z.number(),
  operator: z.string(),
  operator_name: z.string(),
  queued_when: timestamp.nullable(),
  scheduled_when: timestamp.nullable(),
  pid: z.null(),
  executor: z.string(),
  executor_config: z.string(),
  note: z.string().nullable(),
  rendered_fields: z.record(z.string(), z.unknown()),
  trigger: z.null(),
  triggerer_job: z.null(),
  dag_version: z.null(),
});

export const TaskInstanceListV2 = z.object({
  task_instances: z.array(TaskInstanceV2),
  total_entries: z.number(),
});

export const TaskV2 = z.object({
  task_id: z.string(),
  task_display_name: z.string(),
  owner: z.string(),
  doc_md: z.string().nullable(),
  start_date: z.null(),
  end_date: z.null(),
  trigger_rule: z.string(),
  depends_on_past: z.boolean(),
  wait_for_downstream: z.boolean(),
  retries: z.number(),
  queue: z.null(),
  pool: z.string(),
  pool_slots: z.number(),
  execution_timeout: TimeDelta.nullable(),
  retry_delay: TimeDelta,
  retry_exponential_backoff: z.number(),
  priority_weight: z.number(),
  weight_rule: z.string(),
  ui_color: z.string(),
  ui_fgcolor: z.string(),
  template_fields: z.array(z.string()),
  downstream_task_ids: z.array(z.string()),
  params: z.record(z.string(), z.unknown()),
  class_ref: z.object({ module_path: z.string(), class_name: z.string() }),
  operator_name: z.string(),
  is_mapped: z.boolean(),
  extra_links: z.array(z.unknown()),
});

export const TaskListV2 = z.object({ tasks: z.array(TaskV2), total_entries: z.number() });

/** Airflow 3's structured log: one message per line, and the token to follow for more. */
export const TaskLogsV2 = z.object({
  content: z.array(
    z.object({ event: z.string(), timestamp: z.string(), level: z.string(), try_number: z.number() }),
  ),
  continuation_token: z.string(),
});

export const HealthV2 = AirflowHealth;
export const VersionV2 = z.object({ version: z.string(), git_version: z.null() });

import { z } from 'zod';
import { isoDateTime } from './wire.js';

/**
 * Airflow 2's stable REST API (`/api/v1`) as our pipeline routes answer it (routes/pipeline-routes.ts,
 * shapes built in routes/airflow-shapes.ts): every field the 2.x `apache-airflow-client` reads, plus a
 * few of ours for the UI (`timezone`, `catchup`, `last_run`, a task instance's `error` and `output`).
 */

const timestamp = z.string();
const RunState = z.enum(['queued', 'running', 'success', 'failed']);

export const DagRun = z.object({
  dag_run_id: z.string(),
  dag_id: z.string(),
  logical_date: timestamp,
  execution_date: timestamp,
  data_interval_start: timestamp,
  data_interval_end: timestamp,
  start_date: timestamp.nullable(),
  end_date: timestamp.nullable(),
  state: RunState,
  external_trigger: z.boolean(),
  run_type: z.enum(['manual', 'scheduled', 'event']),
  conf: z.record(z.string(), z.unknown()),
  note: z.string().nullable(),
  last_scheduling_decision: z.null(),
});
export type DagRun = z.input<typeof DagRun>;

export const Dag = z.object({
  dag_id: z.string(),
  dag_display_name: z.string(),
  root_dag_id: z.null(),
  is_paused: z.boolean(),
  is_active: z.boolean(),
  is_subdag: z.boolean(),
  last_parsed_time: z.null(),
  last_pickled: z.null(),
  last_expired: z.null(),
  scheduler_lock: z.null(),
  pickle_id: z.null(),
  default_view: z.string(),
  fileloc: z.string(),
  file_token: z.string(),
  owners: z.array(z.string()),
  description: z.string(),
  schedule_interval: z.object({ __type: z.literal('CronExpression'), value: z.string() }).nullable(),
  timetable_description: z.string().nullable(),
  tags: z.array(z.object({ name: z.string() })),
  max_active_tasks: z.number(),
  max_active_runs: z.number(),
  max_consecutive_failed_dag_runs: z.number(),
  has_task_concurrency_limits: z.boolean(),
  has_import_errors: z.boolean(),
  next_dagrun: timestamp.nullable(),
  next_dagrun_data_interval_start: timestamp.nullable(),
  next_dagrun_data_interval_end: timestamp.nullable(),
  next_dagrun_create_after: timestamp.nullable(),
  timezone: z.string(),
  catchup: z.boolean(),
  last_run: DagRun.nullable(),
});
export type Dag = z.input<typeof Dag>;

export const DagList = z.object({ dags: z.array(Dag), total_entries: z.number() });
export type DagList = z.input<typeof DagList>;

export const DagRunList = z.object({ dag_runs: z.array(DagRun), total_entries: z.number() });
export type DagRunList = z.input<typeof DagRunList>;

/** JSON Schema of a run parameter: the keywords a trigger form reads, and any other. */
const ParamSchema = z
  .object({
    type: z.union([z.string(), z.array(z.string())]).optional(),
    enum: z.array(z.unknown()).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    items: z
      .object({ type: z.string().optional(), enum: z.array(z.unknown()).optional() })
      .catchall(z.unknown())
      .optional(),
    /** Ours, for forms: the field has no default and is not optional. */
    required: z.boolean().optional(),
  })
  .catchall(z.unknown());

/** One run parameter as Airflow 2 serialises a DAG's `Param`: its default and a JSON schema. */
export const DagParam = z.object({
  __class: z.literal('airflow.models.param.Param'),
  value: z.unknown(),
  description: z.string().nullable(),
  schema: ParamSchema,
});
export type DagParam = z.input<typeof DagParam>;

export const DagDetails = Dag.extend({
  concurrency: z.number(),
  dag_run_timeout: z.null(),
  doc_md: z.string(),
  start_date: z.null(),
  end_date: z.null(),
  is_paused_upon_creation: z.boolean(),
  last_parsed: z.null(),
  orientation: z.string(),
  params: z.record(z.string(), DagParam),
  render_template_as_native_obj: z.boolean(),
  template_search_path: z.null(),
});
export type DagDetails = z.input<typeof DagDetails>;

const TimeDelta = z.object({
  __type: z.literal('TimeDelta'),
  days: z.number(),
  seconds: z.number(),
  microseconds: z.number(),
});

export const DagTask = z.object({
  task_id: z.string(),
  task_display_name: z.string(),
  owner: z.string(),
  description: z.string().nullable(),
  doc_md: z.string().nullable(),
  start_date: z.null(),
  end_date: z.null(),
  depends_on_past: z.boolean(),
  wait_for_downstream: z.boolean(),
  is_mapped: z.boolean(),
  upstream_task_ids: z.array(z.string()),
  downstream_task_ids: z.array(z.string()),
  retries: z.number(),
  retry_delay: TimeDelta,
  retry_exponential_backoff: z.boolean(),
  execution_timeout: TimeDelta.optional(),
  pool: z.string(),
  pool_slots: z.number(),
  priority_weight: z.number(),
  queue: z.null(),
  executor: z.null(),
  template_fields: z.array(z.string()),
  extra_links: z.array(z.unknown()),
});
export type DagTask = z.input<typeof DagTask>;

export const DagTaskList = z.object({ tasks: z.array(DagTask), total_entries: z.number() });
export type DagTaskList = z.input<typeof DagTaskList>;

export const TaskInstance = z.object({
  task_id: z.string(),
  task_display_name: z.string(),
  dag_id: z.string(),
  dag_run_id: z.string(),
  execution_date: timestamp,
  state: z.string().nullable(),
  try_number: z.number(),
  max_tries: z.number(),
  start_date: timestamp.nullable(),
  end_date: timestamp.nullable(),
  duration: z.number().nullable(),
  queued_when: timestamp.nullable(),
  next_retry_at: timestamp.nullable(),
  hostname: z.string(),
  unixname: z.string(),
  pid: z.null(),
  executor: z.null(),
  executor_config: z.string(),
  operator: z.string(),
  pool: z.string(),
  pool_slots: z.number(),
  priority_weight: z.number(),
  queue: z.string(),
  map_index: z.number(),
  rendered_map_index: z.null(),
  rendered_fields: z.record(z.string(), z.unknown()),
  note: z.string().nullable(),
  /** Ours: why the task failed, and what it returned. */
  error: z.string().nullable(),
  output: z.unknown(),
});
export type TaskInstance = z.input<typeof TaskInstance>;

export const TaskInstanceList = z.object({
  task_instances: z.array(TaskInstance),
  total_entries: z.number(),
});
export type TaskInstanceList = z.input<typeof TaskInstanceList>;

export const TaskInstanceReference = z.object({
  task_id: z.string(),
  dag_id: z.string(),
  dag_run_id: z.string(),
  execution_date: timestamp,
});
export type TaskInstanceReference = z.input<typeof TaskInstanceReference>;

export const TaskInstanceReferences = z.object({ task_instances: z.array(TaskInstanceReference) });
export type TaskInstanceReferences = z.input<typeof TaskInstanceReferences>;

/** `GET /api/v1/dags/:id/grid` (not Airflow's REST API): the latest runs (oldest first) × tasks. */
export const DagGrid = z.object({
  dag_id: z.string(),
  task_ids: z.array(z.string()),
  dag_runs: z.array(DagRun),
  /** Task instances without their output (large: the task instance route has it). */
  task_instances: z.array(TaskInstance.omit({ output: true })),
});
export type DagGrid = z.input<typeof DagGrid>;

/** One stored log line: its position, try, level and the time it was logged. */
export const LogLine = z.object({
  log_id: z.number(),
  try_number: z.number(),
  level: z.string(),
  message: z.string(),
  logged_at: isoDateTime,
});
export type LogLine = z.input<typeof LogLine>;

/** A task's log: `content` as one text, `lines` one by one; follow `continuation_token` to tail it. */
export const TaskLogs = z.object({
  continuation_token: z.string(),
  content: z.string(),
  lines: z.array(LogLine),
});
export type TaskLogs = z.input<typeof TaskLogs>;

export const AirflowHealth = z.object({
  metadatabase: z.object({ status: z.string() }),
  scheduler: z.object({ status: z.string(), latest_scheduler_heartbeat: timestamp.nullable() }),
  triggerer: z.object({ status: z.null(), latest_triggerer_heartbeat: z.null() }),
  dag_processor: z.object({ status: z.string(), latest_dag_processor_heartbeat: timestamp.nullable() }),
});

export const AirflowVersion = z.object({ version: z.string(), git_version: z.string() });

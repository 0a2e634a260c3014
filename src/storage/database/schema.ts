import type { ColumnType, Generated } from 'kysely';

/**
 * Tables of the metadata database, as Kysely sees them. Each migration that adds a table adds its
 * interface here; names follow CONVENTIONS.md (snake_case, plural).
 */
export interface DatabaseSchema {
  platform_meta: PlatformMetaTable;
  dataset_versions: DatasetVersionsTable;
  lineage_edges: LineageEdgesTable;
  movies: MoviesTable;
  experiments: ExperimentsTable;
  experiment_tags: KeyValueTable & { experiment_id: number };
  runs: RunsTable;
  run_params: KeyValueTable & { run_id: string };
  run_tags: KeyValueTable & { run_id: string };
  run_metrics: MetricsTable;
  latest_metrics: MetricsTable;
  registered_models: RegisteredModelsTable;
  registered_model_tags: KeyValueTable & { name: string };
  model_versions: ModelVersionsTable;
  model_version_tags: KeyValueTable & { name: string; version: number };
  model_version_artifacts: ModelVersionArtifactsTable;
  registered_model_aliases: { name: string; alias: string; version: number };
  model_transitions: ModelTransitionsTable;
  feedback: FeedbackTable;
  feature_definitions: FeatureDefinitionsTable;
  feature_builds: FeatureBuildsTable;
  feature_materializations: FeatureMaterializationsTable;
  online_features: OnlineFeaturesTable;
  pipelines: PipelinesTable;
  pipeline_runs: PipelineRunsTable;
  task_instances: TaskInstancesTable;
  task_logs: TaskLogsTable;
  alerts: AlertsTable;
  events: EventsTable;
  event_consumer_offsets: {
    group_id: string;
    topic: string;
    position: string | number;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  event_consumer_leases: { group_id: string; owner: string; lease_until: Date };
  event_processed: {
    group_id: string;
    event_id: string;
    processed_at: ColumnType<Date, Date | undefined, Date>;
  };
  automation_actions: AutomationActionsTable;
  api_tokens: ApiTokensTable;
  user_identities: UserIdentitiesTable;
  stream_tickets: StreamTicketsTable;
}

/** Single-use tickets for the live event stream: who asked (a snapshot of their token) and until when. */
export interface StreamTicketsTable {
  ticket_hash: string;
  token_id: string;
  name: string;
  role: string;
  expires_at: Date;
}

/** External user ids that are not plain numbers, and the integer key each was given. */
export interface UserIdentitiesTable {
  external_id: string;
  user_key: Generated<number>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface ApiTokensTable {
  token_id: string;
  name: string;
  role: string;
  secret_hash: string;
  created_by: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface EventsTable {
  /** bigint: comes back as a string from PostgreSQL. */
  seq: Generated<string>;
  topic: string;
  event_id: string | null;
  type: string | null;
  key: string;
  payload: string;
  published_at: ColumnType<Date, Date | undefined, never>;
}

export interface AutomationActionsTable {
  action_id: string;
  automation: string;
  event_id: string;
  event_type: string;
  outcome: 'triggered' | 'suppressed' | 'applied' | 'failed';
  detail: string;
  run_id: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface RegisteredModelsTable {
  name: string;
  description: string;
  user_id: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

export interface ModelVersionsTable {
  name: string;
  version: number;
  description: string;
  user_id: string;
  current_stage: string;
  source: string;
  run_id: string | null;
  run_link: string;
  status: string;
  status_message: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  /** The folder of the version's files in the MLflow artifact proxy, fixed at registration (null before migration 0013). */
  artifact_root: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One file of a registered model version, hashed at registration. */
export interface ModelVersionArtifactsTable {
  name: string;
  version: number;
  /** Relative to the version's `artifact_root`. */
  path: string;
  sha256: string;
  size_bytes: ColumnType<string | number, number, number>;
}

export interface ModelTransitionsTable {
  transition_id: Generated<number>;
  name: string;
  version: number;
  /** `stage` or `alias:<name>`. */
  change: string;
  from_value: string | null;
  to_value: string | null;
  actor: string;
  reason: string;
  created_at: number;
}

export interface ExperimentsTable {
  experiment_id: Generated<number>;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
}

export interface KeyValueTable {
  key: string;
  value: string;
}

export interface RunsTable {
  run_id: string;
  experiment_id: number;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  artifact_uri: string;
  lifecycle_stage: string;
  deleted_time: number | null;
}

export interface MetricsTable {
  run_id: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

/** One content-addressed version of a dataset (the id is the SHA-256 of its file). */
export interface DatasetVersionsTable {
  version_id: string;
  dataset: string;
  format: string;
  artifact_key: string;
  size_bytes: number;
  row_count: number | null;
  source: string;
  params: Json<Record<string, unknown>>;
  code_revision: string;
  validation: ColumnType<unknown | null, string | null | undefined, string | null>;
  is_valid: boolean | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** "parent was used to make child": dataset → dataset, dataset → features → run → model version. */
export interface LineageEdgesTable {
  parent_kind: string;
  parent_id: string;
  child_kind: string;
  child_id: string;
  created_at: CreatedAt;
}

/** The current catalogue, loaded from the latest catalogue dataset version, for the movie API. */
export interface MoviesTable {
  movie_id: number;
  title: string;
  overview: string;
  genres: Json<string[]>;
  release_date: string | null;
  popularity: number;
  vote_average: number;
  vote_count: number;
  poster_path: string | null;
  source: string;
  dataset_version: string;
}

/** Facts about this installation: instance id, when it was created. One row per key. */
export interface PlatformMetaTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** One user's reaction to a movie, as `POST /api/v1/feedback` records it. */
export interface FeedbackTable {
  feedback_id: string;
  user_id: number;
  movie_id: number;
  interaction_type: string;
  rating: number | null;
  /** `champion` or `challenger`: which A/B arm served this user. */
  variant: string;
  model_name: string;
  model_version: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** One version of one feature-registry object (entity, feature view, on-demand view, feature service). */
export interface FeatureDefinitionsTable {
  kind: string;
  name: string;
  version: number;
  spec: unknown;
  spec_hash: string;
  applied_at: ColumnType<Date, Date | undefined, never>;
  removed_at: Date | null;
}

/** A feature view computed into the offline store: its Parquet dataset version and statistics. */
export interface FeatureBuildsTable {
  build_id: string;
  feature_view: string;
  definition_version: number;
  dataset_version_id: string;
  row_count: ColumnType<number, number, number>;
  inputs: unknown;
  statistics: unknown;
  validation: unknown;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** One copy of a view's latest values into an online store. */
export interface FeatureMaterializationsTable {
  materialization_id: string;
  feature_view: string;
  build_id: string;
  online_store: string;
  mode: string;
  start_ts: Date | null;
  end_ts: Date;
  row_count: ColumnType<number, number, number>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** The embedded online store: the latest values of each entity of each view. */
export interface OnlineFeaturesTable {
  feature_view: string;
  entity_key: string;
  feature_values: unknown;
  event_timestamp: Date;
  seq: ColumnType<number, number | undefined, never>;
}

/** A registered pipeline's state: paused or not, and where its schedule is. */
export interface PipelinesTable {
  pipeline_id: string;
  is_paused: ColumnType<boolean, boolean | undefined, boolean>;
  last_scheduled_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** One run of a pipeline (Airflow's DAG run). */
export interface PipelineRunsTable {
  run_id: string;
  pipeline_id: string;
  state: string;
  run_type: string;
  conf: unknown;
  note: string | null;
  logical_date: Date;
  created_at: ColumnType<Date, Date | undefined, never>;
  start_date: Date | null;
  end_date: Date | null;
}

/** One task of one run, with its current attempt. */
export interface TaskInstancesTable {
  run_id: string;
  task_id: string;
  state: string | null;
  try_number: ColumnType<number, number | undefined, number>;
  max_tries: number;
  pending_upstream: ColumnType<number, number | undefined, number>;
  queued_at: Date | null;
  start_date: Date | null;
  end_date: Date | null;
  duration: number | null;
  next_retry_at: Date | null;
  output: unknown;
  error: string | null;
  lease_owner: string | null;
  heartbeat_at: Date | null;
}

/** A line a task attempt logged. */
export interface TaskLogsTable {
  log_id: ColumnType<number, never, never>;
  run_id: string;
  task_id: string;
  try_number: number;
  level: string;
  message: string;
  logged_at: ColumnType<Date, Date | undefined, never>;
}

/** One alert: when it fired, when it resolved, and whether the webhook was told. */
export interface AlertsTable {
  alert_id: string;
  name: string;
  severity: string;
  status: string;
  summary: string;
  description: string;
  value: number;
  runbook: string;
  started_at: Date;
  resolved_at: Date | null;
  notified: boolean;
}

import type { ColumnType, Generated } from 'kysely';
import type { KeyValueTable } from './column-types.js';

/** Tables owned by tracking/ (experiments, runs, metrics, logged models, datasets, artifact uploads): other capabilities go through its service, not these tables. */
export interface TrackingTables {
  experiments: ExperimentsTable;
  experiment_tags: KeyValueTable & { experiment_id: number };
  runs: RunsTable;
  run_params: KeyValueTable & { run_id: string };
  run_tags: KeyValueTable & { run_id: string };
  run_metrics: MetricsTable;
  latest_metrics: MetricsTable;
  logged_models: LoggedModelsTable;
  logged_model_params: KeyValueTable & { model_id: string };
  logged_model_tags: KeyValueTable & { model_id: string };
  logged_model_metrics: LoggedModelMetricsTable;
  tracking_datasets: TrackingDatasetsTable;
  run_dataset_inputs: { run_id: string; dataset_uuid: string; position: number };
  run_dataset_input_tags: KeyValueTable & { run_id: string; dataset_uuid: string };
  run_model_links: { run_id: string; model_id: string; direction: 'input' | 'output'; step: number };
  artifact_multipart_uploads: {
    upload_id: string;
    artifact_key: string;
    backend_upload_id: string;
    created_at: number;
  };
}

export interface ExperimentsTable {
  experiment_id: Generated<number>;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
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

/** An MLflow 3 logged model: a model's files, params, tags and metrics, apart from any run. */
export interface LoggedModelsTable {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  model_type: string | null;
  source_run_id: string | null;
  status: string;
  status_message: ColumnType<string, string | undefined, string>;
  lifecycle_stage: ColumnType<string, string | undefined, string>;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
}

export interface LoggedModelMetricsTable {
  model_id: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
  run_id: string;
  dataset_name: string;
  dataset_digest: string;
}

/** A dataset a run read, as MLflow describes it (`mlflow.log_input`). */
export interface TrackingDatasetsTable {
  dataset_uuid: string;
  experiment_id: number;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
}

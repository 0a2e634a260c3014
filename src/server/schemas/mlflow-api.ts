import { z } from 'zod';
import { Experiment, ModelVersion, RegisteredModelSummary } from './registry-api.js';

/**
 * MLflow's REST API (`/api/2.0/mlflow/...`) as the official client reads it: the answers of
 * routes/mlflow-routes.ts and routes/mlflow-registry-routes.ts. Optional fields are left out of an
 * answer when empty, as MLflow's proto-JSON does.
 */

export { Experiment, ModelVersion };
export const RegisteredModel = RegisteredModelSummary;
export type RegisteredModel = z.input<typeof RegisteredModel>;

/** An answer with nothing in it (`{}`): what MLflow's setters and deletes return. */
export const Empty = z.object({});
export type Empty = z.input<typeof Empty>;

const Tag = z.object({ key: z.string(), value: z.string() });

export const ExperimentId = z.object({ experiment_id: z.string() });
export const ExperimentAnswer = z.object({ experiment: Experiment });
export const ExperimentSearch = z.object({
  experiments: z.array(Experiment),
  next_page_token: z.string().optional(),
});
export type ExperimentSearch = z.input<typeof ExperimentSearch>;

/** A metric point; a value that is not finite is proto-JSON's string ("NaN", "Infinity", "-Infinity"). */
export const Metric = z.object({
  key: z.string(),
  value: z.union([z.number(), z.string()]),
  timestamp: z.number(),
  step: z.number(),
});
export type Metric = z.input<typeof Metric>;

export const RunInfo = z.object({
  run_id: z.string(),
  run_uuid: z.string(),
  run_name: z.string(),
  experiment_id: z.string(),
  user_id: z.string(),
  status: z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']),
  start_time: z.number(),
  end_time: z.number().optional(),
  artifact_uri: z.string(),
  lifecycle_stage: z.enum(['active', 'deleted']),
});
export type RunInfo = z.input<typeof RunInfo>;

export const DatasetInput = z.object({
  tags: z.array(Tag),
  dataset: z.object({
    name: z.string(),
    digest: z.string(),
    source_type: z.string(),
    source: z.string(),
    schema: z.string().optional(),
    profile: z.string().optional(),
  }),
});

export const Run = z.object({
  info: RunInfo,
  data: z.object({ metrics: z.array(Metric), params: z.array(Tag), tags: z.array(Tag) }),
  /** What the run read: datasets (`mlflow.log_input`) and MLflow 3 logged models. */
  inputs: z.object({
    dataset_inputs: z.array(DatasetInput),
    model_inputs: z.array(z.object({ model_id: z.string() })).optional(),
  }),
  /** The MLflow 3 logged models the run produced. */
  outputs: z
    .object({ model_outputs: z.array(z.object({ model_id: z.string(), step: z.number() })) })
    .optional(),
});
export type Run = z.input<typeof Run>;

export const RunAnswer = z.object({ run: Run });
export type RunAnswer = z.input<typeof RunAnswer>;
export const RunInfoAnswer = z.object({ run_info: RunInfo });
export const RunSearch = z.object({ runs: z.array(Run).optional(), next_page_token: z.string().optional() });
export type RunSearch = z.input<typeof RunSearch>;

export const MetricHistory = z.object({
  metrics: z.array(Metric),
  next_page_token: z.string().optional(),
});
export type MetricHistory = z.input<typeof MetricHistory>;

export const ArtifactFile = z.object({
  path: z.string(),
  is_dir: z.boolean(),
  file_size: z.number().optional(),
});
export type ArtifactFile = z.input<typeof ArtifactFile>;

/** One directory level of a run's artifacts (`files` left out when it is empty). */
export const ArtifactList = z.object({ root_uri: z.string(), files: z.array(ArtifactFile).optional() });
export type ArtifactList = z.input<typeof ArtifactList>;

export const RegisteredModelAnswer = z.object({ registered_model: RegisteredModel });
export type RegisteredModelAnswer = z.input<typeof RegisteredModelAnswer>;
export const RegisteredModelSearch = z.object({
  registered_models: z.array(RegisteredModel).optional(),
  next_page_token: z.string().optional(),
});
export type RegisteredModelSearch = z.input<typeof RegisteredModelSearch>;
export const ModelVersionAnswer = z.object({ model_version: ModelVersion });
export type ModelVersionAnswer = z.input<typeof ModelVersionAnswer>;
export const ModelVersionList = z.object({ model_versions: z.array(ModelVersion) });
export const ModelVersionSearch = z.object({
  model_versions: z.array(ModelVersion).optional(),
  next_page_token: z.string().optional(),
});
export type ModelVersionSearch = z.input<typeof ModelVersionSearch>;
export const DownloadUri = z.object({ artifact_uri: z.string() });

/** A metric point logged against an MLflow 3 logged model (`log_metric(..., model_id=)`). */
export const LoggedModelMetric = Metric.extend({
  model_id: z.string(),
  run_id: z.string().optional(),
  dataset_name: z.string().optional(),
  dataset_digest: z.string().optional(),
});
export type LoggedModelMetric = z.input<typeof LoggedModelMetric>;

/** MLflow 3's `LoggedModel` (`/logged-models`): PENDING until finalized READY or UPLOAD_FAILED. */
export const LoggedModel = z.object({
  info: z.object({
    model_id: z.string(),
    experiment_id: z.string(),
    name: z.string(),
    creation_timestamp_ms: z.number(),
    last_updated_timestamp_ms: z.number(),
    artifact_uri: z.string(),
    status: z.enum([
      'LOGGED_MODEL_STATUS_UNSPECIFIED',
      'LOGGED_MODEL_PENDING',
      'LOGGED_MODEL_READY',
      'LOGGED_MODEL_UPLOAD_FAILED',
    ]),
    model_type: z.string().optional(),
    source_run_id: z.string().optional(),
    status_message: z.string().optional(),
    tags: z.array(Tag),
  }),
  data: z.object({ params: z.array(Tag), metrics: z.array(LoggedModelMetric) }),
});
export type LoggedModel = z.input<typeof LoggedModel>;
export const LoggedModelAnswer = z.object({ model: LoggedModel });
export type LoggedModelAnswer = z.input<typeof LoggedModelAnswer>;
/** A page of logged models (`models` left out when it is empty). */
export const LoggedModelSearch = z.object({
  models: z.array(LoggedModel).optional(),
  next_page_token: z.string().optional(),
});
export type LoggedModelSearch = z.input<typeof LoggedModelSearch>;

/** What an MLflow 3 client asks before uploading (`/api/3.0/mlflow/server-info`). */
export const ServerInfo = z.object({
  store_type: z.string(),
  artifact_serving_enabled: z.boolean(),
  multipart_uploads_enabled: z.boolean(),
  multipart_downloads_enabled: z.boolean(),
  workspaces_enabled: z.boolean(),
});
export type ServerInfo = z.input<typeof ServerInfo>;

/** A directory of the artifact proxy (`GET /api/2.0/mlflow-artifacts/artifacts?path=`), `files` left out when empty. */
export const ProxiedArtifactList = z.object({ files: z.array(ArtifactFile).optional() });
export type ProxiedArtifactList = z.input<typeof ProxiedArtifactList>;

/** A started multipart upload (`mpu/create`): where to PUT each part, with the headers to send. */
export const MultipartUpload = z.object({
  upload_id: z.string(),
  credentials: z.array(
    z.object({ url: z.string(), part_number: z.number(), headers: z.record(z.string(), z.string()) }),
  ),
});
export type MultipartUpload = z.input<typeof MultipartUpload>;

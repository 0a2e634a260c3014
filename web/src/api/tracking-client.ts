/**
 * The tracking calls of the run, runs, compare and model version pages: MLflow REST routes under
 * `/api/2.0/mlflow`. Types mirror the zod schemas of src/server/routes/mlflow-*.ts.
 */
import { ApiError, getBlob, getJson, postJson, storedToken } from './http';

export interface Experiment {
  experiment_id: string;
  name: string;
}

export interface RunSummary {
  info: {
    run_id: string;
    run_name: string;
    experiment_id: string;
    status: string;
    start_time: number;
    end_time?: number;
    artifact_uri: string;
  };
  data: {
    params?: { key: string; value: string }[];
    metrics?: { key: string; value: number; step: number }[];
    tags?: { key: string; value: string }[];
  };
  /** What the run read: datasets (`mlflow.log_input`) and MLflow 3 logged models. */
  inputs?: {
    dataset_inputs?: {
      tags?: { key: string; value: string }[];
      dataset: { name: string; digest: string; source_type: string; source: string; schema?: string };
    }[];
    model_inputs?: { model_id: string }[];
  };
  /** The MLflow 3 logged models the run produced. */
  outputs?: { model_outputs?: { model_id: string; step: number }[] };
}

export interface MetricPoint {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

export const fetchExperiments = () =>
  getJson<{ experiments?: Experiment[] }>('/api/2.0/mlflow/experiments/search?max_results=1000');
export const searchRuns = (experimentIds: string[], filter: string) =>
  postJson<{ runs?: RunSummary[] }>('/api/2.0/mlflow/runs/search', {
    experiment_ids: experimentIds,
    filter,
    max_results: 200,
    order_by: ['attributes.start_time DESC'],
  });
export const fetchRun = (runId: string) =>
  getJson<{ run: RunSummary }>(`/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(runId)}`);
export const fetchMetricHistory = (runId: string, key: string) =>
  getJson<{ metrics?: MetricPoint[] }>(
    `/api/2.0/mlflow/metrics/get-history?run_id=${encodeURIComponent(runId)}&metric_key=${encodeURIComponent(key)}&max_results=25000`,
  );
export const fetchArtifacts = (runId: string, path: string) =>
  getJson<{ files?: { path: string; is_dir: boolean; file_size?: number }[] }>(
    `/api/2.0/mlflow/artifacts/list?run_id=${encodeURIComponent(runId)}&path=${encodeURIComponent(path)}`,
  );

const MLFLOW = '/api/2.0/mlflow';
const query = (values: Record<string, string>) => new URLSearchParams(values).toString();

/** The tag MLflow's UI keeps a run's (or a version's) markdown note in. */
export const NOTE_TAG = 'mlflow.note.content';

export type RunViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface ModelVersionDetail {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  current_stage: string;
  description: string;
  source: string;
  run_id: string;
  status: string;
  run_link: string;
  tags?: { key: string; value: string }[];
  aliases?: string[];
  model_id?: string;
}

export interface RegisteredModelDetail {
  name: string;
  description: string;
  aliases?: { alias: string; version: string }[];
  latest_versions?: ModelVersionDetail[];
}

export interface ArtifactFile {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** Runs of some experiments, newest first; `viewType` brings deleted runs (to restore them). */
export const searchRunsByView = (experimentIds: string[], filter: string, viewType: RunViewType) =>
  postJson<{ runs?: RunSummary[] }>(`${MLFLOW}/runs/search`, {
    experiment_ids: experimentIds,
    filter,
    run_view_type: viewType,
    max_results: 1000,
    order_by: ['attributes.start_time DESC'],
  });

export const setRunTag = (runId: string, key: string, value: string) =>
  postJson<Record<string, never>>(`${MLFLOW}/runs/set-tag`, { run_id: runId, key, value });
export const deleteRun = (runId: string) =>
  postJson<Record<string, never>>(`${MLFLOW}/runs/delete`, { run_id: runId });
export const restoreRun = (runId: string) =>
  postJson<Record<string, never>>(`${MLFLOW}/runs/restore`, { run_id: runId });

export const listArtifacts = (runId: string, path: string) =>
  getJson<{ root_uri?: string; files?: ArtifactFile[] }>(
    `${MLFLOW}/artifacts/list?${query({ run_id: runId, path })}`,
  );

/** Where a run's artifact is downloaded from (the artifact proxy), for links and previews. */
export function artifactUrl(artifactUri: string, path: string): string {
  const root = artifactUri.replace(/^mlflow-artifacts:\/+/, '');
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return `/api/2.0/mlflow-artifacts/artifacts/${root}/${encoded}`;
}

/** An artifact's bytes, with the token (so previews work on a token-protected server too). */
export const fetchArtifactBlob = (url: string) => getBlob(url);

/** The versions registered from a run (MLflow: `run_id = '<id>'`), or every version of a model. */
export const searchModelVersions = (filter: string) =>
  getJson<{ model_versions?: ModelVersionDetail[] }>(
    `${MLFLOW}/model-versions/search?${query({ filter, max_results: '1000' })}`,
  );
export const fetchModelVersion = (name: string, version: string) =>
  getJson<{ model_version: ModelVersionDetail }>(`${MLFLOW}/model-versions/get?${query({ name, version })}`);
export const fetchRegisteredModel = (name: string) =>
  getJson<{ registered_model: RegisteredModelDetail }>(`${MLFLOW}/registered-models/get?${query({ name })}`);
export const updateModelVersionDescription = (name: string, version: string, description: string) =>
  postJson<{ model_version: ModelVersionDetail }>(
    `${MLFLOW}/model-versions/update`,
    { name, version, description },
    'PATCH',
  );
export const setModelVersionTag = (name: string, version: string, key: string, value: string) =>
  postJson<Record<string, never>>(`${MLFLOW}/model-versions/set-tag`, { name, version, key, value });

/** Points an alias at a version (admins only: the server refuses anyone else). */
export const setModelAlias = (name: string, alias: string, version: string) =>
  postJson<Record<string, never>>(`${MLFLOW}/registered-models/alias`, { name, alias, version });
export async function deleteModelAlias(name: string, alias: string): Promise<void> {
  const token = storedToken();
  const response = await fetch(`${MLFLOW}/registered-models/alias`, {
    method: 'DELETE',
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ name, alias }),
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as { message?: string } | undefined;
    throw new ApiError(body?.message ?? `HTTP ${response.status}`, response.status);
  }
}

/**
 * Registers the run's artifact folder `path` as a new version of `name`, creating the model name first
 * when it is new.
 */
export async function registerModel(
  run: RunSummary,
  name: string,
  path: string,
): Promise<ModelVersionDetail> {
  const known = await postJson<{ registered_models?: { name: string }[] }>(
    `${MLFLOW}/registered-models/search`,
    { filter: `name = '${name.replaceAll("'", "''")}'`, max_results: 10 },
  );
  if (!known.registered_models?.some((model) => model.name === name))
    await postJson(`${MLFLOW}/registered-models/create`, { name });
  const source = `${run.info.artifact_uri}/${path.replace(/^\/+|\/+$/g, '')}`.replace(/\/+$/, '');
  const answer = await postJson<{ model_version: ModelVersionDetail }>(`${MLFLOW}/model-versions/create`, {
    name,
    source,
    run_id: run.info.run_id,
  });
  return answer.model_version;
}

/**
 * The tracking calls of the run, runs, compare and model version pages: MLflow REST routes under
 * `/api/2.0/mlflow`. Types mirror the zod schemas of src/server/routes/mlflow-*.ts.
 */
import type {
  ArtifactList,
  Empty,
  ExperimentSearch,
  Metric,
  MetricHistory,
  ModelVersion,
  ModelVersionAnswer,
  ModelVersionSearch,
  RegisteredModelAnswer,
  RegisteredModelSearch,
  Run,
  RunInfo,
  RunSearch,
} from '../../../src/server/schemas/mlflow-api';
import { ApiError, getBlob, getJson, postJson, storedToken } from './http';

export type {
  ArtifactFile,
  Experiment,
  ModelVersion as ModelVersionDetail,
  RegisteredModel as RegisteredModelDetail,
} from '../../../src/server/schemas/mlflow-api';

/**
 * A metric point as the pages chart it. The server sends a value that is not finite as proto-JSON's
 * string ("NaN", "Infinity", "-Infinity"); the pages treat every value as a number (JavaScript's
 * comparisons and arithmetic read those strings as NaN and ±Infinity), so the value is typed number here.
 */
export type MetricPoint = Omit<Metric, 'value'> & { value: number };
/**
 * A run as the pages read it: the server's Run (src/server/schemas/mlflow-api.ts) narrowed to the fields
 * they use, the lists optional (as MLflow's proto-JSON may leave them out) and metric values as numbers.
 */
export type RunSummary = {
  info: Pick<
    RunInfo,
    'run_id' | 'run_name' | 'experiment_id' | 'status' | 'start_time' | 'end_time' | 'artifact_uri'
  >;
  data: {
    params?: Run['data']['params'];
    metrics?: Omit<MetricPoint, 'timestamp'>[];
    tags?: Run['data']['tags'];
  };
  inputs?: Partial<Run['inputs']>;
  outputs?: Run['outputs'];
};

export const fetchExperiments = () =>
  getJson<ExperimentSearch>('/api/2.0/mlflow/experiments/search?max_results=1000');
export const searchRuns = (experimentIds: string[], filter: string) =>
  postJson<Omit<RunSearch, 'runs'> & { runs?: RunSummary[] }>('/api/2.0/mlflow/runs/search', {
    experiment_ids: experimentIds,
    filter,
    max_results: 200,
    order_by: ['attributes.start_time DESC'],
  });
export const fetchRun = (runId: string) =>
  getJson<{ run: RunSummary }>(`/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(runId)}`);
export const fetchMetricHistory = (runId: string, key: string) =>
  getJson<Omit<MetricHistory, 'metrics'> & { metrics: MetricPoint[] }>(
    `/api/2.0/mlflow/metrics/get-history?run_id=${encodeURIComponent(runId)}&metric_key=${encodeURIComponent(key)}&max_results=25000`,
  );
export const fetchArtifacts = (runId: string, path: string) =>
  getJson<ArtifactList>(
    `/api/2.0/mlflow/artifacts/list?run_id=${encodeURIComponent(runId)}&path=${encodeURIComponent(path)}`,
  );

const MLFLOW = '/api/2.0/mlflow';
const query = (values: Record<string, string>) => new URLSearchParams(values).toString();

/** The tag MLflow's UI keeps a run's (or a version's) markdown note in. */
export const NOTE_TAG = 'mlflow.note.content';

export type RunViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** Runs of some experiments, newest first; `viewType` brings deleted runs (to restore them). */
export const searchRunsByView = (experimentIds: string[], filter: string, viewType: RunViewType) =>
  postJson<Omit<RunSearch, 'runs'> & { runs?: RunSummary[] }>(`${MLFLOW}/runs/search`, {
    experiment_ids: experimentIds,
    filter,
    run_view_type: viewType,
    max_results: 1000,
    order_by: ['attributes.start_time DESC'],
  });

export const setRunTag = (runId: string, key: string, value: string) =>
  postJson<Empty>(`${MLFLOW}/runs/set-tag`, { run_id: runId, key, value });
export const deleteRun = (runId: string) => postJson<Empty>(`${MLFLOW}/runs/delete`, { run_id: runId });
export const restoreRun = (runId: string) => postJson<Empty>(`${MLFLOW}/runs/restore`, { run_id: runId });

export const listArtifacts = (runId: string, path: string) =>
  getJson<ArtifactList>(`${MLFLOW}/artifacts/list?${query({ run_id: runId, path })}`);

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
  getJson<ModelVersionSearch>(`${MLFLOW}/model-versions/search?${query({ filter, max_results: '1000' })}`);
export const fetchModelVersion = (name: string, version: string) =>
  getJson<ModelVersionAnswer>(`${MLFLOW}/model-versions/get?${query({ name, version })}`);
export const fetchRegisteredModel = (name: string) =>
  getJson<RegisteredModelAnswer>(`${MLFLOW}/registered-models/get?${query({ name })}`);
export const updateModelVersionDescription = (name: string, version: string, description: string) =>
  postJson<ModelVersionAnswer>(`${MLFLOW}/model-versions/update`, { name, version, description }, 'PATCH');
export const setModelVersionTag = (name: string, version: string, key: string, value: string) =>
  postJson<Empty>(`${MLFLOW}/model-versions/set-tag`, { name, version, key, value });

/** Points an alias at a version (admins only: the server refuses anyone else). */
export const setModelAlias = (name: string, alias: string, version: string) =>
  postJson<Empty>(`${MLFLOW}/registered-models/alias`, { name, alias, version });
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
export async function registerModel(run: RunSummary, name: string, path: string): Promise<ModelVersion> {
  const known = await postJson<RegisteredModelSearch>(`${MLFLOW}/registered-models/search`, {
    filter: `name = '${name.replaceAll("'", "''")}'`,
    max_results: 10,
  });
  if (!known.registered_models?.some((model) => model.name === name))
    await postJson<RegisteredModelAnswer>(`${MLFLOW}/registered-models/create`, { name });
  const source = `${run.info.artifact_uri}/${path.replace(/^\/+|\/+$/g, '')}`.replace(/\/+$/, '');
  const answer = await postJson<ModelVersionAnswer>(`${MLFLOW}/model-versions/create`, {
    name,
    source,
    run_id: run.info.run_id,
  });
  return answer.model_version;
}

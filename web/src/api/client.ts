/** Types of the server answers the UI reads; they mirror the zod schemas in src/server/routes. */
export interface ComponentHealth {
  name: string;
  status: 'up' | 'down';
  backend: string;
  location: string;
  latency_ms: number;
  detail: string;
}

export interface ReadyReport {
  status: 'ready' | 'not_ready';
  service: string;
  version: string;
  components: ComponentHealth[];
  timestamp: string;
}

export interface HealthReport {
  status: 'ok';
  service: string;
  version: string;
  uptime_seconds: number;
  timestamp: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** The server's `error_code` (e.g. `MLOPS_ERR_AUTH_INVALID`), when it sent one. */
    readonly code?: string,
    /** When a refusal will pass (from `Retry-After`): the moment to try again. */
    readonly retryAt?: Date,
  ) {
    super(message);
  }
}

/**
 * Token-protected deployments (production mode): the API token the user signed in with is kept here and
 * sent as `Authorization: Bearer <token>` on every call. Without one (auth off, the loopback default)
 * nothing is sent and nothing changes.
 */
export const TOKEN_STORAGE_KEY = 'mlops.token';

export function storedToken(): string | undefined {
  try {
    const token = localStorage.getItem(TOKEN_STORAGE_KEY);
    return token === null || token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

/** Keeps the token, or forgets it (`undefined`). */
export function storeToken(token: string | undefined): void {
  try {
    if (token === undefined) localStorage.removeItem(TOKEN_STORAGE_KEY);
    else localStorage.setItem(TOKEN_STORAGE_KEY, token);
  } catch {
    // Storage refused (private mode, quota): the session lasts as long as the page.
  }
}

type AuthRequiredListener = (message: string) => void;
const authRequiredListeners = new Set<AuthRequiredListener>();

/**
 * Calls `listener` with the server's message whenever a call is refused for want of a valid token
 * (HTTP 401): the app shows the login then. Returns the unsubscribe function.
 */
export function onAuthRequired(listener: AuthRequiredListener): () => void {
  authRequiredListeners.add(listener);
  return () => authRequiredListeners.delete(listener);
}

/** A 401 to a call made with `usedToken`: forget that token (it is bad) and ask for a login. */
function authRequired(usedToken: string | undefined, message: string): void {
  // Signed out or in again while the call was on its way: the token now kept is not the refused one.
  if (usedToken !== storedToken()) return;
  storeToken(undefined);
  for (const listener of authRequiredListeners) listener(message);
}

interface CallOptions {
  /** Non-2xx statuses whose body is still the answer. */
  acceptStatuses?: number[];
  /**
   * A token check (the login's): sends `token` (none when undefined) rather than the kept one, and a 401
   * only throws, for the caller to handle.
   */
  check?: { token: string | undefined };
}

/** Sends one API request with the token; a refused one throws an ApiError with the server's message. */
async function send(path: string, init: RequestInit, options: CallOptions = {}): Promise<Response> {
  const isCheck = options.check !== undefined;
  const token = isCheck ? options.check?.token : storedToken();
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      headers: {
        accept: 'application/json',
        ...(init.headers as Record<string, string> | undefined),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
    });
  } catch {
    throw new ApiError('The platform server does not answer. Is `mlops up` running?', 0);
  }
  if (!response.ok && !(options.acceptStatuses ?? []).includes(response.status)) {
    const body = (await response.json().catch(() => undefined)) as
      | { message?: string; error_code?: string }
      | undefined;
    const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
    const error = new ApiError(
      body?.message ?? `${path} answered HTTP ${response.status}`,
      response.status,
      body?.error_code,
      Number.isFinite(retryAfter) ? new Date(Date.now() + retryAfter * 1000) : undefined,
    );
    if (response.status === 401 && !isCheck) authRequired(token, error.message);
    throw error;
  }
  return response;
}

/**
 * GETs a JSON document. `acceptStatuses` lists non-2xx statuses whose body is still the answer
 * (`/ready` answers 503 with the same report when a component is down).
 */
export async function getJson<T>(
  path: string,
  acceptStatuses: number[] = [],
  options: Pick<CallOptions, 'check'> = {},
): Promise<T> {
  const response = await send(path, { method: 'GET' }, { ...options, acceptStatuses });
  return (await response.json()) as T;
}

/** GETs a file (an artifact, a raw API answer) with the token, for the UI to hand to the user. */
export async function getBlob(path: string): Promise<Blob> {
  const response = await send(path, { method: 'GET', headers: { accept: '*/*' } });
  return response.blob();
}

export type Role = 'viewer' | 'editor' | 'admin';

export interface Principal {
  token_id: string;
  name: string;
  role: Role;
}

export interface Whoami {
  auth_enabled: boolean;
  principal: Principal | null;
}

/** Whether the server wants tokens, and whose `token` is (a 401 throws without signing anyone out). */
export const fetchWhoami = (token: string | undefined) =>
  getJson<Whoami>('/api/v1/auth/whoami', [], { check: { token } });

export const fetchReadiness = () => getJson<ReadyReport>('/ready', [503]);
export const fetchHealth = () => getJson<HealthReport>('/health');

export interface Movie {
  movie_id: number;
  title: string;
  overview: string;
  genres: string[];
  release_date: string | null;
  popularity: number;
  vote_average: number;
  vote_count: number;
  poster_url: string | null;
  source: string;
}

export interface MoviePage {
  movies: Movie[];
  pagination: { limit: number; offset: number; count: number; total: number; has_next: boolean };
}

export interface DatasetVersion {
  version_id: string;
  dataset: string;
  format: string;
  size_bytes: number;
  row_count: number | null;
  source: string;
  params: Record<string, unknown>;
  code_revision: string;
  is_valid: boolean | null;
  created_at: string;
  updated_at: string;
}

export const fetchMovies = (query: URLSearchParams) => getJson<MoviePage>(`/api/v1/movies?${query}`);
export const fetchGenres = () => getJson<{ genres: { genre: string; movies: number }[] }>('/api/v1/genres');
export const fetchDatasets = () => getJson<{ versions: DatasetVersion[] }>('/api/v1/datasets');

/** POSTs JSON and returns the JSON answer; a non-2xx answer throws with the server's message. */
export async function postJson<T>(
  path: string,
  body: unknown,
  method: 'POST' | 'PATCH' = 'POST',
): Promise<T> {
  const response = await send(path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as T;
}

export interface Recommendation {
  movie_id: number;
  title: string;
  genres: string[];
  year: number | null;
  poster_url: string | null;
  score: number;
}

export interface Recommendations {
  /** The id as the caller gave it: a number, a string id, or null for an anonymous visitor. */
  user_id: number | string | null;
  recommendations: Recommendation[];
  count: number;
  model: { name: string; version: string; variant: string; algorithm: string };
  strategy: 'model' | 'fold-in' | 'history' | 'popular-within-taste' | 'popular';
  cached: boolean;
}

export type FeedbackType = 'watch' | 'like' | 'click' | 'rating' | 'dislike' | 'skip';

export const fetchRecommendations = (userId: string, k: number) =>
  getJson<Recommendations>(`/api/v1/recommendations?user_id=${encodeURIComponent(userId)}&k=${k}`);
export const sendFeedback = (userId: string, movieId: number, type: FeedbackType) =>
  postJson<{ feedback_id: string }>('/api/v1/feedback', {
    user_id: userId,
    movie_id: movieId,
    interaction_type: type,
  });

export interface RegisteredModelSummary {
  name: string;
  description: string;
  aliases: { alias: string; version: string }[];
  latest_versions: { version: string; current_stage: string }[];
}

export interface VersionComparison {
  version: string;
  current_stage: string;
  aliases: string[];
  run_id: string;
  params: Record<string, string>;
  metrics: Record<string, number | string>;
}

export interface ModelChange {
  transition_id: number;
  version: number;
  change: string;
  from_value: string | null;
  to_value: string | null;
  actor: string;
  reason: string;
  created_at: number;
}

export interface PromotionAnswer {
  decision: { isPromoted: boolean; reasons: string[] };
}

export const fetchModels = () => getJson<{ models: RegisteredModelSummary[] }>('/mlflow/models');
export const fetchModelVersions = (name: string) =>
  getJson<{ name: string; versions: VersionComparison[] }>(
    `/mlflow/models/${encodeURIComponent(name)}/compare`,
  );
export const fetchModelHistory = (name: string) =>
  getJson<{ history: ModelChange[] }>(`/mlflow/models/${encodeURIComponent(name)}`);
export const promoteVersion = (name: string, version: string, force: boolean) =>
  postJson<PromotionAnswer>(
    `/mlflow/models/${encodeURIComponent(name)}/promote-to-production?version=${version}`,
    {
      force,
      reason: force ? 'promoted from the web UI despite the policy' : 'promoted from the web UI',
    },
  );
export const rollbackModel = (name: string) =>
  postJson<{ from: string; to: string }>(`/mlflow/models/${encodeURIComponent(name)}/rollback`, {
    reason: 'rolled back from the web UI',
  });

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

export interface ExpectationResult {
  expectation: string;
  column: string | null;
  severity: string;
  passed: boolean;
  expected: string;
  observed: string;
}

export interface DatasetDetail extends DatasetVersion {
  validation: { passed: boolean; evaluated_at: string; results: ExpectationResult[] } | null;
  lineage: {
    ancestors: { kind: string; id: string; depth: number }[];
    children: { kind: string; id: string }[];
  };
}

export const fetchDataset = (version: string) =>
  getJson<DatasetDetail>(`/api/v1/datasets/${encodeURIComponent(version)}`);

export interface ServedModelInfo {
  name: string;
  version: string;
  algorithm: string;
  metrics: Record<string, number>;
  loaded_at: string;
  dataset_version: string;
}

export interface ModelInfo {
  model_name: string;
  champion: ServedModelInfo | null;
  challenger: ServedModelInfo | null;
  challenger_percent: number;
  status: 'loaded' | 'not_loaded';
  detail: string | null;
}

export interface Traffic {
  window_seconds: number;
  requests: number;
  requests_per_second: number;
  errors: number;
  latency_ms: { p50: number; p95: number; p99: number };
  series: { t: number; requests_per_second: number; p95_ms: number }[];
}

export interface AbReport {
  enabled: boolean;
  challenger_percent: number;
  variants: {
    variant: string;
    model: { version: string; algorithm: string } | null;
    requests: number;
    users: number;
    feedback: { total: number } & Record<string, number>;
    feedback_rate: number;
  }[];
}

export const fetchModelInfo = () => getJson<ModelInfo>('/api/v1/model/info');
export const fetchTraffic = () => getJson<Traffic>('/api/v1/monitoring/traffic');
export const fetchAbReport = () => getJson<AbReport>('/api/v1/experiments/ab');

export interface FeatureRegistryObject {
  kind: 'entity' | 'feature_view' | 'on_demand_feature_view' | 'feature_service';
  name: string;
  version: number;
  applied_at: string;
  spec: Record<string, unknown> & { name: string; description?: string };
}

export interface FeatureViewSummary extends FeatureRegistryObject {
  latest_build: {
    build_id: string;
    row_count: number;
    created_at: string;
    is_valid: boolean;
    dataset_version_id: string;
  } | null;
  materialization: { end_ts: string; row_count: number; mode: string; created_at: string } | null;
}

export interface FeatureRegistry {
  online_store: string;
  entities: FeatureRegistryObject[];
  feature_views: FeatureViewSummary[];
  on_demand_feature_views: FeatureRegistryObject[];
  feature_services: FeatureRegistryObject[];
}

export interface FeatureStatistic {
  name: string;
  dtype: string;
  count: number;
  nulls: number;
  null_share: number;
  mean?: number | null;
  std?: number | null;
  min?: number | string | null;
  max?: number | string | null;
  quantiles?: { p05: number; p25: number; p50: number; p75: number; p95: number } | null;
  histogram?: { edges: number[]; counts: number[] } | null;
  distinct?: number;
  top?: { value: string; count: number }[];
  mean_length?: number | null;
  true_share?: number | null;
}

export interface FeatureBuild {
  build_id: string;
  definition_version: number;
  dataset_version_id: string;
  row_count: number;
  inputs: { dataset: string; version_id: string }[];
  statistics: { row_count: number; features: FeatureStatistic[] };
  validation: { passed: boolean; checks: { check: string; passed: boolean; detail: string }[] };
  created_at: string;
}

export interface FeatureViewDetail {
  name: string;
  kind: string;
  version: number;
  is_removed: boolean;
  spec: Record<string, unknown>;
  versions: { version: number; applied_at: string; removed_at: string | null }[];
  builds: FeatureBuild[];
  materialization: FeatureViewSummary['materialization'];
}

export interface EntityFeatures {
  entity_type: string;
  entity_id: number | string;
  found: boolean;
  features: Record<string, unknown>;
  statuses: Record<string, string>;
}

export const fetchFeatureRegistry = () => getJson<FeatureRegistry>('/api/v1/features/registry');
export const fetchFeatureView = (name: string) =>
  getJson<FeatureViewDetail>(`/api/v1/features/views/${encodeURIComponent(name)}`);
export const fetchEntityFeatures = (entityType: string, id: string) =>
  getJson<EntityFeatures>(`/api/v1/features/${encodeURIComponent(entityType)}/${encodeURIComponent(id)}`);

export interface DagRun {
  dag_run_id: string;
  dag_id: string;
  state: 'queued' | 'running' | 'success' | 'failed';
  run_type: string;
  logical_date: string;
  start_date: string | null;
  end_date: string | null;
  conf: Record<string, unknown>;
  note: string | null;
}

export interface Dag {
  dag_id: string;
  description: string;
  is_paused: boolean;
  schedule_interval: { value: string } | null;
  timezone: string;
  next_dagrun: string | null;
  last_run: DagRun | null;
  tags: { name: string }[];
}

export interface DagTask {
  task_id: string;
  description: string | null;
  upstream_task_ids: string[];
  downstream_task_ids: string[];
  retries: number;
}

export interface TaskInstance {
  task_id: string;
  state: string | null;
  try_number: number;
  max_tries: number;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  note: string | null;
  output: unknown;
}

const dagPath = (dagId: string) => `/api/v1/dags/${encodeURIComponent(dagId)}`;
export const fetchDags = () => getJson<{ dags: Dag[]; total_entries: number }>('/api/v1/dags');
export const fetchDag = (dagId: string) => getJson<Dag>(`/api/v1/dags/${encodeURIComponent(dagId)}`);
export const fetchDagTasks = (dagId: string) =>
  getJson<{ tasks: DagTask[] }>(`/api/v1/dags/${encodeURIComponent(dagId)}/tasks`);
export const fetchDagRuns = (dagId: string) =>
  getJson<{ dag_runs: DagRun[]; total_entries: number }>(
    `/api/v1/dags/${encodeURIComponent(dagId)}/dagRuns?limit=25`,
  );
export const fetchTaskInstances = (dagId: string, runId: string) =>
  getJson<{ task_instances: TaskInstance[] }>(
    `/api/v1/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(runId)}/taskInstances`,
  );
/** A task's log lines; try 0 means every attempt. */
export const fetchTaskLogs = (dagId: string, runId: string, taskId: string, tryNumber = 0) =>
  getJson<{ content: string }>(
    `/api/v1/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(runId)}/taskInstances/${encodeURIComponent(taskId)}/logs/${tryNumber}`,
  );
export const triggerDag = (dagId: string, conf: Record<string, unknown>) =>
  postJson<DagRun>(`/api/v1/dags/${encodeURIComponent(dagId)}/dagRuns`, { conf });
const runPath = (dagId: string, runId: string) => `${dagPath(dagId)}/dagRuns/${encodeURIComponent(runId)}`;
/** Re-runs a task and everything downstream of it (the run goes back to queued). */
export const clearTaskInstance = (dagId: string, runId: string, taskId: string) =>
  postJson<{ task_instances: { task_id: string }[] }>(`${dagPath(dagId)}/clearTaskInstances`, {
    dag_run_id: runId,
    task_ids: [taskId],
    include_downstream: true,
    only_failed: false,
    dry_run: false,
  });
export const markTaskInstance = (dagId: string, runId: string, taskId: string, state: 'success' | 'failed') =>
  postJson<{ task_id: string }>(
    `${runPath(dagId, runId)}/taskInstances/${encodeURIComponent(taskId)}`,
    { dry_run: false, new_state: state },
    'PATCH',
  );
export const markDagRun = (dagId: string, runId: string, state: 'success' | 'failed') =>
  postJson<DagRun>(runPath(dagId, runId), { state }, 'PATCH');
export const setDagPaused = (dagId: string, isPaused: boolean) =>
  postJson<Dag>(`${dagPath(dagId)}?update_mask=is_paused`, { is_paused: isPaused }, 'PATCH');

export interface ColumnDrift {
  column: string;
  kind: 'numerical' | 'categorical';
  test: string;
  score: number;
  threshold: number;
  drifted: boolean;
  reference_rows: number;
  current_rows: number;
  histogram: { labels: string[]; reference: number[]; current: number[] };
}

export interface DriftReport {
  report_version: string;
  created_at: string;
  dataset_drift: boolean;
  drift_share: number;
  drift_share_threshold: number;
  drifted_columns: number;
  reference_rows: number;
  current_rows: number;
  reference: { watch_log_version: string; from: string; to: string };
  current: { watch_log_version: string; from: string; to: string };
  columns: ColumnDrift[];
}

export const fetchDriftReport = () => getJson<DriftReport>('/api/v1/monitoring/drift');

export interface AlertRecord {
  alert_id: string;
  name: string;
  severity: string;
  status: 'firing' | 'resolved';
  summary: string;
  description: string;
  runbook: string;
  started_at: string;
  resolved_at: string | null;
  notified: boolean;
}

export const fetchAlerts = () =>
  getJson<{ firing: AlertRecord[]; alerts: AlertRecord[] }>('/api/v1/monitoring/alerts');

/** The event bus's topics (src/events/schemas.ts), in the order the Events page offers them. */
export const EVENT_TOPICS = [
  'user-events',
  'movie-recommendations',
  'model-drift-alerts',
  'system-health',
  'pipeline-events',
  'registry-events',
  'dead-letter',
] as const;
export type EventTopic = (typeof EVENT_TOPICS)[number];

/** One event as the bus stores it: the envelope, its data, and where it sits in its topic. */
export interface BusEvent {
  id: string;
  topic: EventTopic;
  type: string;
  version: number;
  source: string;
  time: string;
  key: string;
  data: Record<string, unknown>;
  partition: number;
  offset: string;
}

export interface AutomationInfo {
  name: string;
  group: string;
  topics: EventTopic[];
  description: string;
  isRunning: boolean;
  settings: Record<string, string | number>;
}

export interface AutomationAction {
  action_id: string;
  automation: string;
  event_id: string;
  event_type: string;
  outcome: 'triggered' | 'applied' | 'suppressed' | 'failed';
  detail: string;
  run_id: string | null;
  created_at: string;
}

export interface AutomationsReport {
  is_enabled: boolean;
  automations: AutomationInfo[];
  load_shedding: { active: boolean; until: string | null; reason: string | null };
  actions: AutomationAction[];
}

export interface ConsumerLag {
  group: string;
  topic: EventTopic;
  lag: number;
}

/** The answer to a publish or trigger: the event's id and where it landed (HTTP 202). */
export interface EventAccepted {
  event_id: string;
  topic: EventTopic;
  type: string;
  partition: number;
  offset: string;
  status: 'accepted';
  timestamp: string;
}

export interface DriftTrigger {
  model_name: string;
  model_version: string;
  drift_score: number;
  threshold: number;
  drift_type: 'data' | 'prediction' | 'concept' | 'feature';
}

export interface OverloadTrigger {
  service_name: string;
  metric: 'cpu' | 'latency' | 'queue_depth' | 'memory' | 'error_rate';
  value: number;
  threshold: number;
}

/**
 * The live stream (server-sent events, `event: mlops`), after a replay of the latest events. EventSource
 * cannot send headers, so with a token the URL carries a single-use ticket valid 60 s, never the token
 * itself (which would end up in the browser's history): ask for a new URL at each connection.
 */
export async function eventStreamUrl(topic: EventTopic | undefined, replay = 50): Promise<string> {
  const url = `/api/v1/events/stream?replay=${replay}${topic === undefined ? '' : `&topic=${encodeURIComponent(topic)}`}`;
  if (storedToken() === undefined) return url;
  const { ticket } = await postJson<{ ticket: string | null }>('/api/v1/events/stream-ticket', {});
  return ticket === null ? url : `${url}&ticket=${encodeURIComponent(ticket)}`;
}
export const fetchAutomations = () => getJson<AutomationsReport>('/api/v1/automations');
export const fetchEventConsumers = () =>
  getJson<{ backend: string; location: string; consumers: ConsumerLag[] }>('/api/v1/events/consumers');
export const reportDrift = (body: DriftTrigger) =>
  postJson<EventAccepted & { alert_triggered: boolean }>('/api/v1/trigger/model-drift', body);
export const reportOverload = (body: OverloadTrigger) =>
  postJson<EventAccepted & { overloaded: boolean }>('/api/v1/trigger/system-overload', body);

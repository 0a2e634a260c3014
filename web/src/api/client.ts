/**
 * The web UI's API client: every call and answer type, by capability in the files beside this one, and
 * re-exported here so pages import one module. Answer types are the server's own zod schemas
 * (src/server/schemas/*, imported as types only), never copies: tests/contract/web-client-openapi.test.ts
 * fails when a type is declared here instead, or a call goes to a route without a response schema.
 */

export type { DatasetDetail, DatasetVersion, ExpectationResult, Movie, MoviePage } from './catalogue-client';
export {
  fetchDataset,
  fetchDatasets,
  fetchGenres,
  fetchMovies,
} from './catalogue-client';
export type {
  AutomationAction,
  AutomationInfo,
  AutomationsReport,
  BusEvent,
  ConsumerLag,
  DriftTrigger,
  EventAccepted,
  EventTopic,
  OverloadTrigger,
} from './events-client';
export {
  EVENT_TOPICS,
  eventStreamUrl,
  fetchAutomations,
  fetchEventConsumers,
  reportDrift,
  reportOverload,
} from './events-client';
export type {
  EntityFeatures,
  FeatureBuild,
  FeatureRegistry,
  FeatureRegistryObject,
  FeatureStatistic,
  FeatureViewDetail,
  FeatureViewSummary,
} from './features-client';
export { fetchEntityFeatures, fetchFeatureRegistry, fetchFeatureView } from './features-client';
export {
  ApiError,
  getBlob,
  getJson,
  onAuthRequired,
  postJson,
  storedToken,
  storeToken,
  TOKEN_STORAGE_KEY,
} from './http';
export type { AlertRecord, ColumnDrift, DriftReport, Traffic } from './monitoring-client';
export { fetchAlerts, fetchDriftReport, fetchTraffic } from './monitoring-client';
export type { Dag, DagRun, DagTask, TaskInstance } from './pipelines-client';
export {
  clearTaskInstance,
  fetchDag,
  fetchDagRuns,
  fetchDags,
  fetchDagTasks,
  fetchTaskInstances,
  fetchTaskLogs,
  markDagRun,
  markTaskInstance,
  setDagPaused,
  triggerDag,
} from './pipelines-client';
export type { ComponentHealth, HealthReport, Principal, ReadyReport, Role, Whoami } from './platform-client';
export { fetchHealth, fetchReadiness, fetchWhoami } from './platform-client';
export type {
  ModelChange,
  PromotionAnswer,
  RegisteredModelSummary,
  VersionComparison,
} from './registry-client';
export {
  fetchModelHistory,
  fetchModels,
  fetchModelVersions,
  promoteVersion,
  rollbackModel,
} from './registry-client';
export type {
  AbReport,
  FeedbackType,
  ModelInfo,
  Recommendation,
  Recommendations,
  ServedModelInfo,
} from './serving-client';
export { fetchAbReport, fetchModelInfo, fetchRecommendations, sendFeedback } from './serving-client';
export type { Experiment, MetricPoint, RunSummary } from './tracking-client';
export {
  fetchArtifacts,
  fetchExperiments,
  fetchMetricHistory,
  fetchRun,
  searchRuns,
} from './tracking-client';

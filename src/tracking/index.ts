export {
  assertArtifactWritable,
  type RecordedArtifact,
  readVerifiedVersionFiles,
  recordedArtifacts,
} from './artifact-integrity.js';
export { proxyPathOf, readArtifactByUri } from './artifact-proxy.js';
export {
  createExperiment,
  type Experiment,
  getExperiment,
  getExperimentByName,
  listExperimentIds,
  renameExperiment,
  searchExperiments,
  setExperimentLifecycle,
  setExperimentTag,
  type ViewType,
} from './experiment-store.js';
export { recordModelVersion, resolveVersionSource } from './logged-model-registration.js';
export { type DatasetRef, type LoggedModelOrder, searchLoggedModels } from './logged-model-search.js';
export {
  checkMetricModels,
  createLoggedModel,
  deleteLoggedModel,
  deleteLoggedModelTag,
  finalizeLoggedModel,
  getLoggedModel,
  type LoggedModel,
  logLoggedModelParams,
  logModelMetrics,
  type ModelMetric,
  parseLoggedModelStatus,
  setLoggedModelTags,
} from './logged-model-store.js';
export { type ModelVersion, type RegisteredModel, STAGES, type Stage } from './model-registry.js';
export {
  createModelVersion,
  deleteModelVersion,
  deleteModelVersionTag,
  getLatestVersions,
  getModelVersion,
  listModelVersions,
  searchModelVersions,
  setModelVersionTag,
  updateModelVersion,
  versionsWithRuns,
} from './model-version-store.js';
export {
  abortProxiedUpload,
  completeProxiedUpload,
  createProxiedUpload,
  MAX_UPLOAD_PARTS,
  type PartCredential,
  uploadProxiedPart,
} from './multipart-proxy.js';
export {
  CHAMPION,
  DEFAULT_POLICY,
  decidePromotion,
  EVALUATION_DATASET_KEY,
  type PromotionDecision,
  type PromotionPolicy,
  parseThreshold,
  promote,
  rollback,
  type Threshold,
} from './promotion-policy.js';
export {
  createRegisteredModel,
  deleteRegisteredModel,
  deleteRegisteredModelTag,
  getRegisteredModel,
  renameRegisteredModel,
  searchRegisteredModels,
  setRegisteredModelTag,
  updateRegisteredModel,
} from './registered-model-store.js';
export { type DatasetInput, getRunIo, logRunInputs, logRunOutputs, type RunIo } from './run-io-store.js';
export { deleteRunTag, getMetricHistory, logBatch } from './run-logging.js';
export { searchRuns } from './run-search.js';
export {
  BATCH_LIMITS,
  createRun,
  failInterruptedTrainingRuns,
  getRun,
  type KeyValue,
  type Metric,
  RUN_STATUSES,
  type Run,
  type RunInfo,
  type RunStatus,
  setRunLifecycle,
  updateRun,
} from './run-store.js';
export { parseRunFilter } from './search-runs-filter.js';
export {
  deleteAlias,
  getVersionByAlias,
  listTransitions,
  setAlias,
  transitionStage,
} from './stage-alias-store.js';
export { ActiveRun, Tracker, type TrackerDependencies } from './tracker.js';
export {
  type RegistryService,
  registryService,
  type TrackingService,
  trackingService,
} from './tracking-service.js';

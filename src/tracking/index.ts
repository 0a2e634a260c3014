export {
  createExperiment,
  type Experiment,
  getExperiment,
  getExperimentByName,
  renameExperiment,
  searchExperiments,
  setExperimentLifecycle,
  setExperimentTag,
  type ViewType,
} from './experiment-store.js';
export {
  BATCH_LIMITS,
  createRun,
  deleteRunTag,
  getMetricHistory,
  getRun,
  type KeyValue,
  logBatch,
  type Metric,
  RUN_STATUSES,
  type Run,
  type RunInfo,
  type RunStatus,
  searchRuns,
  setRunLifecycle,
  updateRun,
} from './run-store.js';
export { parseRunFilter } from './search-runs-filter.js';

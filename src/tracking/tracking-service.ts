import { bindDatabase, type HoldsDatabase } from '../storage/index.js';
import { assertArtifactWritable } from './artifact-integrity.js';
import {
  createExperiment,
  getExperiment,
  getExperimentByName,
  listExperimentIds,
  renameExperiment,
  searchExperiments,
  setExperimentLifecycle,
  setExperimentTag,
} from './experiment-store.js';
import { recordModelVersion, resolveVersionSource } from './logged-model-registration.js';
import { searchLoggedModels } from './logged-model-search.js';
import {
  checkMetricModels,
  createLoggedModel,
  deleteLoggedModel,
  deleteLoggedModelTag,
  finalizeLoggedModel,
  getLoggedModel,
  logLoggedModelParams,
  logModelMetrics,
  setLoggedModelTags,
} from './logged-model-store.js';
import {
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
import {
  abortProxiedUpload,
  completeProxiedUpload,
  createProxiedUpload,
  uploadProxiedPart,
} from './multipart-proxy.js';
import { decidePromotion, promote, rollback } from './promotion-policy.js';
import {
  createRegisteredModel,
  deleteRegisteredModel,
  deleteRegisteredModelTag,
  getRegisteredModel,
  renameRegisteredModel,
  searchRegisteredModels,
  setRegisteredModelTag,
  updateRegisteredModel,
} from './registered-model-store.js';
import { getRunIo, logRunInputs, logRunOutputs } from './run-io-store.js';
import { deleteRunTag, getMetricHistory, logBatch } from './run-logging.js';
import { searchRuns } from './run-search.js';
import { createRun, getRun, setRunLifecycle, updateRun } from './run-store.js';
import {
  deleteAlias,
  getVersionByAlias,
  listTransitions,
  setAlias,
  transitionStage,
} from './stage-alias-store.js';

/**
 * Experiments, runs, their logged models and artifacts: what the MLflow routes, `mlops runs` and the UI
 * ask of tracking, bound to the platform's database.
 */
export function trackingService(holder: HoldsDatabase) {
  return bindDatabase(holder, {
    createExperiment,
    getExperiment,
    getExperimentByName,
    listExperimentIds,
    renameExperiment,
    searchExperiments,
    setExperimentLifecycle,
    setExperimentTag,
    createRun,
    getRun,
    updateRun,
    setRunLifecycle,
    searchRuns,
    logBatch,
    deleteRunTag,
    getMetricHistory,
    getRunIo,
    logRunInputs,
    logRunOutputs,
    createLoggedModel,
    getLoggedModel,
    searchLoggedModels,
    finalizeLoggedModel,
    deleteLoggedModel,
    setLoggedModelTags,
    deleteLoggedModelTag,
    logLoggedModelParams,
    checkMetricModels,
    logModelMetrics,
    assertArtifactWritable,
    createProxiedUpload,
    uploadProxiedPart,
    completeProxiedUpload,
    abortProxiedUpload,
  });
}

/**
 * The model registry: registered models, versions, stages, aliases and promotion, as the registry routes,
 * `mlops models` and the UI use them.
 */
export function registryService(holder: HoldsDatabase) {
  return bindDatabase(holder, {
    createRegisteredModel,
    getRegisteredModel,
    searchRegisteredModels,
    updateRegisteredModel,
    renameRegisteredModel,
    deleteRegisteredModel,
    setRegisteredModelTag,
    deleteRegisteredModelTag,
    createModelVersion,
    getModelVersion,
    listModelVersions,
    searchModelVersions,
    getLatestVersions,
    updateModelVersion,
    deleteModelVersion,
    setModelVersionTag,
    deleteModelVersionTag,
    versionsWithRuns,
    resolveVersionSource,
    recordModelVersion,
    transitionStage,
    listTransitions,
    setAlias,
    deleteAlias,
    getVersionByAlias,
    decidePromotion,
    promote,
    rollback,
  });
}

export type TrackingService = ReturnType<typeof trackingService>;
export type RegistryService = ReturnType<typeof registryService>;

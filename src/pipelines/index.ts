export {
  BUILTIN_PIPELINES,
  movieBatchPrediction,
  movieDataCollection,
  movieDriftCheck,
  movieFeaturePipeline,
  movieTrainingPipeline,
} from './builtin/index.js';
export { type ConfParam, confParams } from './conf-params.js';
export {
  definePipeline,
  type PipelineDefinition,
  retryDelayMs,
  type TaskContext,
  type TaskDefinition,
  type TaskLog,
  topologicalOrder,
} from './definition.js';
export { computeVersionDrift, computeWatchLogDrift, type WatchLogDriftReport } from './drift-check.js';
export {
  checkSchedules,
  nextTick,
  PipelineEngine,
  type PipelineSummary,
  type RunRecord,
  type RunState,
  type RunType,
  type TaskExecutor,
  type TaskRecord,
  type TaskState,
} from './engine.js';
export type { BullMqExecutor } from './executors/bullmq-executor.js';
export { InProcessExecutor } from './executors/in-process-executor.js';
export { runFirstStart } from './first-start.js';
export { loadPipelines } from './load-pipelines.js';
export { openPipelines, type RunningPipelines } from './open-pipelines.js';
export {
  type ClearOptions,
  type MarkableRunState,
  type MarkableTaskState,
  RunActions,
} from './run-actions.js';
export { activeRunOf, failedRunsSince, queuedTaskCount } from './run-queries.js';

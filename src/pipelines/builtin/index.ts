import type { PipelineDefinition } from '../definition.js';
import { movieBatchPrediction } from './movie-batch-prediction.js';
import { movieDataCollection } from './movie-data-collection.js';
import { movieDriftCheck } from './movie-drift-check.js';
import { movieFeaturePipeline } from './movie-feature-pipeline.js';
import { movieTrainingPipeline } from './movie-training-pipeline.js';

export {
  movieBatchPrediction,
  movieDataCollection,
  movieDriftCheck,
  movieFeaturePipeline,
  movieTrainingPipeline,
};

/** The pipelines every installation has. */
export const BUILTIN_PIPELINES: readonly PipelineDefinition[] = [
  movieDataCollection,
  movieFeaturePipeline,
  movieTrainingPipeline,
  movieBatchPrediction,
  movieDriftCheck,
];

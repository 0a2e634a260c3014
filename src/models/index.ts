export { ALGORITHM_SPECS, AlsModel } from './algorithms/index.js';
export { PopularityModel } from './algorithms/popularity.js';
export { AUTO_CANDIDATES, type AutoSelection, selectAlgorithm } from './auto-select.js';
export { evaluateRanking, metricsForTracking, type RankingMetrics } from './evaluate.js';
export { carveValidation, type FitResult, fitAlgorithm, VALIDATION_FRACTION, validationNdcg } from './fit.js';
export {
  buildMatrix,
  IdMap,
  type InteractionMatrix,
  type InteractionPairs,
  matrixOf,
  pairsFromRows,
  readInteractionPairs,
  rowItems,
  rowValues,
} from './interactions.js';
export { FactorScorer } from './kernels/factor-kernel.js';
export {
  ALGORITHMS,
  type AlgorithmName,
  type DotProductForm,
  type Recommender,
  type Tensor,
  type UserHistory,
} from './model.js';
export {
  decodeModel,
  encodeModel,
  type ModelManifest,
  readModelFiles,
  type TrainedModel,
  writeModelFiles,
} from './model-artifact.js';
export {
  type EvaluateOptions,
  type EvaluationResult,
  evaluateModelVersion,
  loadModelVersion,
  parseModelReference,
  resolveModelVersion,
} from './model-versions.js';
export { decodeSafetensors, encodeSafetensors } from './safetensors.js';
export { RandomThenRefine, SEARCH_SPACES, type SearchDimension, valuesAt } from './search-space.js';
export { DEFAULT_SPLIT, type SplitOptions, type SplitStrategy, splitInteractions } from './split.js';
export { topK } from './top-k.js';
export {
  DEFAULT_DATASET,
  DEFAULT_EXPERIMENT,
  DEFAULT_MODEL_NAME,
  type ModelsContext,
  parseHyperparameters,
  readDatasetPairs,
  type TrainOptions,
  type TrainPhase,
  type TrainResult,
  trainModel,
} from './train-model.js';
export { bestTrial, type TrialResult, type TuneOptions, type TuneResult, tuneModel } from './tune-model.js';

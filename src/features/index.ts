export { BUILTIN_FEATURES, GENRE_ORDER } from './definitions/builtin.js';
export { loadFeatureDefinitions } from './definitions/load.js';
export {
  type BatchSource,
  type DefinitionKind,
  defineFeatures,
  type Entity,
  entity,
  FEATURE_TYPES,
  type FeatureDefinitions,
  type FeatureService,
  type FeatureType,
  type FeatureView,
  type Field,
  featureService,
  featureView,
  type OnDemandFeatureView,
  type OnDemandInput,
  onDemandFeatureView,
} from './definitions/types.js';
export { validateDefinitions } from './definitions/validate.js';
export type { EntityFeatures } from './entity-features.js';
export {
  type BuildValidation,
  type FeatureBuild,
  hasAnyBuild,
  latestBuild,
  listBuilds,
} from './feature-builds.js';
export {
  bootstrapFeatures,
  FeatureStore,
  type FeatureStoreContext,
  type WriteResult,
} from './feature-store.js';
export type { HistoricalRequest, HistoricalResult } from './historical-features.js';
export { type MaterializeOptions, type MaterializeResult, materializationState } from './materialize.js';
export { featureDatasetName } from './offline-store.js';
export { EmbeddedOnlineStore } from './online/embedded-online-store.js';
export { entityKeyOf, type OnlineHit, type OnlineRow, type OnlineStore } from './online/online-store.js';
export type { RedisOnlineStore } from './online/redis-online-store.js';
export type {
  FeatureStatus,
  OnlineFeaturesRequest,
  OnlineFeaturesResponse,
} from './online-features.js';
export {
  type ActiveRegistry,
  definitionHistory,
  type PlannedChange,
  type RegistryObject,
  type Spec,
} from './registry.js';
export type { FeatureStatistic, FeatureStatistics } from './statistics.js';
export { type ColumnarFrame, int64KeyOf, type PushTarget, parseTimestamp } from './write-path.js';

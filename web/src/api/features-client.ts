/** The feature registry, views and online features. Types: src/server/schemas/feature-api.ts. */
import type {
  EntityFeatures,
  FeatureRegistry,
  FeatureViewDetail,
} from '../../../src/server/schemas/feature-api';
import { getJson } from './http';

export type {
  EntityFeatures,
  FeatureBuild,
  FeatureRegistry,
  FeatureRegistryObject,
  FeatureStatistic,
  FeatureViewDetail,
  FeatureViewSummary,
} from '../../../src/server/schemas/feature-api';

export const fetchFeatureRegistry = () => getJson<FeatureRegistry>('/api/v1/features/registry');
export const fetchFeatureView = (name: string) =>
  getJson<FeatureViewDetail>(`/api/v1/features/views/${encodeURIComponent(name)}`);
export const fetchEntityFeatures = (entityType: string, id: string) =>
  getJson<EntityFeatures>(`/api/v1/features/${encodeURIComponent(entityType)}/${encodeURIComponent(id)}`);

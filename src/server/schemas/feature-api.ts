import { z } from 'zod';
import { isoDateTime } from './wire.js';

/** The feature store's routes for the UI and the reference API (routes/feature-routes.ts). */

export const FeatureStatus = z.enum(['PRESENT', 'NULL_VALUE', 'NOT_FOUND', 'OUTSIDE_MAX_AGE', 'INVALID']);

/** Online features of one entity (`GET /api/v1/features/:entity_type/:entity_id`). */
export const EntityFeatureRow = z.object({
  entity_id: z.union([z.number(), z.string()]),
  found: z.boolean(),
  features: z.record(z.string(), z.unknown()),
  statuses: z.record(z.string(), FeatureStatus),
});

export const EntityFeatures = EntityFeatureRow.extend({ entity_type: z.string() });
export type EntityFeatures = z.input<typeof EntityFeatures>;

export const EntityFeatureBatch = z.object({
  entity_type: z.string(),
  feature_names: z.array(z.string()),
  results: z.array(EntityFeatureRow),
  count: z.number().int(),
});

/** A definition as applied: the fields of its kind (`name` always, `description` when given). */
const Spec = z.object({ name: z.string(), description: z.string().optional() }).catchall(z.unknown());

export const FeatureRegistryObject = z.object({
  kind: z.enum(['entity', 'feature_view', 'on_demand_feature_view', 'feature_service']),
  name: z.string(),
  version: z.number(),
  spec: Spec,
  applied_at: isoDateTime,
});
export type FeatureRegistryObject = z.input<typeof FeatureRegistryObject>;

export const Materialization = z.object({
  feature_view: z.string(),
  end_ts: isoDateTime,
  row_count: z.number(),
  mode: z.string(),
  created_at: isoDateTime,
});

export const FeatureViewSummary = FeatureRegistryObject.extend({
  latest_build: z
    .object({
      build_id: z.string(),
      row_count: z.number(),
      created_at: isoDateTime,
      is_valid: z.boolean(),
      dataset_version_id: z.string(),
    })
    .nullable(),
  materialization: Materialization.nullable(),
});
export type FeatureViewSummary = z.input<typeof FeatureViewSummary>;

/** `GET /api/v1/features/registry`: what is applied, with each view's latest build. */
export const FeatureRegistry = z.object({
  online_store: z.string(),
  entities: z.array(FeatureRegistryObject),
  feature_views: z.array(FeatureViewSummary),
  on_demand_feature_views: z.array(FeatureRegistryObject),
  feature_services: z.array(FeatureRegistryObject),
});
export type FeatureRegistry = z.input<typeof FeatureRegistry>;

export const FeatureStatistic = z.object({
  name: z.string(),
  dtype: z.string(),
  count: z.number(),
  nulls: z.number(),
  null_share: z.number(),
  mean: z.number().nullable().optional(),
  std: z.number().nullable().optional(),
  min: z.union([z.number(), z.string()]).nullable().optional(),
  max: z.union([z.number(), z.string()]).nullable().optional(),
  quantiles: z
    .object({ p05: z.number(), p25: z.number(), p50: z.number(), p75: z.number(), p95: z.number() })
    .nullable()
    .optional(),
  histogram: z
    .object({ edges: z.array(z.number()), counts: z.array(z.number()) })
    .nullable()
    .optional(),
  distinct: z.number().optional(),
  top: z.array(z.object({ value: z.string(), count: z.number() })).optional(),
  mean_length: z.number().nullable().optional(),
  true_share: z.number().nullable().optional(),
});
export type FeatureStatistic = z.input<typeof FeatureStatistic>;

export const FeatureBuild = z.object({
  build_id: z.string(),
  feature_view: z.string(),
  definition_version: z.number(),
  dataset_version_id: z.string(),
  row_count: z.number(),
  inputs: z.array(z.object({ dataset: z.string(), version_id: z.string() })),
  statistics: z.object({ row_count: z.number(), features: z.array(FeatureStatistic) }),
  validation: z.object({
    passed: z.boolean(),
    checks: z.array(z.object({ check: z.string(), passed: z.boolean(), detail: z.string() })),
  }),
  created_at: isoDateTime,
});
export type FeatureBuild = z.input<typeof FeatureBuild>;

/** `GET /api/v1/features/views/:name`: versions, the latest builds and the materialization state. */
export const FeatureViewDetail = z.object({
  name: z.string(),
  kind: z.string(),
  version: z.number(),
  is_removed: z.boolean(),
  spec: Spec,
  versions: z.array(
    z.object({ version: z.number(), applied_at: isoDateTime, removed_at: isoDateTime.nullable() }),
  ),
  builds: z.array(FeatureBuild),
  materialization: Materialization.nullable(),
});
export type FeatureViewDetail = z.input<typeof FeatureViewDetail>;

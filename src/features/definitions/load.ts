import path from 'node:path';
import { ValidationError } from '../../errors/index.js';
import { importUserModule } from '../../platform/index.js';
import { BUILTIN_FEATURES } from './builtin.js';
import {
  defineFeatures,
  entity,
  type FeatureDefinitions,
  featureService,
  featureView,
  onDemandFeatureView,
} from './types.js';

/**
 * The built-in definitions plus those of a user's file (TypeScript or JavaScript), not yet validated
 * (`applyDefinitions` validates them against the registry too, so removals get their own error). The
 * file's default export (or its named exports `entities`, `featureViews`, `onDemandFeatureViews`,
 * `featureServices`) holds plain objects; defaults are filled in as the `featureView()`... helpers do.
 */
export async function loadFeatureDefinitions(file?: string): Promise<FeatureDefinitions> {
  if (file === undefined) return BUILTIN_FEATURES;
  const user = await importDefinitionFile(file);
  return defineFeatures({
    entities: [...BUILTIN_FEATURES.entities, ...user.entities],
    featureViews: [...BUILTIN_FEATURES.featureViews, ...user.featureViews],
    onDemandFeatureViews: [...BUILTIN_FEATURES.onDemandFeatureViews, ...user.onDemandFeatureViews],
    featureServices: [...BUILTIN_FEATURES.featureServices, ...user.featureServices],
  });
}

async function importDefinitionFile(file: string): Promise<FeatureDefinitions> {
  const absolute = path.resolve(file);
  const loaded = await importUserModule(absolute, 'MLOPS_FEATURE_REPO');
  const source = (isObject(loaded.default) ? loaded.default : loaded) as Record<string, unknown>;
  const list = (key: string): Record<string, unknown>[] => {
    const value = source[key];
    if (value === undefined) return [];
    if (!Array.isArray(value))
      throw new ValidationError(`${absolute}: ${key} must be an array`, { field: key });
    return value as Record<string, unknown>[];
  };
  // Partial objects get the helpers' defaults; what is still missing is reported by validation.
  return defineFeatures({
    entities: list('entities').map((item) => entity(item as Parameters<typeof entity>[0])),
    featureViews: list('featureViews').map((item) => featureView(item as Parameters<typeof featureView>[0])),
    onDemandFeatureViews: list('onDemandFeatureViews').map((item) =>
      onDemandFeatureView(item as Parameters<typeof onDemandFeatureView>[0]),
    ),
    featureServices: list('featureServices').map((item) =>
      featureService(item as Parameters<typeof featureService>[0]),
    ),
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

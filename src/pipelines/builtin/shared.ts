import { z } from 'zod';
import { FeatureStore } from '../../features/index.js';
import { contextOf, type Platform } from '../../platform/index.js';

/** What the data capability takes from an open platform. */
export const dataContext = contextOf;

/** Runs work with a feature store opened on the platform's configuration, closing it after. */
export async function withFeatureStore<T>(
  platform: Platform,
  work: (store: FeatureStore) => Promise<T>,
): Promise<T> {
  const store = await FeatureStore.open({
    ...dataContext(platform),
    config: platform.config.features,
    metrics: platform.metrics,
  });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** The registered model a training run adds to: its conf's, else the one the platform serves. */
export function modelNameOf(platform: Platform, conf: Record<string, unknown>): string {
  return typeof conf.model_name === 'string' ? conf.model_name : platform.config.serving.modelName;
}

/** A conf field: a whole number from 1 to max. */
export const wholeNumber = (max: number) => z.number().int().min(1).max(max);

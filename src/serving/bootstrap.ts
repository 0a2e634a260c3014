import { latestDatasetVersion } from '../lineage/index.js';
import { type ModelsContext, trainModel } from '../models/index.js';
import { getRegisteredModel, promote } from '../tracking/index.js';

/**
 * Makes a fresh install serve at once: when there is a watch log but the served model has no champion,
 * trains ALS with its defaults (a few seconds on the demo data) and promotes it. Resolves with the version
 * it promoted, or undefined when there was nothing to do.
 */
export async function bootstrapModel(context: ModelsContext, modelName: string): Promise<string | undefined> {
  const model = await getRegisteredModel(context.db, modelName).catch(() => undefined);
  const hasChampion =
    model?.aliases.some((alias) => alias.alias === 'champion') === true ||
    model?.latest_versions.some((version) => version.current_stage === 'Production') === true;
  if (hasChampion) return undefined;
  if ((await latestDatasetVersion(context.db, 'watch_log')) === undefined) return undefined;
  const log = context.logger.child({ component: 'SERVING', action: 'BOOTSTRAP_MODEL' });
  log.info(`no champion for ${modelName} yet: training a first ALS model on the watch log`);
  const result = await trainModel(context, { algorithm: 'als', modelName, runName: 'bootstrap-als' });
  const version = result.modelVersion?.version as string;
  await promote(context.db, modelName, version, {
    actor: 'mlops up',
    reason: 'bootstrap: the first model of a new installation',
  });
  log.info(
    `${modelName} version ${version} (ALS, NDCG@10 ${result.metrics.ndcg.toFixed(4)}) is now champion`,
  );
  return version;
}

import { hasCatalogue } from '../data/index.js';
import { MlopsError } from '../errors/index.js';
import { hasAnyBuild } from '../features/index.js';
import { latestDatasetVersion } from '../lineage/index.js';
import type { Platform } from '../platform/index.js';
import { getRegisteredModel } from '../tracking/index.js';
import type { PipelineEngine } from './engine.js';

export interface FirstStartOptions {
  /** Stops waiting for the pipeline in progress (the engine's own stop ends its tasks). */
  signal?: AbortSignal;
  /** Awaited after each pipeline run succeeds, e.g. so serving picks up the data that now exists. */
  onRunFinished?: (pipelineId: string) => Promise<void> | void;
}

/**
 * A fresh install's first start, through the built-in pipelines: data collection (when there is no
 * catalogue and demo data is on), then training (when serving has no champion and the model bootstrap is
 * on), then features (when nothing was built and the feature bootstrap is on), each run to its end.
 * Resolves with the runs it made; rejects with the task that failed, or when `signal` aborts.
 */
export async function runFirstStart(
  engine: PipelineEngine,
  platform: Platform,
  options: FirstStartOptions = {},
): Promise<string[]> {
  const { config } = platform;
  const db = platform.database.db;
  const log = platform.logger.child({ component: 'PIPELINES', action: 'FIRST_START' });
  const runs: string[] = [];
  const runToEnd = async (pipelineId: string, reason: string, conf: Record<string, unknown> = {}) => {
    log.info({ pipeline: pipelineId }, reason);
    const run = await engine.trigger(pipelineId, {
      conf,
      runType: 'manual',
      note: 'first start',
      force: true,
    });
    for (;;) {
      options.signal?.throwIfAborted();
      const current = await engine.run(run.run_id);
      if (current.state === 'success') break;
      if (current.state === 'failed') {
        const failed = (await engine.tasks(run.run_id)).find((task) => task.state === 'failed');
        throw new MlopsError(
          'MLOPS_ERR_INTERNAL',
          `first start: ${pipelineId} failed at task ${failed?.task_id ?? '?'}: ${failed?.error ?? 'see mlops pipelines logs'}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    runs.push(run.run_id);
    await options.onRunFinished?.(pipelineId);
  };
  if (config.data.isDemoDataOnFirstStart && !(await hasCatalogue(db)))
    await runToEnd(
      'movie_data_collection',
      'no data yet: generating the offline demo catalogue and watch log (first start only)',
    );
  if ((await latestDatasetVersion(db, 'watch_log')) === undefined) return runs;
  // The first model comes first, then the features: training reads the watch log alone (the built-in
  // algorithms use no features), and on 2 cores the two side by side each slowed the other, so the
  // champion came 3-4 s later than alone. A failed training still lets the features be built, then fails the start.
  const isBuildingFeatures = config.features.isBootstrap && !(await hasAnyBuild({ db }));
  let trainingFailure: unknown;
  if (config.serving.isEnabled && config.serving.isBootstrapModel) {
    const model = await getRegisteredModel(db, config.serving.modelName).catch(() => undefined);
    const hasChampion = model?.aliases.some((alias) => alias.alias === 'champion') ?? false;
    if (!hasChampion)
      await runToEnd(
        'movie_training_pipeline',
        'no champion model yet: running movie_training_pipeline (first start only)',
        { model_name: config.serving.modelName, join_features: !isBuildingFeatures },
      ).catch((error: unknown) => {
        options.signal?.throwIfAborted();
        trainingFailure = error;
      });
  }
  if (isBuildingFeatures)
    await runToEnd(
      'movie_feature_pipeline',
      'no features built yet: running movie_feature_pipeline (first start only)',
    );
  if (trainingFailure !== undefined) throw trainingFailure;
  return runs;
}

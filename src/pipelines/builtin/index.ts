import path from 'node:path';
import { z } from 'zod';
import {
  generateSyntheticData,
  publicMovies,
  publishDatasets,
  sqlString,
  validateStoredDataset,
  withDuckDb,
} from '../../data/index.js';
import { MlopsError } from '../../errors/index.js';
import { FeatureStore, featureDatasetName } from '../../features/index.js';
import {
  checkoutDatasetVersion,
  latestDatasetVersion,
  lineageOf,
  recordDatasetVersion,
  resolveDatasetVersion,
} from '../../lineage/index.js';
import {
  evaluateModelVersion,
  loadModelVersion,
  matrixOf,
  readDatasetPairs,
  resolveModelVersion,
  rowItems,
  topK,
  trainModel,
} from '../../models/index.js';
import { contextOf, type Platform } from '../../platform/index.js';
import { DEFAULT_POLICY, decidePromotion, promote } from '../../tracking/index.js';
import { definePipeline, type PipelineDefinition } from '../definition.js';
import { computeWatchLogDrift } from '../drift-check.js';
import { foldFeedbackIntoWatchLog } from '../fold-feedback.js';

const dataContext = contextOf;

async function withFeatureStore<T>(
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
function modelNameOf(platform: Platform, conf: Record<string, unknown>): string {
  return typeof conf.model_name === 'string' ? conf.model_name : platform.config.serving.modelName;
}

const wholeNumber = (max: number) => z.number().int().min(1).max(max);

/** Stage 1 as a pipeline: synthetic data (or the current catalogue) → validation → the reference's files → versions. */
export const movieDataCollection = definePipeline({
  id: 'movie_data_collection',
  description:
    'Generate the catalogue and watch log, validate them, write the processed watch log and record the versions',
  schedule: '0 2 * * *',
  tags: ['data', 'stage1'],
  conf: z
    .object({
      users: wholeNumber(10_000_000).default(6000),
      movies: wholeNumber(1_000_000).default(4000),
      interactions: wholeNumber(200_000_000).default(1_000_000),
      days: wholeNumber(3650).default(180),
      seed: z.number().int().min(0).default(42),
      // Drift injected into the newest interactions: to watch monitoring and the retrain loop react.
      drift_days_ago: wholeNumber(3650).optional(),
      drift_taste: z.number().min(0).max(1).default(0.5),
      drift_popularity: z.number().min(0).max(1).default(0.3),
    })
    .strict(),
  tasks: [
    {
      id: 'collect',
      retries: 1,
      description: 'generate the synthetic catalogue and watch log and publish them as dataset versions',
      async run({ platform, conf, log }) {
        const { drift_days_ago, drift_taste, drift_popularity, ...sizes } = conf as {
          users: number;
          movies: number;
          interactions: number;
          days: number;
          seed: number;
          drift_days_ago?: number;
          drift_taste: number;
          drift_popularity: number;
        };
        const options = {
          ...sizes,
          endDate: new Date().toISOString().slice(0, 10),
          ...(drift_days_ago === undefined
            ? {}
            : {
                drift: {
                  date: new Date(Date.now() - drift_days_ago * 86_400_000).toISOString().slice(0, 10),
                  tasteShift: drift_taste,
                  popularityShift: drift_popularity,
                },
              }),
        };
        log.info(
          `generating ${options.interactions} watches of ${options.users} users over ${options.movies} movies`,
        );
        const { movies, watchLog } = generateSyntheticData(options);
        const published = await publishDatasets(dataContext(platform), {
          source: 'synthetic',
          params: { generator: 'synthetic', pipeline: 'movie_data_collection', ...options },
          movies: publicMovies(movies),
          watchLog,
        });
        return {
          movies_version: published.movies.version.version_id,
          watch_log_version: published.watchLog?.version.version_id ?? null,
          movies: movies.length,
          interactions: watchLog.length,
        };
      },
    },
    {
      id: 'validate',
      dependsOn: ['collect'],
      description: 'run the expectation suites on the stored versions; fail on a critical failure',
      async run({ platform, upstream, log }) {
        const collected = upstream.collect as { movies_version: string; watch_log_version: string | null };
        const results: Record<string, boolean> = {};
        for (const version of [collected.movies_version, collected.watch_log_version]) {
          if (version === null) continue;
          const { version: stored, report } = await validateStoredDataset(dataContext(platform), version);
          log.info(`${stored.dataset} ${version.slice(0, 12)}: ${report.passed ? 'passed' : 'FAILED'}`);
          results[stored.dataset] = report.passed;
          if (!report.passed)
            throw new MlopsError(
              'MLOPS_ERR_DATA_VALIDATION_FAILED',
              `${stored.dataset} ${version.slice(0, 12)} failed validation`,
            );
        }
        return results;
      },
    },
    {
      id: 'build_watch_log',
      dependsOn: ['validate'],
      description: "write the reference's data/processed/watch_log.csv from the validated version",
      async run({ platform, upstream, log }) {
        const versionId = (upstream.collect as { watch_log_version: string | null } | undefined)
          ?.watch_log_version;
        const context = dataContext(platform);
        const version = versionId
          ? await resolveDatasetVersion(context.db, versionId)
          : await latestDatasetVersion(context.db, 'watch_log');
        if (version === undefined)
          throw new MlopsError('MLOPS_ERR_NOT_FOUND', 'there is no watch log to export');
        const processed = path.join(context.home, 'data', 'processed');
        const parquet = await checkoutDatasetVersion(context, version, processed);
        const csv = path.join(processed, 'watch_log.csv');
        await withDuckDb((connection) =>
          connection.run(
            `copy (select * from read_parquet(${sqlString(parquet)})) to ${sqlString(csv)} (format csv, header true)`,
          ),
        );
        log.info(`wrote ${csv}`);
        return { csv, watch_log_version: version.version_id };
      },
    },
    {
      id: 'version',
      dependsOn: ['build_watch_log'],
      description: 'report the recorded versions and their lineage',
      async run({ platform, upstream }) {
        const { watch_log_version } = upstream.build_watch_log as { watch_log_version: string };
        const lineage = await lineageOf(platform.database.db, 'dataset', watch_log_version);
        return { watch_log_version, ancestors: lineage.ancestors };
      },
    },
  ],
});

/** Stage 2 as a pipeline: build every view → check the builds → materialize what is new. */
export const movieFeaturePipeline = definePipeline({
  id: 'movie_feature_pipeline',
  description:
    'Apply the feature definitions, build the feature views, validate the builds and materialize them incrementally',
  schedule: '0 3 * * *',
  tags: ['features', 'stage2'],
  tasks: [
    {
      id: 'build',
      retries: 1,
      async run({ platform, log }) {
        return withFeatureStore(platform, async (store) => {
          const plan = await store.apply(await store.definitionsInCode());
          const changed = plan.filter((change) => change.change !== 'unchanged');
          if (changed.length > 0)
            log.info(`registry: ${changed.map((change) => `${change.change} ${change.name}`).join(', ')}`);
          const builds = await store.build({ onView: (view) => log.info(`building ${view}`) });
          return builds.map((build) => ({
            feature_view: build.feature_view,
            build_id: build.build_id,
            rows: build.row_count,
            valid: build.validation.passed,
          }));
        });
      },
    },
    {
      id: 'validate',
      dependsOn: ['build'],
      async run({ upstream }) {
        const builds = upstream.build as { feature_view: string; valid: boolean }[];
        const invalid = builds.filter((build) => !build.valid).map((build) => build.feature_view);
        if (invalid.length > 0)
          throw new MlopsError(
            'MLOPS_ERR_DATA_VALIDATION_FAILED',
            `invalid feature builds: ${invalid.join(', ')}`,
          );
        return { valid: builds.length };
      },
    },
    {
      id: 'materialize',
      dependsOn: ['validate'],
      async run({ platform, log }) {
        return withFeatureStore(platform, async (store) => {
          const results = await store.materialize({ incremental: true });
          for (const result of results)
            log.info(`${result.feature_view}: ${result.rows} entities (${result.mode})`);
          return results.map((result) => ({
            feature_view: result.feature_view,
            mode: result.mode,
            rows: result.rows,
          }));
        });
      },
    },
  ],
});

/** Stages 6 and 7 as a pipeline: training set → train and register → evaluate → promote when better. */
export const movieTrainingPipeline = definePipeline({
  id: 'movie_training_pipeline',
  description:
    'Prepare a point-in-time training set, train and register a recommender, evaluate it and promote it if it beats the champion',
  schedule: '0 4 * * 0',
  tags: ['training', 'stage6', 'stage7'],
  conf: z
    .object({
      algorithm: z.enum(['als', 'bpr', 'ncf', 'item-knn', 'popularity']).default('als'),
      hyperparameters: z.record(z.string(), z.unknown()).default({}),
      dataset: z.string().min(1).default('watch_log'),
      // Default: the model the platform serves (MLOPS_SERVING_MODEL, movie_predictor).
      model_name: z.string().min(1).optional(),
      // Learn from the feedback recorded since the watch log (only when training on the latest version).
      fold_feedback: z.boolean().default(true),
    })
    .strict(),
  tasks: [
    {
      id: 'prepare',
      description:
        'fold new feedback into the watch log, pin its version and join the features each interaction had at its time',
      async run({ platform, conf, log }) {
        const context = dataContext(platform);
        const latest = await resolveDatasetVersion(context.db, String(conf.dataset));
        const isLatest = latest.dataset === String(conf.dataset);
        const { version: dataset, folded } =
          isLatest && conf.fold_feedback !== false
            ? await foldFeedbackIntoWatchLog(context, latest)
            : { version: latest, folded: 0 };
        if (folded > 0)
          log.info(
            `folded ${folded} feedback rows into ${dataset.dataset} ${dataset.version_id.slice(0, 12)} (from ${latest.version_id.slice(0, 12)})`,
          );
        const built = await context.db
          .selectFrom('feature_builds')
          .select('build_id')
          .limit(1)
          .executeTakeFirst();
        if (built === undefined) {
          log.warn('no feature build yet: the training set is the watch log alone');
          return { dataset_version: dataset.version_id, training_set_version: null };
        }
        const file = await checkoutDatasetVersion(
          context,
          dataset,
          path.join(context.home, 'tmp', `training-${dataset.version_id.slice(0, 12)}`),
        );
        const entities = `${file}.entities.parquet`;
        await withDuckDb((connection) =>
          connection.run(
            `copy (select user_id, content_id as movie_id, "timestamp" as event_timestamp from read_parquet(${sqlString(file)})) to ${sqlString(entities)} (format parquet)`,
          ),
        );
        const output = `${file}.training.parquet`;
        const result = await withFeatureStore(platform, (store) =>
          store.historical({
            entities: { file: entities },
            features: ['movie_catalogue', 'movie_activity', 'user_activity'],
            fullFeatureNames: true,
            outputFile: output,
          }),
        );
        const { version } = await recordDatasetVersion(context, {
          dataset: 'training_set',
          file: output,
          format: 'parquet',
          source: 'movie_training_pipeline',
          params: { watch_log: dataset.version_id, builds: result.builds },
          rowCount: result.rowCount,
          parents: [
            { kind: 'dataset', id: dataset.version_id },
            ...result.builds.map((build) => ({ kind: 'dataset', id: build.dataset_version_id })),
          ],
        });
        log.info(
          `training set ${version.version_id.slice(0, 12)}: ${result.rowCount} rows × ${result.columns.length} columns`,
        );
        return {
          dataset_version: dataset.version_id,
          training_set_version: version.version_id,
          rows: result.rowCount,
        };
      },
    },
    {
      id: 'train',
      dependsOn: ['prepare'],
      description: 'train, track as a run and register as a new model version',
      async run({ platform, conf, upstream, log, signal }) {
        const prepared = upstream.prepare as { dataset_version: string };
        const result = await trainModel(dataContext(platform), {
          algorithm: String(conf.algorithm),
          hyperparameters: conf.hyperparameters as Record<string, unknown>,
          dataset: prepared.dataset_version,
          modelName: modelNameOf(platform, conf),
          signal,
          onProgress: (progress) => {
            if (progress.phase === 'train') log.info(`iteration ${progress.iteration}/${progress.total}`);
          },
        });
        return {
          run_id: result.runId,
          model_version: result.modelVersion?.version ?? null,
          dataset_version: prepared.dataset_version,
          ndcg_at_10: result.metrics.ndcg,
        };
      },
    },
    {
      id: 'evaluate',
      dependsOn: ['train'],
      async run({ platform, conf, upstream }) {
        const trained = upstream.train as { model_version: string; dataset_version: string };
        const result = await evaluateModelVersion(
          dataContext(platform),
          `${modelNameOf(platform, conf)}/${trained.model_version}`,
          {
            dataset: trained.dataset_version,
            record: true,
          },
        );
        return {
          model_version: trained.model_version,
          dataset_version: trained.dataset_version,
          metrics: result.metrics,
        };
      },
    },
    {
      id: 'promote',
      dependsOn: ['evaluate'],
      description: 'make the new version champion when the promotion policy says it is better',
      async run({ platform, conf, upstream, log, runId }) {
        const { model_version, dataset_version } = upstream.evaluate as {
          model_version: string;
          dataset_version: string;
        };
        const name = modelNameOf(platform, conf);
        const context = dataContext(platform);
        // The champion is scored on the candidate's data too, so the two compare on equal terms (after
        // drift, the champion's own evaluation is on data that no longer describes the users).
        const champion = await resolveModelVersion(context, `${name}@champion`).catch(() => undefined);
        if (champion !== undefined && champion.version !== model_version) {
          await evaluateModelVersion(context, `${name}/${champion.version}`, {
            dataset: dataset_version,
            record: true,
          });
          log.info(`champion v${champion.version} re-evaluated on ${dataset_version}`);
        }
        const decision = await decidePromotion(platform.database.db, name, model_version, DEFAULT_POLICY);
        for (const reason of decision.reasons) log.info(reason);
        if (decision.isPromoted) {
          await promote(platform.database.db, name, model_version, {
            actor: 'movie_training_pipeline',
            reason: decision.reasons.join('; '),
          });
          const bus = await platform.events();
          await bus.publish('registry-events', {
            type: 'model.promoted',
            source: 'pipeline:movie_training_pipeline',
            data: {
              model_name: name,
              version: model_version,
              previous_version: champion?.version ?? null,
              reasons: decision.reasons.map((reason) => reason.slice(0, 4096)),
              run_id: runId,
            },
          });
        }
        return {
          model_version,
          promoted: decision.isPromoted,
          previous_champion: champion?.version ?? null,
          reasons: decision.reasons,
        };
      },
    },
  ],
});

/** Serving ahead of time: the champion's top-k for every recently active user, into the online store. */
export const movieBatchPrediction = definePipeline({
  id: 'movie_batch_prediction',
  description:
    "Score the champion's top 20 for every user active in the last 30 days and serve them as the user_recommendations feature view",
  schedule: '0 5 * * *',
  tags: ['serving', 'stage7'],
  conf: z
    .object({
      k: z.number().int().min(1).max(100).default(20),
      active_days: z.number().int().min(1).max(3650).default(30),
    })
    .strict(),
  tasks: [
    {
      id: 'score',
      async run({ platform, conf, log }) {
        const context = dataContext(platform);
        const version = await resolveModelVersion(context, '@champion');
        const trained = await loadModelVersion(context, version);
        const watchLog = await latestDatasetVersion(context.db, 'watch_log');
        if (watchLog === undefined) throw new MlopsError('MLOPS_ERR_NOT_FOUND', 'there is no watch log');
        const pairs = await readDatasetPairs(context, watchLog);
        const seen = matrixOf(pairs);
        const cutoff = Math.max(...pairs.lastAt) - Number(conf.active_days) * 86_400_000;
        const active = new Set<number>();
        for (let index = 0; index < pairs.length; index++)
          if ((pairs.lastAt[index] ?? 0) >= cutoff) active.add(pairs.userId[index] ?? 0);
        const scores = new Float32Array(trained.model.itemCount);
        const rows: string[] = [];
        const k = Number(conf.k);
        for (const userId of active) {
          const user = trained.users.index(userId) ?? -1;
          const row = seen.users.index(userId);
          const exclude =
            row === undefined
              ? new Int32Array(0)
              : Int32Array.from(
                  [...rowItems(seen.byUser, row)]
                    .map((item) => trained.items.index(seen.items.ids[item] ?? -1) ?? -1)
                    .filter((item) => item >= 0),
                );
          trained.model.scoreUser(user, { items: new Int32Array(0), counts: new Float32Array(0) }, scores);
          const top = topK(scores, k, exclude.sort());
          rows.push(`${userId}\t[${Array.from(top.indices, (item) => trained.items.ids[item]).join(',')}]`);
        }
        const dir = path.join(context.home, 'tmp');
        const tsv = path.join(dir, `batch-${version.version}.tsv`);
        const parquet = path.join(dir, `batch-${version.version}.parquet`);
        const { writeFile, mkdir, rm } = await import('node:fs/promises');
        await mkdir(dir, { recursive: true });
        await writeFile(tsv, `${rows.join('\n')}\n`);
        const scoredAt = new Date().toISOString();
        await withDuckDb((connection) =>
          connection.run(
            `copy (select column0::BIGINT as user_id, timestamp ${sqlString(scoredAt.replace('T', ' ').replace('Z', ''))} as scored_at,
               column1::BIGINT[] as movie_ids, ${sqlString(`${version.name}/${version.version}`)} as model_version
             from read_csv(${sqlString(tsv)}, delim = '\t', header = false, columns = {'column0': 'VARCHAR', 'column1': 'VARCHAR'}))
             to ${sqlString(parquet)} (format parquet)`,
          ),
        );
        const { version: dataset } = await recordDatasetVersion(context, {
          dataset: 'batch_recommendations',
          file: parquet,
          format: 'parquet',
          source: 'movie_batch_prediction',
          params: { model: `${version.name}/${version.version}`, k },
          rowCount: rows.length,
          parents: [
            { kind: 'dataset', id: watchLog.version_id },
            { kind: 'model_version', id: `${version.name}/${version.version}` },
          ],
        });
        await rm(tsv, { force: true });
        await rm(parquet, { force: true });
        log.info(`scored ${rows.length} active users with ${version.name} v${version.version}`);
        return { users: rows.length, dataset_version: dataset.version_id, model_version: version.version };
      },
    },
    {
      id: 'build',
      dependsOn: ['score'],
      async run({ platform }) {
        return withFeatureStore(platform, async (store) => {
          if (!(await store.registry()).featureViews.some((view) => view.name === 'user_recommendations'))
            await store.apply(await store.definitionsInCode());
          const [build] = await store.build({ views: ['user_recommendations'] });
          return {
            build_id: build?.build_id,
            rows: build?.row_count,
            dataset: featureDatasetName('user_recommendations'),
          };
        });
      },
    },
    {
      id: 'materialize',
      dependsOn: ['build'],
      async run({ platform }) {
        return withFeatureStore(platform, async (store) => {
          const [result] = await store.materialize({ views: ['user_recommendations'] });
          return { rows: result?.rows ?? 0 };
        });
      },
    },
  ],
});

/** Stage 8 as a pipeline: the watch log's last window against the one before it. */
export const movieDriftCheck = definePipeline({
  id: 'movie_drift_check',
  description:
    'Compare the last window of the watch log with the window before it, feature by feature, record the drift report and raise the drift event',
  schedule: '0 6 * * *',
  tags: ['monitoring', 'stage8'],
  conf: z
    .object({
      window_days: z.number().int().min(1).max(365).default(7),
      drift_share: z.number().min(0).max(1).default(0.5),
      method: z.enum(['auto', 'psi']).default('auto'),
    })
    .strict(),
  tasks: [
    {
      id: 'compute',
      description:
        'per-feature drift tests between the two windows, recorded as a drift_report dataset version',
      async run({ platform, conf, log }) {
        const context = dataContext(platform);
        const watchLog = await latestDatasetVersion(context.db, 'watch_log');
        const movies = await latestDatasetVersion(context.db, 'movies');
        if (watchLog === undefined || movies === undefined)
          throw new MlopsError('MLOPS_ERR_NOT_FOUND', 'there is no watch log to check');
        // With a champion, the drift of its scores for what people watched is checked too.
        const model = await resolveModelVersion(context, '@champion')
          .then((version) => loadModelVersion(context, version))
          .catch(() => undefined);
        if (model === undefined) log.info('no champion model: the model score is not checked');
        const report = await computeWatchLogDrift(context, watchLog, movies, {
          model,
          windowDays: Number(conf.window_days),
          driftShare: Number(conf.drift_share),
          method: conf.method as 'auto' | 'psi',
        });
        const { mkdir, writeFile, rm } = await import('node:fs/promises');
        const dir = path.join(context.home, 'tmp');
        await mkdir(dir, { recursive: true });
        const file = path.join(dir, `drift-${Date.now()}.json`);
        await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
        const { version } = await recordDatasetVersion(context, {
          dataset: 'drift_report',
          file,
          format: 'json',
          source: 'movie_drift_check',
          params: { window_days: conf.window_days, method: conf.method },
          rowCount: report.columns.length,
          parents: [{ kind: 'dataset', id: watchLog.version_id }],
        });
        await rm(file, { force: true });
        for (const column of report.columns) {
          platform.metrics.driftScore.set({ feature: column.column, test: column.test }, column.score);
          platform.metrics.featureDrifted.set({ feature: column.column }, column.drifted ? 1 : 0);
          log.info(
            `${column.column}: ${column.test} ${column.score.toPrecision(4)} ${column.drifted ? 'DRIFTED' : 'ok'}`,
          );
        }
        platform.metrics.datasetDrift.set(report.drift_share);
        return {
          report_version: version.version_id,
          dataset_drift: report.dataset_drift,
          drift_share: report.drift_share,
          drifted: report.columns.filter((column) => column.drifted).map((column) => column.column),
        };
      },
    },
    {
      id: 'emit',
      dependsOn: ['compute'],
      description:
        'publish model.drift_detected on model-drift-alerts when the dataset drifted (the retrain automation listens)',
      async run({ platform, upstream, conf, log }) {
        const result = upstream.compute as {
          report_version: string;
          dataset_drift: boolean;
          drift_share: number;
          drifted: string[];
        };
        if (!result.dataset_drift) {
          log.info(`no dataset drift (${(result.drift_share * 100).toFixed(0)} % of features drifted)`);
          return { event: null };
        }
        const champion = await resolveModelVersion(
          dataContext(platform),
          `${platform.config.serving.modelName}@champion`,
        ).catch(() => undefined);
        const bus = await platform.events();
        const published = await bus.publish('model-drift-alerts', {
          type: 'model.drift_detected',
          source: 'pipeline:movie_drift_check',
          data: {
            model_name: platform.config.serving.modelName,
            model_version: champion?.version ?? '',
            drift_score: result.drift_share,
            threshold: Number(conf.drift_share),
            drift_type: 'data',
            affected_features: result.drifted,
            report_version: result.report_version,
          },
        });
        const event = {
          type: 'data_drift_detected',
          event_id: published.id,
          drift_share: result.drift_share,
          drifted_features: result.drifted,
          report_version: result.report_version,
          detected_at: published.time,
        };
        platform.logger.warn(
          { component: 'MONITORING', action: 'DATA_DRIFT_DETECTED', ...event },
          `data drift: ${result.drifted.join(', ')}`,
        );
        log.warn(
          `data drift detected in ${result.drifted.join(', ')}: published ${published.id} on model-drift-alerts`,
        );
        return { event };
      },
    },
  ],
});

/** The pipelines every installation has. */
export const BUILTIN_PIPELINES: readonly PipelineDefinition[] = [
  movieDataCollection,
  movieFeaturePipeline,
  movieTrainingPipeline,
  movieBatchPrediction,
  movieDriftCheck,
];

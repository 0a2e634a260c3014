import path from 'node:path';
import { z } from 'zod';
import { sqlString, withDuckDb } from '../../data/index.js';
import { hasAnyBuild } from '../../features/index.js';
import { checkoutDatasetVersion, recordDatasetVersion, resolveDatasetVersion } from '../../lineage/index.js';
import {
  type AutoSelection,
  evaluateModelVersion,
  resolveModelVersion,
  selectAlgorithm,
  trainModel,
} from '../../models/index.js';
import { DEFAULT_POLICY, decidePromotion, promote } from '../../tracking/index.js';
import { definePipeline } from '../definition.js';
import { foldFeedbackIntoWatchLog } from '../fold-feedback.js';
import { dataContext, modelNameOf, withFeatureStore } from './shared.js';

/** Stages 6 and 7 as a pipeline: training set → train and register → evaluate → promote when better. */
export const movieTrainingPipeline = definePipeline({
  id: 'movie_training_pipeline',
  description:
    'Prepare a point-in-time training set, train and register a recommender, evaluate it and promote it if it beats the champion',
  schedule: '0 4 * * 0',
  tags: ['training', 'stage6', 'stage7'],
  conf: z
    .object({
      // auto: tune each candidate within the budget on a validation split of the training period, train the best.
      algorithm: z.enum(['als', 'bpr', 'ncf', 'ease', 'item-knn', 'popularity', 'auto']).default('als'),
      hyperparameters: z.record(z.string(), z.unknown()).default({}),
      candidates: z
        .array(z.enum(['als', 'bpr', 'ncf', 'ease', 'item-knn', 'popularity']))
        .min(1)
        .optional(),
      // Whole tuning budget of `auto` (shared by the candidates) and most trials per candidate.
      tune_budget_seconds: z.number().positive().max(86_400).default(120),
      tune_trials: z.number().int().min(1).max(1000).default(6),
      dataset: z.string().min(1).default('watch_log'),
      // Default: the model the platform serves (MLOPS_SERVING_MODEL, movie_predictor).
      model_name: z.string().min(1).optional(),
      // Learn from the feedback recorded since the watch log (only when training on the latest version).
      fold_feedback: z.boolean().default(true),
      // Record the point-in-time training set (the features each interaction had at its time). The
      // built-in algorithms learn from the interactions alone, so the first start, which builds the
      // features at the same time, trains without waiting for them.
      join_features: z.boolean().default(true),
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
        if (conf.join_features === false) {
          log.info('join_features is off: the training set is the watch log alone');
          return { dataset_version: dataset.version_id, training_set_version: null };
        }
        if (!(await hasAnyBuild(context))) {
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
      async run({ platform, conf, upstream, log, signal, pipelineId, runId }) {
        const prepared = upstream.prepare as { dataset_version: string };
        // The run page links a training run back to the pipeline run that made it.
        const tags = { 'mlops.pipeline': pipelineId, 'mlops.pipeline_run_id': runId };
        let algorithm = String(conf.algorithm);
        let hyperparameters = conf.hyperparameters as Record<string, unknown>;
        let selection: AutoSelection | undefined;
        if (algorithm === 'auto') {
          selection = await selectAlgorithm(dataContext(platform), {
            ...(conf.candidates === undefined ? {} : { candidates: conf.candidates as string[] }),
            budgetSeconds: Number(conf.tune_budget_seconds),
            trials: Number(conf.tune_trials),
            dataset: prepared.dataset_version,
            tags,
            signal,
            onStudy: (study) =>
              log.info(
                `tuned ${study.algorithm}: ${study.trials.length} trials, best validation NDCG@10 ${study.best?.validationNdcg.toFixed(4) ?? 'none'} (study run ${study.parentRunId})`,
              ),
          });
          algorithm = selection.algorithm;
          hyperparameters = selection.hyperparameters;
          log.info(`auto picked ${algorithm} ${JSON.stringify(hyperparameters)}`);
        }
        const result = await trainModel(dataContext(platform), {
          algorithm,
          hyperparameters,
          dataset: prepared.dataset_version,
          modelName: modelNameOf(platform, conf),
          tags,
          signal,
          onProgress: (progress) => {
            if (progress.phase === 'train') log.info(`iteration ${progress.iteration}/${progress.total}`);
          },
        });
        return {
          algorithm,
          ...(selection === undefined ? {} : { candidates: selection.candidates }),
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
      description: "the new version's ranking metrics on the dataset it will be compared on",
      async run({ platform, conf, upstream, log }) {
        const trained = upstream.train as { model_version: string; dataset_version: string };
        const result = await evaluateModelVersion(
          dataContext(platform),
          `${modelNameOf(platform, conf)}/${trained.model_version}`,
          {
            dataset: trained.dataset_version,
            record: true,
            // Trained on this dataset version a moment ago: its training figures are this evaluation's.
            reuseTrainingEvaluation: true,
          },
        );
        log.info(
          `${result.reused === true ? 'as evaluated at training' : 'evaluated'} on ${trained.dataset_version.slice(0, 12)}: NDCG@${result.metrics.k} ${result.metrics.ndcg.toFixed(4)} over ${result.metrics.users} users`,
        );
        return {
          model_version: trained.model_version,
          dataset_version: trained.dataset_version,
          metrics: result.metrics,
          reused_training_evaluation: result.reused === true,
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

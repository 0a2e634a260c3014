import path from 'node:path';
import { z } from 'zod';
import { MlopsError } from '../../errors/index.js';
import { latestDatasetVersion, recordDatasetVersion } from '../../lineage/index.js';
import { loadModelVersion, resolveModelVersion } from '../../models/index.js';
import { definePipeline } from '../definition.js';
import { computeWatchLogDrift } from '../drift-check.js';
import { dataContext } from './shared.js';

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

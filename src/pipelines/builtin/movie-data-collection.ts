import path from 'node:path';
import { z } from 'zod';
import {
  generateSyntheticCatalogue,
  generateSyntheticWatchLog,
  hasCatalogue,
  publicMovies,
  publishDatasets,
  sqlString,
  validateStoredDataset,
  withDuckDb,
} from '../../data/index.js';
import { MlopsError } from '../../errors/index.js';
import {
  checkoutDatasetVersion,
  latestDatasetVersion,
  lineageOf,
  resolveDatasetVersion,
} from '../../lineage/index.js';
import { definePipeline } from '../definition.js';
import { dataContext, wholeNumber } from './shared.js';

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
        const movies = generateSyntheticCatalogue(options);
        const context = dataContext(platform);
        const dataset = {
          source: 'synthetic',
          params: { generator: 'synthetic', pipeline: 'movie_data_collection', ...options },
          movies: publicMovies(movies),
        };
        // A fresh install gets its catalogue first (milliseconds): serving answers from its popularity
        // while the watch log is generated. The second publish finds the same catalogue version.
        if (!(await hasCatalogue(context.db))) {
          await publishDatasets(context, dataset);
          log.info(`published the catalogue of ${movies.length} movies`);
        }
        log.info(
          `generating ${options.interactions} watches of ${options.users} users over ${options.movies} movies`,
        );
        const watchLog = generateSyntheticWatchLog(movies, options);
        const published = await publishDatasets(context, { ...dataset, watchLog });
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

import path from 'node:path';
import { z } from 'zod';
import { sqlString, withDuckDb } from '../../data/index.js';
import { MlopsError } from '../../errors/index.js';
import { featureDatasetName } from '../../features/index.js';
import { latestDatasetVersion, recordDatasetVersion } from '../../lineage/index.js';
import {
  loadModelVersion,
  matrixOf,
  readDatasetPairs,
  resolveModelVersion,
  rowItems,
  topK,
} from '../../models/index.js';
import { definePipeline } from '../definition.js';
import { dataContext, withFeatureStore } from './shared.js';

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

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataContext, toInteractionColumns, writeInteractionsParquet } from '../../src/data/index.js';
import { MlopsError } from '../../src/errors/index.js';
import { lineageOf, recordDatasetVersion, resolveDatasetVersion } from '../../src/lineage/index.js';
import {
  evaluateModelVersion,
  loadModelVersion,
  readDatasetPairs,
  resolveModelVersion,
  trainModel,
} from '../../src/models/index.js';
import type { Platform } from '../../src/platform/index.js';
import {
  getExperimentByName,
  getMetricHistory,
  getRun,
  proxyPathOf,
  searchModelVersions,
  searchRuns,
} from '../../src/tracking/index.js';
import { BACKENDS, contextOf, openBackend, publishSynthetic } from '../helpers/platform.js';

const DATA = { users: 400, movies: 250, interactions: 25_000, seed: 11, endDate: '2026-11-01', days: 90 };

async function versionCount(platform: Platform): Promise<number> {
  return (await searchModelVersions(platform.database.db, { maxResults: 1000 })).versions.length;
}

function codeOf(error: unknown): string | undefined {
  return error instanceof MlopsError ? error.code : undefined;
}

for (const backend of BACKENDS) {
  describe(`model training on ${backend}`, () => {
    let platform: Platform;
    let dispose: () => Promise<void>;
    let context: DataContext;
    let watchLogVersion: string;

    beforeAll(async () => {
      ({ platform, dispose } = await openBackend(backend));
      context = contextOf(platform);
      watchLogVersion = await publishSynthetic(platform, DATA);
    });
    afterAll(async () => {
      await dispose?.();
    });

    it('trains ALS: progress, a tracked run, a safetensors artifact and a registered version with lineage', async () => {
      const phases: string[] = [];
      const result = await trainModel(context, {
        algorithm: 'als',
        hyperparameters: { factors: 16, iterations: 5 },
        onProgress: (event) => phases.push(event.phase),
      });
      expect(phases[0]).toBe('load');
      expect(phases.filter((phase) => phase === 'train')).toHaveLength(5);
      expect(phases.slice(-2)).toEqual(['evaluate', 'save']);
      expect(result.modelVersion).toMatchObject({
        name: 'movie_predictor',
        version: '1',
        run_id: result.runId,
      });

      const run = await getRun(context.db, result.runId);
      expect(run.info.status).toBe('FINISHED');
      const params = Object.fromEntries(run.data.params.map((param) => [param.key, param.value]));
      expect(params).toMatchObject({
        algorithm: 'als',
        factors: '16',
        iterations: '5',
        reg: '20',
        dataset_version: watchLogVersion,
      });
      const metrics = Object.fromEntries(run.data.metrics.map((metric) => [metric.key, metric.value]));
      expect(metrics.ndcg_at_10).toBeCloseTo(result.metrics.ndcg, 12);
      expect(metrics.ndcg_at_10).toBeGreaterThan(0);
      const loss = await getMetricHistory(context.db, result.runId, 'loss');
      expect(loss.metrics.map((metric) => metric.step)).toEqual([1, 2, 3, 4, 5]);
      expect(loss.metrics.at(-1)?.value).toBeLessThan(loss.metrics[0]?.value ?? 0);
      const stored = await context.artifacts.list(
        `mlflow-artifacts/${proxyPathOf(run.info.artifact_uri)}/model/`,
      );
      expect(stored.map((object) => object.key.split('/').at(-1)).sort()).toEqual([
        'manifest.json',
        'model.safetensors',
      ]);

      const lineage = await lineageOf(context.db, 'model_version', 'movie_predictor/1');
      expect(lineage.ancestors).toEqual(
        expect.arrayContaining([
          { kind: 'run', id: result.runId, depth: 1 },
          { kind: 'dataset', id: watchLogVersion, depth: 2 },
        ]),
      );
      const version = await resolveModelVersion(context, 'movie_predictor/1');
      expect(version.tags).toEqual(
        expect.arrayContaining([
          { key: 'algorithm', value: 'als' },
          { key: 'dataset_version', value: watchLogVersion },
        ]),
      );
      const loaded = await loadModelVersion(context, version);
      expect(loaded.manifest).toMatchObject({
        algorithm: 'als',
        dataset_version: watchLogVersion,
        hyperparameters: { factors: 16 },
      });
    });

    it('re-evaluates a stored version and reproduces its training figures exactly; --record updates its run', async () => {
      const trained = await trainModel(context, {
        algorithm: 'bpr',
        hyperparameters: { factors: 8, epochs: 5 },
      });
      const reference = `movie_predictor/${trained.modelVersion?.version}`;
      const again = await evaluateModelVersion(context, reference);
      expect(again.metrics).toEqual(trained.metrics);
      expect(again.datasetVersion).toBe(watchLogVersion);
      expect(again.reused).toBeUndefined();
      // The pipeline's evaluate step takes training's own figures for the same data: the same numbers.
      const reused = await evaluateModelVersion(context, reference, { reuseTrainingEvaluation: true });
      expect(reused).toMatchObject({ reused: true, recorded: false, datasetVersion: watchLogVersion });
      expect(reused.metrics).toEqual(trained.metrics);
      // Another k (or split, or dataset) is scored again.
      const otherK = await evaluateModelVersion(context, reference, { reuseTrainingEvaluation: true, k: 7 });
      expect(otherK.reused).toBeUndefined();
      expect(otherK.metrics.k).toBe(7);

      const atFive = await evaluateModelVersion(context, reference, { k: 5, record: true });
      expect(atFive.recorded).toBe(true);
      const run = await getRun(context.db, trained.runId);
      expect(run.data.metrics.find((metric) => metric.key === 'ndcg_at_5')?.value).toBeCloseTo(
        atFive.metrics.ndcg,
        12,
      );
    });

    it('reads a watch-log version once through DuckDB, then from the pairs cached beside it', async () => {
      const version = await resolveDatasetVersion(context.db, watchLogVersion);
      const first = await readDatasetPairs(context, version);
      const cached = path.join(context.home, 'cache', 'datasets', version.version_id, 'watch_log.pairs');
      expect(existsSync(cached)).toBe(true);
      expect(await readDatasetPairs(context, version)).toEqual(first);
      // A damaged cache is not trusted: the pairs come from the Parquet file again and the cache is rewritten.
      writeFileSync(cached, 'not pairs');
      expect(await readDatasetPairs(context, version)).toEqual(first);
      expect(readFileSync(cached).length).toBeGreaterThan(first.length * 28);
    });

    it('refuses bad input before any work: unknown algorithm, NaN or unknown hyperparameters, bad k', async () => {
      const before = await versionCount(platform);
      const attempts: [Parameters<typeof trainModel>[1], string, RegExp][] = [
        [
          { algorithm: 'svd' },
          'algorithm',
          /unknown algorithm "svd": choose one of popularity, item-knn, ease, als, bpr, ncf/,
        ],
        [
          { algorithm: 'als', hyperparameters: { factors: Number.NaN } },
          'factors',
          /factors: must be a number, got NaN/,
        ],
        [{ algorithm: 'als', hyperparameters: { reg: -1 } }, 'reg', /hyperparameter reg/],
        [
          { algorithm: 'popularity', hyperparameters: { factors: 8 } },
          'factors',
          /popularity has no hyperparameter factors; it takes half_life_days/,
        ],
        [{ algorithm: 'als', k: 0 }, 'k', /k must be an integer from 1 to 1000/],
        [
          { algorithm: 'als', split: { testFraction: 1.5 } },
          'test_fraction',
          /test fraction must be between 0 and 1/,
        ],
        [
          { algorithm: 'als', dataset: 'no_such_dataset' },
          'version',
          /no dataset or version "no_such_dataset"/,
        ],
      ];
      for (const [options, field, message] of attempts) {
        const error = await trainModel(context, options).catch((caught: unknown) => caught);
        expect(error, JSON.stringify(options)).toBeInstanceOf(MlopsError);
        expect((error as MlopsError).field).toBe(field);
        expect((error as MlopsError).message).toMatch(message);
      }
      expect(await versionCount(platform)).toBe(before);
    });

    it('refuses a dataset too small to train on, naming it, and registers nothing', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'mlops-tiny-'));
      const file = path.join(dir, 'tiny.parquet');
      await writeInteractionsParquet(
        file,
        toInteractionColumns(
          [1, 2, 3].map((user) => ({
            user_id: user,
            content_id: 1,
            watch_seconds: 60,
            rating: null,
            popularity: 1,
            timestamp: Date.parse('2026-10-01'),
          })),
        ),
      );
      const { version } = await recordDatasetVersion(context, {
        dataset: 'tiny_watch_log',
        file,
        format: 'parquet',
        source: 'test',
        params: {},
        rowCount: 3,
      });
      const before = await versionCount(platform);
      const error = await trainModel(context, { algorithm: 'als', dataset: 'tiny_watch_log' }).catch(
        (caught: unknown) => caught,
      );
      expect(codeOf(error)).toBe('MLOPS_ERR_DATA_INVALID');
      expect((error as Error).message).toContain(
        `tiny_watch_log ${version.version_id.slice(0, 12)} is too small to train on: 3 distinct (user, movie) pairs from 3 users and 1 movies`,
      );
      expect(await versionCount(platform)).toBe(before);
    });

    it('a cancelled training ends its run KILLED and registers no version', async () => {
      const before = await versionCount(platform);
      const controller = new AbortController();
      const error = await trainModel(context, {
        algorithm: 'als',
        hyperparameters: { factors: 8, iterations: 20 },
        signal: controller.signal,
        onProgress: (event) => {
          if (event.phase === 'train' && event.iteration === 2)
            controller.abort(new Error('user pressed Ctrl-C'));
        },
      }).catch((caught: unknown) => caught);
      expect((error as Error).message).toBe('user pressed Ctrl-C');
      expect(await versionCount(platform)).toBe(before);
      const experiment = await getExperimentByName(context.db, 'movie-recommender');
      const { runs } = await searchRuns(context.db, {
        experimentIds: [experiment.experiment_id],
        viewType: 'ACTIVE_ONLY',
        maxResults: 10,
        orderBy: ['attributes.start_time DESC'],
      });
      expect(runs[0]?.info.status).toBe('KILLED');
    });

    it('refuses to load a damaged model artifact with a clear error', async () => {
      const trained = await trainModel(context, { algorithm: 'popularity' });
      const version = await resolveModelVersion(context, `${trained.modelVersion?.version}`);
      const key = `mlflow-artifacts/${proxyPathOf(version.source)}/model.safetensors`;
      const original = await context.artifacts.get(key);
      await context.artifacts.put(key, Buffer.concat([original.subarray(0, 100), Buffer.alloc(10)]));
      const error = await loadModelVersion(context, version).catch((caught: unknown) => caught);
      // The registry's hash, recorded at registration, catches it before the manifest is even read.
      expect(codeOf(error)).toBe('MLOPS_ERR_MODEL_ARTIFACT_TAMPERED');
      expect((error as Error).message).toMatch(
        /model movie_predictor version \d+: model.safetensors changed since registration/,
      );
    });
  });
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureStore } from '../../src/features/index.js';
import {
  BUILTIN_PIPELINES,
  InProcessExecutor,
  PipelineEngine,
  type RunRecord,
  type TaskRecord,
} from '../../src/pipelines/index.js';
import { buildApp } from '../../src/server/index.js';
import { getVersionByAlias } from '../../src/tracking/index.js';
import { contextOf, openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';

let test: TestPlatform;
let engine: PipelineEngine;

async function runToEnd(
  pipeline: string,
  conf: Record<string, unknown> = {},
): Promise<{ run: RunRecord; tasks: Record<string, TaskRecord> }> {
  const started = await engine.trigger(pipeline, { conf });
  const deadline = Date.now() + 120_000;
  let run = started;
  while (run.state === 'queued' || run.state === 'running') {
    if (Date.now() > deadline) throw new Error(`${pipeline} still ${run.state}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    run = await engine.run(started.run_id);
  }
  const tasks = Object.fromEntries((await engine.tasks(run.run_id)).map((task) => [task.task_id, task]));
  if (run.state !== 'success') {
    const failed = Object.values(tasks).find((task) => task.state === 'failed');
    throw new Error(`${pipeline} failed at ${failed?.task_id}: ${failed?.error}`);
  }
  return { run, tasks };
}

beforeAll(async () => {
  test = await openTestPlatform();
  engine = new PipelineEngine(test.platform, BUILTIN_PIPELINES, { logger: test.logger });
  engine.setExecutor(new InProcessExecutor(engine, 2));
  await engine.register();
});

afterAll(async () => {
  await engine?.stop();
  await test?.dispose();
});

describe('the built-in pipelines, wired end to end', () => {
  it('movie_data_collection generates, validates, writes the processed watch log and versions it', async () => {
    const { tasks } = await runToEnd('movie_data_collection', {
      users: 250,
      movies: 150,
      interactions: 9000,
      days: 60,
      seed: 4,
    });
    const collected = tasks.collect?.output as {
      movies_version: string;
      watch_log_version: string;
      interactions: number;
    };
    expect(collected.interactions).toBe(9000);
    expect(tasks.validate?.output).toEqual({ movies: true, watch_log: true });
    expect(existsSync(path.join(test.config.home, 'data', 'processed', 'watch_log.csv'))).toBe(true);
    const versioned = tasks.version?.output as {
      watch_log_version: string;
      ancestors: { kind: string; id: string }[];
    };
    expect(versioned.watch_log_version).toBe(collected.watch_log_version);
    expect(versioned.ancestors.map((node) => node.id)).toContain(collected.movies_version);
  });

  it('movie_feature_pipeline builds, validates and materializes the features', async () => {
    const { tasks } = await runToEnd('movie_feature_pipeline');
    const built = tasks.build?.output as { feature_view: string; valid: boolean }[];
    expect(built.map((build) => build.feature_view).sort()).toEqual([
      'movie_activity',
      'movie_catalogue',
      'user_activity',
    ]);
    const materialized = tasks.materialize?.output as { feature_view: string; rows: number }[];
    expect(materialized.every((item) => item.rows > 0)).toBe(true);
  });

  it('movie_training_pipeline prepares a point-in-time training set, trains, evaluates and promotes the first model', async () => {
    const { tasks } = await runToEnd('movie_training_pipeline', {
      algorithm: 'als',
      hyperparameters: { factors: 16, iterations: 4 },
    });
    const prepared = tasks.prepare?.output as { training_set_version: string; rows: number };
    expect(prepared.rows).toBe(9000);
    const trained = tasks.train?.output as {
      model_version: string;
      dataset_version: string;
      ndcg_at_10: number;
    };
    expect(trained.model_version).toBe('1');
    expect(tasks.evaluate?.output).toMatchObject({
      model_version: '1',
      metrics: { ndcg: trained.ndcg_at_10 },
      // Trained on the same watch-log version a moment before: training's figures, not a second scoring.
      reused_training_evaluation: true,
    });
    expect(tasks.promote?.output).toMatchObject({ model_version: '1', promoted: true });
    const champion = await getVersionByAlias(test.platform.database.db, 'movie_predictor', 'champion');
    expect(champion.version).toBe('1');
  });

  it('movie_batch_prediction serves the champion’s top movies per active user from the online store', async () => {
    const { tasks } = await runToEnd('movie_batch_prediction', { k: 5 });
    const scored = tasks.score?.output as { users: number; model_version: string };
    expect(scored.users).toBeGreaterThan(50);
    const store = await FeatureStore.open({ ...contextOf(test.platform), config: test.config.features });
    try {
      const userIds = (
        await test.platform.database.db
          .selectFrom('online_features')
          .select('entity_key')
          .where('feature_view', '=', 'user_recommendations')
          .limit(3)
          .execute()
      ).map((row) => Number(row.entity_key));
      const response = await store.getOnlineFeatures({
        features: ['user_recommendations'],
        entities: { user_id: userIds },
      });
      const movieIds = response.results[1]?.values as number[][];
      expect(movieIds.every((list) => list.length === 5 && list.every(Number.isInteger))).toBe(true);
      expect(response.results[2]?.values[0]).toBe('movie_predictor/1');
    } finally {
      await store.close();
    }
  });

  it('movie_training_pipeline with algorithm auto tunes each candidate within the budget and trains the best', async () => {
    const { tasks } = await runToEnd('movie_training_pipeline', {
      algorithm: 'auto',
      candidates: ['popularity', 'ease'],
      tune_budget_seconds: 60,
      tune_trials: 2,
    });
    const trained = tasks.train?.output as { algorithm: string; candidates: Record<string, number> };
    expect(Object.keys(trained.candidates).sort()).toEqual(['ease', 'popularity']);
    expect(trained.algorithm).toBe(
      (trained.candidates.ease ?? 0) > (trained.candidates.popularity ?? 0) ? 'ease' : 'popularity',
    );
    expect(tasks.promote?.output).toMatchObject({ model_version: '2' });
  });
});

describe('movie_drift_check', () => {
  const end = new Date().toISOString().slice(0, 10);
  const base = { users: 800, movies: 300, interactions: 60_000, seed: 21, days: 60, endDate: end };

  it('finds no dataset drift in a stable watch log, and the drift injected into the last week', async () => {
    await publishSynthetic(test.platform, base);
    const stable = await runToEnd('movie_drift_check', { window_days: 7 });
    const computed = stable.tasks.compute?.output as {
      dataset_drift: boolean;
      drifted: string[];
      report_version: string;
    };
    expect(computed.dataset_drift).toBe(false);
    expect(stable.tasks.emit?.output).toEqual({ event: null });

    const driftDate = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
    await publishSynthetic(test.platform, {
      ...base,
      seed: 22,
      drift: { date: driftDate, tasteShift: 0.9, popularityShift: 0.9 },
    });
    // Taste drift moves the genre mix; with a long-tailed popularity the shift stays under the normed
    // Wasserstein threshold, so one feature of seven drifts: a 10 % share raises the dataset alarm.
    const drifted = await runToEnd('movie_drift_check', { window_days: 7, drift_share: 0.1 });
    const found = drifted.tasks.compute?.output as {
      dataset_drift: boolean;
      drifted: string[];
      report_version: string;
    };
    expect(found.drifted).toContain('primary_genre');
    expect(found.dataset_drift).toBe(true);
    expect(drifted.tasks.emit?.output).toMatchObject({
      event: { type: 'data_drift_detected', report_version: found.report_version },
    });

    const metrics = await test.platform.metrics.registry.metrics();
    expect(metrics).toMatch(/mlops_drift_detected_info\{feature="primary_genre"\} 1/);
    expect(metrics).toMatch(/mlops_drift_score\{feature="popularity",test="wasserstein"\} 0\.\d+/);
    expect(metrics).toMatch(/mlops_drift_dataset_share_ratio 0\.[1-9]/);
  });

  it('serves the latest report at GET /api/v1/monitoring/drift', async () => {
    const app = await buildApp(test.platform);
    try {
      const report = (await app.inject({ url: '/api/v1/monitoring/drift' })).json();
      expect(report.dataset_drift).toBe(true);
      expect(report.columns.map((column: { column: string }) => column.column)).toEqual([
        'watch_seconds',
        'rating',
        'popularity',
        'hour_of_day',
        'primary_genre',
        'interaction',
        'model_score',
      ]);
      expect(report.current.to > report.current.from).toBe(true);
      expect(report.reference.to).toBe(report.current.from);
      expect(report.columns[4].histogram.labels.length).toBeGreaterThan(3);
    } finally {
      await app.close();
    }
  });
});

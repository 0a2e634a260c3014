import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasAnyBuild } from '../../src/features/index.js';
import {
  BUILTIN_PIPELINES,
  definePipeline,
  InProcessExecutor,
  PipelineEngine,
  runFirstStart,
} from '../../src/pipelines/index.js';
import { getVersionByAlias } from '../../src/tracking/index.js';
import { openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';

const DATA = { users: 300, movies: 200, interactions: 20_000, seed: 9, endDate: '2026-11-01', days: 60 };

describe('a first start through the built-in pipelines', () => {
  let test: TestPlatform;
  let engine: PipelineEngine;

  beforeAll(async () => {
    test = await openTestPlatform({ MLOPS_FEATURES_BOOTSTRAP: 'true', MLOPS_BOOTSTRAP_MODEL: 'true' });
    await publishSynthetic(test.platform, DATA);
    engine = new PipelineEngine(test.platform, BUILTIN_PIPELINES, { logger: test.logger });
    engine.setExecutor(new InProcessExecutor(engine, 2));
    await engine.register();
  });
  afterAll(async () => {
    await engine?.stop();
    await test?.dispose();
  });

  it('trains the first champion from the watch log alone, then builds the features', async () => {
    const finished: string[] = [];
    const runs = await runFirstStart(engine, test.platform, {
      onRunFinished: (pipelineId) => {
        finished.push(pipelineId);
      },
    });
    expect(runs).toHaveLength(2);
    expect(finished).toEqual(['movie_training_pipeline', 'movie_feature_pipeline']);
    const records = await Promise.all(runs.map((runId) => engine.run(runId)));
    const features = records.find((run) => run.pipeline_id === 'movie_feature_pipeline');
    const training = records.find((run) => run.pipeline_id === 'movie_training_pipeline');
    if (features === undefined || training === undefined) throw new Error('a first-start run is missing');
    // The champion first: the feature run starts once the training run has ended, with both cores to itself.
    expect(new Date(features.start_date ?? 0).getTime()).toBeGreaterThanOrEqual(
      new Date(training.end_date ?? 0).getTime(),
    );
    expect(training.conf).toMatchObject({ join_features: false });

    const tasks = Object.fromEntries(
      (await engine.tasks(training.run_id)).map((task) => [task.task_id, task]),
    );
    expect(tasks.prepare?.output).toMatchObject({ training_set_version: null });
    expect(tasks.evaluate?.output).toMatchObject({ reused_training_evaluation: true });
    expect((await getVersionByAlias(test.platform.database.db, 'movie_predictor', 'champion')).version).toBe(
      '1',
    );
    expect(await hasAnyBuild({ db: test.platform.database.db })).toBe(true);

    // A second first start finds everything in place and runs nothing.
    expect(await runFirstStart(engine, test.platform)).toEqual([]);
  });
});

describe('a first start whose training fails', () => {
  it('still builds the features, then reports the failed task', async () => {
    const test = await openTestPlatform({ MLOPS_FEATURES_BOOTSTRAP: 'true', MLOPS_BOOTSTRAP_MODEL: 'true' });
    await publishSynthetic(test.platform, DATA);
    const failingTraining = definePipeline({
      id: 'movie_training_pipeline',
      description: 'a training that cannot succeed',
      tasks: [{ id: 'train', run: () => Promise.reject(new Error('no GPU today')) }],
    });
    const pipelines = BUILTIN_PIPELINES.map((pipeline) =>
      pipeline.id === 'movie_training_pipeline' ? failingTraining : pipeline,
    );
    const engine = new PipelineEngine(test.platform, pipelines, { logger: test.logger });
    engine.setExecutor(new InProcessExecutor(engine, 2));
    await engine.register();
    try {
      await expect(runFirstStart(engine, test.platform)).rejects.toThrow(
        /movie_training_pipeline failed at task train: no GPU today/,
      );
      expect(await hasAnyBuild({ db: test.platform.database.db })).toBe(true);
    } finally {
      await engine.stop();
      await test.dispose();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/server/index.js';
import { createModelVersion, createRegisteredModel, Tracker } from '../../src/tracking/index.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';

describe('registry convenience API (/mlflow/...)', () => {
  let test: TestPlatform;
  let app: App;

  beforeAll(async () => {
    test = await openTestPlatform();
    app = await buildApp(test.platform);
    const db = test.platform.database.db;
    const tracker = new Tracker({ db, artifacts: test.platform.artifacts });
    await createRegisteredModel(db, { name: 'recommender', description: 'ALS' });
    for (const ndcg of [0.2, 0.25]) {
      const run = await tracker.startRun({ experiment: 'api', runName: `als-${ndcg}` });
      await run.logParams({ factors: 64, eval_dataset_version: 'ds-1' });
      await run.logMetrics({ ndcg_at_10: ndcg });
      await run.end();
      await createModelVersion(db, {
        name: 'recommender',
        source: `${run.artifactUri}/model`,
        artifacts: test.platform.artifacts,
        runId: run.runId,
      });
    }
  });
  afterAll(async () => {
    await app?.close();
    await test?.dispose();
  });

  it('lists and creates experiments; creating one that exists answers it as it is, with a new description', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/mlflow/experiments',
      payload: { name: 'from-api', tags: { team: 'recsys' } },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().experiment).toMatchObject({
      name: 'from-api',
      tags: [{ key: 'team', value: 'recsys' }],
    });
    const duplicate = await app.inject({
      method: 'POST',
      url: '/mlflow/experiments',
      payload: { name: 'from-api', description: 'the same experiment' },
    });
    expect(duplicate.statusCode).toBe(200);
    expect(duplicate.json()).toMatchObject({
      status: 'already_exists',
      experiment: { experiment_id: created.json().experiment.experiment_id, name: 'from-api' },
    });
    expect(duplicate.json().experiment.tags).toContainEqual({
      key: 'mlflow.note.content',
      value: 'the same experiment',
    });
    const bad = await app.inject({ method: 'POST', url: '/mlflow/experiments', payload: { name: '' } });
    expect(bad.json().field).toBe('body.name');
    const list = (await app.inject({ method: 'GET', url: '/mlflow/experiments' })).json();
    expect(list.experiments.map((experiment: { name: string }) => experiment.name)).toEqual(
      expect.arrayContaining(['Default', 'api', 'from-api']),
    );
  });

  it('promotes through the policy, refuses with reasons, compares and rolls back', async () => {
    const refused = await app.inject({
      method: 'POST',
      url: '/mlflow/models/recommender/promote-to-production?version=1',
      payload: { thresholds: ['ndcg_at_10>=0.3'] },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toMatch(/fails ndcg_at_10 >= 0.3 \(is 0.2\)/);

    const first = await app.inject({
      method: 'POST',
      url: '/mlflow/models/recommender/promote-to-production?version=1',
    });
    expect(first.statusCode).toBe(200);
    expect(first.json().model_version).toMatchObject({
      version: '1',
      current_stage: 'Production',
      aliases: ['champion'],
    });
    const second = await app.inject({
      method: 'POST',
      url: '/mlflow/models/recommender/promote-to-production?version=2',
      payload: { min_improvement: 0.01 },
    });
    expect(second.statusCode).toBe(200);
    expect(second.json().decision.reasons.at(-1)).toMatch(/beats champion version 1/);

    const model = (await app.inject({ method: 'GET', url: '/mlflow/models/recommender' })).json();
    expect(
      model.versions.map((version: { version: string; current_stage: string }) => [
        version.version,
        version.current_stage,
      ]),
    ).toEqual([
      ['2', 'Production'],
      ['1', 'Archived'],
    ]);
    expect(model.history[0]).toMatchObject({ change: 'alias:champion', to_value: '2', actor: 'api' });

    const compare = (
      await app.inject({ method: 'GET', url: '/mlflow/models/recommender/compare?versions=1,2' })
    ).json();
    expect(
      compare.versions.map((version: { metrics: { ndcg_at_10: number } }) => version.metrics.ndcg_at_10),
    ).toEqual([0.2, 0.25]);

    const back = await app.inject({
      method: 'POST',
      url: '/mlflow/models/recommender/rollback',
      payload: { reason: 'online drop' },
    });
    expect(back.json()).toEqual({ from: '2', to: '1' });

    const staging = await app.inject({
      method: 'POST',
      url: '/mlflow/models/stage-transition',
      payload: { model_name: 'recommender', version: 2, stage: 'Staging' },
    });
    expect(staging.json().model_version.current_stage).toBe('Staging');
    const badStage = await app.inject({
      method: 'POST',
      url: '/mlflow/models/stage-transition',
      payload: { model_name: 'recommender', version: 2, stage: 'Live' },
    });
    expect(badStage.statusCode).toBe(400);
    expect(badStage.json().field).toBe('body.stage');
    const missing = await app.inject({ method: 'GET', url: '/mlflow/models/nothing' });
    expect(missing.statusCode).toBe(404);
    const again = await app.inject({ method: 'POST', url: '/mlflow/models/recommender/rollback' });
    expect(again.json()).toEqual({ from: '1', to: '2' });
    const listed = (await app.inject({ method: 'GET', url: '/mlflow/models' })).json();
    expect(listed.count).toBe(1);
  });
});

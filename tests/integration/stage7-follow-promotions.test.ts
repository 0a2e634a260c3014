import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { trainModel } from '../../src/models/index.js';
import { contextOf, openPlatform } from '../../src/platform/index.js';
import { type Runtime, startRuntime } from '../../src/runtime/index.js';
import { createRun, getRun, promote } from '../../src/tracking/index.js';
import { createCapturingLogger } from '../helpers/logs.js';
import { publishSynthetic } from '../helpers/platform.js';
import { createTestHome } from '../helpers/services.js';

const DATA = { users: 300, movies: 200, interactions: 15_000, seed: 5, endDate: '2026-11-01', days: 60 };

describe('the runtime: mlops up assembled in one place', () => {
  const { home, remove } = createTestHome();
  // The registry is polled once an hour here: only the model.promoted event can make serving swap in time.
  const config = loadConfig({
    env: {
      MLOPS_HOME: home,
      MLOPS_DEMO_DATA: 'false',
      MLOPS_SERVING_POLL_SECONDS: '3600',
      MLOPS_ALERTS: 'false',
    },
    cwd: home,
  });
  const { logger } = createCapturingLogger('warn');
  let runtime: Runtime;
  const runs = { ours: '', outside: '' };
  const version = async () => {
    const response = await runtime.app?.inject({ url: '/api/v1/recommendations?user_id=3&k=3' });
    return (response?.json() as { model?: { version: string } } | undefined)?.model?.version;
  };

  beforeAll(async () => {
    const platform = await openPlatform(config, logger);
    await publishSynthetic(platform, DATA);
    await trainModel(contextOf(platform), { algorithm: 'popularity' });
    await trainModel(contextOf(platform), {
      algorithm: 'als',
      hyperparameters: { factors: 8, iterations: 3 },
    });
    await promote(platform.database.db, 'movie_predictor', '1', { actor: 'test', reason: 'first' });
    // A training killed mid-run, and a run an outside client is still logging to.
    const db = platform.database.db;
    runs.ours = (
      await createRun(db, { runName: 'killed', tags: [{ key: 'mlops.algorithm', value: 'als' }] })
    ).info.run_id;
    runs.outside = (await createRun(db, { runName: 'notebook' })).info.run_id;
    await platform.close();
    runtime = await startRuntime(config, logger, { surface: 'all', isFirstStart: false });
  }, 120_000);
  afterAll(async () => {
    await runtime?.stop();
    remove();
  });

  it('starts every service of mlops up, each reachable from the runtime', async () => {
    expect(runtime.pipelines?.engine).toBeDefined();
    expect(runtime.automations?.info.map((automation) => automation.name)).toEqual([
      'retrain_on_drift',
      'overload_response',
      'personalize',
    ]);
    expect(runtime.features).toBeDefined();
    await expect.poll(version).toBe('1');
  });

  it("marks the platform's own training runs left RUNNING by a kill FAILED at start, and leaves outside runs", async () => {
    const db = runtime.platform.database.db;
    const ours = await getRun(db, runs.ours);
    expect(ours.info.status).toBe('FAILED');
    expect(ours.info.end_time).toBeGreaterThan(0);
    expect(ours.data.tags).toContainEqual(expect.objectContaining({ key: 'mlops.failure' }));
    expect((await getRun(db, runs.outside)).info.status).toBe('RUNNING');
  });

  it('serves a version promoted through the API at once, from the model.promoted event, without polling', async () => {
    const promoted = await runtime.app?.inject({
      method: 'POST',
      url: '/mlflow/models/movie_predictor/promote-to-production',
      payload: { version: '2', force: true, description: 'swap' },
    });
    expect(promoted?.statusCode).toBe(200);
    const events = await runtime.bus.recent({ topic: 'registry-events', limit: 5 });
    expect(events[0]).toMatchObject({
      type: 'model.promoted',
      source: 'api',
      data: { model_name: 'movie_predictor', version: '2', previous_version: '1' },
    });
    await expect.poll(version, { timeout: 10_000 }).toBe('2');
  });

  it('stops everything with one call, and a second call is harmless', async () => {
    const stopping = runtime.stop();
    await runtime.stop();
    await stopping;
    await expect(runtime.platform.database.ping()).rejects.toThrow();
  });
});

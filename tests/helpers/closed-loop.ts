import { expect } from 'vitest';
import { listActions } from '../../src/automations/index.js';
import { loadConfig } from '../../src/config/index.js';
import type { EventBus, PublishedEvent, Topic } from '../../src/events/index.js';
import type { RunRecord } from '../../src/pipelines/index.js';
import { type Runtime, startRuntime } from '../../src/runtime/index.js';
import { getVersionByAlias } from '../../src/tracking/index.js';
import { createCapturingLogger } from './logs.js';
import { publishSynthetic } from './platform.js';
import { createTestHome } from './services.js';

const MODEL = 'movie_predictor';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function topicEvents(bus: EventBus, topic: Topic): Promise<PublishedEvent[]> {
  return bus.recent({ topic, limit: 100 });
}

/**
 * Stage 9's closed loop, on whichever bus `env` configures: data → v1 trained and served; drift injected
 * into new interactions → the drift check publishes the alert → the automation retrains → v2 beats v1 and
 * is promoted → serving answers from v2, while a steady stream of recommendation requests never fails.
 */
export async function runClosedLoop(env: Record<string, string>): Promise<void> {
  const home = createTestHome();
  let runtime: Runtime | undefined;
  let stopLoad: (() => Promise<void>) | undefined;
  try {
    // The system as `mlops up` assembles it, on this home: no demo data (the test publishes its own),
    // uncached answers, a quick pipeline tick and lag probe.
    const config = loadConfig({
      env: {
        MLOPS_HOME: home.home,
        MLOPS_DEMO_DATA: 'false',
        MLOPS_ALERTS: 'false',
        MLOPS_SERVING_CACHE_SIZE: '0',
        MLOPS_SERVING_POLL_SECONDS: '1',
        MLOPS_PIPELINES_TICK_MS: '200',
        MLOPS_PIPELINES_CONCURRENCY: '2',
        MLOPS_RETRAIN_COOLDOWN_SECONDS: '600',
        ...env,
      },
      cwd: home.home,
    });
    runtime = await startRuntime(config, createCapturingLogger('info').logger, {
      surface: 'all',
      isFirstStart: false,
      automations: { lagIntervalMs: 1000 },
    });
    const { platform, bus } = runtime;
    const ticking = runtime.pipelines?.engine;
    if (ticking === undefined || runtime.app === undefined)
      throw new Error('the runtime started no pipelines');
    const engine = ticking;

    const runToEnd = async (run: RunRecord): Promise<RunRecord> => {
      const finished = await until(`${run.pipeline_id} ${run.run_id}`, async () => {
        const current = await ticking.run(run.run_id);
        return current.state === 'success' || current.state === 'failed' ? current : undefined;
      });
      if (finished.state === 'failed') {
        const failed = (await ticking.tasks(run.run_id)).find((task) => task.state === 'failed');
        throw new Error(`${run.pipeline_id} failed at ${failed?.task_id}: ${failed?.error}`);
      }
      return finished;
    };

    // v1 on a stable watch log.
    const end = new Date().toISOString().slice(0, 10);
    const base = { users: 800, movies: 300, interactions: 60_000, seed: 21, days: 60, endDate: end };
    await publishSynthetic(platform, base);
    await runToEnd(await engine.trigger('movie_training_pipeline'));
    expect((await getVersionByAlias(platform.database.db, MODEL, 'champion')).version).toBe('1');

    await runtime.serving?.refresh();
    const base_url = await runtime.app.listen({ host: '127.0.0.1', port: 0 });

    // Requests keep coming through the whole loop: none may fail during the swap.
    const answers: { status: number; version: string }[] = [];
    let loading = true;
    stopLoad = async () => {
      loading = false;
      await load;
    };
    const load = (async () => {
      let user = 1;
      while (loading) {
        const response = await fetch(`${base_url}/api/v1/recommendations?user_id=${user}&k=5`);
        const body = (await response.json()) as { model?: { version: string } };
        answers.push({ status: response.status, version: body.model?.version ?? '' });
        user = (user % 800) + 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    // The audience's tastes change in the new interactions; the drift check raises the alert event.
    const driftDate = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
    await publishSynthetic(platform, {
      ...base,
      seed: 22,
      drift: { date: driftDate, tasteShift: 0.9, popularityShift: 0.9 },
    });
    await runToEnd(await engine.trigger('movie_drift_check', { conf: { window_days: 7, drift_share: 0.1 } }));
    const [alert] = await topicEvents(bus, 'model-drift-alerts');
    expect(alert).toMatchObject({
      type: 'model.drift_detected',
      source: 'pipeline:movie_drift_check',
      data: { model_name: MODEL, model_version: '1', drift_type: 'data' },
    });

    // The automation retrains; v2 is evaluated against v1 on the same new data, wins and is promoted.
    const retrain = await until('the event-triggered retrain', async () => {
      const { runs } = await ticking.runs('movie_training_pipeline', { limit: 10 });
      return runs.find((run) => run.run_type === 'event');
    });
    expect(retrain.note).toContain(alert?.id);
    const finished = await runToEnd(retrain);
    const promote = (await ticking.tasks(finished.run_id)).find((task) => task.task_id === 'promote');
    expect(promote?.output).toMatchObject({ model_version: '2', promoted: true, previous_champion: '1' });
    expect((await getVersionByAlias(platform.database.db, MODEL, 'champion')).version).toBe('2');

    // Serving follows the registry and answers from v2.
    await until('serving v2', async () => (answers.at(-1)?.version === '2' ? true : undefined), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await stopLoad();
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    const versions = answers.map((answer) => answer.version);
    expect(versions[0]).toBe('1');
    expect(versions.at(-1)).toBe('2');
    expect(versions.lastIndexOf('1')).toBeLessThan(versions.indexOf('2') + 1);

    // All of it is visible: the automation's record, the registry event, the run events.
    const actions = await listActions(platform.database.db, { automation: 'retrain_on_drift' });
    expect(actions.map((action) => [action.outcome, action.run_id])).toContainEqual([
      'triggered',
      retrain.run_id,
    ]);
    const promoted = await until('the model.promoted event', async () =>
      (await topicEvents(bus, 'registry-events')).find((event) => event.data.version === '2'),
    );
    expect(promoted.data).toMatchObject({ model_name: MODEL, previous_version: '1', run_id: retrain.run_id });
    const runEvents = await until('the run_finished event', async () =>
      (await topicEvents(bus, 'pipeline-events')).find((event) => event.data.run_id === retrain.run_id),
    );
    expect(runEvents.data).toMatchObject({ state: 'success', run_type: 'event' });

    // A burst of further alerts starts no second retrain: the cool-down holds them back.
    for (let index = 0; index < 3; index += 1) {
      const response = await fetch(`${base_url}/api/v1/trigger/model-drift`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model_name: MODEL,
          model_version: '2',
          drift_score: 0.9,
          threshold: 0.5,
          drift_type: 'data',
        }),
      });
      expect(response.status).toBe(202);
    }
    await until('three suppressed alerts', async () => {
      const suppressed = (await listActions(platform.database.db, { automation: 'retrain_on_drift' })).filter(
        (action) => action.outcome === 'suppressed',
      );
      return suppressed.length >= 3 ? suppressed : undefined;
    });
    const retrains = (await ticking.runs('movie_training_pipeline', { limit: 10 })).runs.filter(
      (run) => run.run_type === 'event',
    );
    expect(retrains).toHaveLength(1);
  } finally {
    await stopLoad?.();
    await runtime?.stop();
    home.remove();
  }
}

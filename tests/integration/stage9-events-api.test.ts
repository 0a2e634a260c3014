import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Automations,
  alertPublisher,
  listActions,
  SystemHealthWatcher,
} from '../../src/automations/index.js';
import { retrainOnDrift } from '../../src/automations/retrain-on-drift.js';
import type { EventBus, PublishedEvent } from '../../src/events/index.js';
import { bootstrapFeatures, FeatureStore } from '../../src/features/index.js';
import { AlertManager } from '../../src/monitoring/index.js';
import { BUILTIN_PIPELINES, InProcessExecutor, PipelineEngine } from '../../src/pipelines/index.js';
import { type App, buildApp } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { runCli } from '../helpers/cli.js';
import { contextOf, openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';

let test: TestPlatform;
let bus: EventBus;
let engine: PipelineEngine;
let store: FeatureStore;
let serving: ServingService;
let automations: Automations;
let app: App;
let baseUrl: string;
let receiver: Server;
const webhooks: { alert: { name: string; status: string } }[] = [];

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const post = (url: string, payload: unknown) =>
  app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });

beforeAll(async () => {
  test = await openTestPlatform();
  const { platform } = test;
  bus = await platform.events();
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      webhooks.push(JSON.parse(body));
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));

  const end = new Date().toISOString().slice(0, 10);
  await publishSynthetic(platform, {
    users: 200,
    movies: 120,
    interactions: 8000,
    days: 30,
    seed: 5,
    endDate: end,
  });
  store = await FeatureStore.open({ ...contextOf(platform), config: test.config.features });
  await bootstrapFeatures(store, { ...contextOf(platform), config: test.config.features });
  engine = new PipelineEngine(platform, BUILTIN_PIPELINES, { logger: test.logger });
  engine.setExecutor(new InProcessExecutor(engine, 2));
  await engine.register();
  const run = await engine.trigger('movie_training_pipeline');
  await until(
    'the first model',
    async () => {
      await engine.tick();
      const current = await engine.run(run.run_id);
      return current.state === 'success' ? current : undefined;
    },
    120_000,
  );
  serving = new ServingService(
    contextOf(platform),
    { ...test.config.serving, cacheSize: 0 },
    platform.metrics,
  );
  await serving.refresh();
  const alerts = new AlertManager({
    db: platform.database.db,
    metrics: platform.metrics,
    logger: test.logger,
    isServing: true,
    webhookUrl: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`,
    loadShedder: platform.loadShedder,
    publish: alertPublisher(bus),
  });
  automations = await Automations.start({ platform, bus, engine, serving, features: store, alerts });
  app = await buildApp(platform, {
    serving,
    features: store,
    pipelines: { engine, executor: 'in_process' },
    automations,
  });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
}, 240_000);

afterAll(async () => {
  await app?.close();
  await automations?.stop();
  await engine?.stop();
  await store?.close();
  await new Promise((resolve) => receiver?.close(resolve));
  await test?.dispose();
});

describe('POST /api/v1/events/user-interaction', () => {
  it("publishes the interaction, and the user's recommendations and online features follow it", async () => {
    const before = await app.inject({ url: '/api/v1/recommendations?user_id=7&k=5' });
    const movie = (before.json() as { recommendations: { movie_id: number }[] }).recommendations[0]?.movie_id;
    const features = async () =>
      (await app.inject({ url: '/api/v1/features/user/7' })).json() as {
        features: { watch_count_total: number; last_watched_at: string };
      };
    const countBefore = (await features()).features.watch_count_total;

    const response = await post('/api/v1/events/user-interaction', {
      user_id: '7',
      movie_id: movie,
      interaction_type: 'view',
      session_id: 's-1',
      device_type: 'tv',
    });
    expect(response.statusCode).toBe(202);
    const accepted = response.json() as { event_id: string; topic: string; status: string };
    expect(accepted).toMatchObject({ topic: 'user-events', status: 'accepted' });

    const after = await until('the personalised answer', async () => {
      const answer = (await app.inject({ url: '/api/v1/recommendations?user_id=7&k=5' })).json() as {
        recommendations: { movie_id: number }[];
      };
      return answer.recommendations.some((item) => item.movie_id === movie) ? undefined : answer;
    });
    expect(after.recommendations).toHaveLength(5);
    const updated = (await features()).features;
    expect(updated.watch_count_total).toBe(countBefore + 1);
    expect(Date.parse(updated.last_watched_at)).toBeGreaterThan(Date.now() - 60_000);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(
      /mlops_events_published_total\{topic="user-events",type="user\.interaction"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /mlops_events_consumed_total\{topic="user-events",group="mlops-personalize",outcome="handled"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /mlops_automation_actions_total\{automation="personalize",outcome="applied"\} [1-9]/,
    );
    expect(metrics).toMatch(/mlops_events_delivery_duration_seconds_count\{topic="user-events"\} [1-9]/);
    const listed = (await app.inject({ url: '/api/v1/events?topic=user-events&limit=5' })).json() as {
      events: PublishedEvent[];
    };
    expect(listed.events[0]).toMatchObject({
      id: accepted.event_id,
      key: 'user_7',
      data: { user_id: 7, movie_id: movie, interaction_type: 'view', device_type: 'tv' },
    });
  });

  it("takes the guide's string ids, and keeps an unknown movie's event without applying it", async () => {
    const named = await post('/api/v1/events/user-interaction', {
      user_id: 'user_3',
      movie_id: 'movie_5',
      interaction_type: 'view',
      rating: 4,
    });
    expect(named.statusCode).toBe(202);
    expect(named.json()).toMatchObject({ status: 'accepted', applied: true });
    await until('user_3 personalised', async () =>
      (await test.platform.users.find('user_3')) === undefined ? undefined : true,
    );
    const history = (await app.inject({ url: '/api/v1/feedback/user_3' })).json();
    expect(history).toMatchObject({ user_id: 'user_3', feedback_count: 1 });
    expect(history.feedback_history[0]).toMatchObject({ movie_id: 5, interaction_type: 'watch' });

    const unknown = await post('/api/v1/events/user-interaction', {
      user_id: 'user_4',
      movie_id: 'movie_99999999',
      interaction_type: 'view',
    });
    expect(unknown.statusCode).toBe(202);
    const accepted = unknown.json() as { event_id: string; applied: boolean; warning: string };
    expect(accepted.applied).toBe(false);
    expect(accepted.warning).toMatch(
      /movie 99999999 is not in the catalogue: the event is stored but not applied/,
    );
    await until('the unknown movie counted', async () =>
      /mlops_events_unknown_movie_total\{topic="user-events"\} [1-9]/.test(
        (await app.inject({ url: '/metrics' })).body,
      )
        ? true
        : undefined,
    );
    const listed = (await app.inject({ url: '/api/v1/events?topic=user-events&limit=20' })).json() as {
      events: (PublishedEvent & { applied?: boolean; warning?: string })[];
    };
    const stored = listed.events.find((event) => event.id === accepted.event_id);
    expect(stored).toMatchObject({ data: { user_id: 'user_4', movie_id: 99_999_999 }, applied: false });
    expect((await app.inject({ url: '/api/v1/feedback/user_4' })).json()).toMatchObject({
      feedback_count: 0,
    });
    expect((await app.inject({ url: '/metrics' })).body).toMatch(
      /mlops_automation_actions_total\{automation="personalize",outcome="unknown_movie"\} [1-9]/,
    );
  });

  it('refuses bad bodies with a 4xx naming the field, and publishes nothing', async () => {
    const count = async () => (await bus.recent({ topic: 'user-events', limit: 1000 })).length;
    const before = await count();
    const cases: [Record<string, unknown>, string][] = [
      [{ user_id: 'se ven', movie_id: 1, interaction_type: 'watch' }, 'body.user_id'],
      [{ user_id: 'u'.repeat(129), movie_id: 1, interaction_type: 'watch' }, 'body.user_id'],
      [{ user_id: 1, movie_id: 'film_7', interaction_type: 'watch' }, 'body.movie_id'],
      [{ user_id: 1, movie_id: 1, interaction_type: 'poke' }, 'body.interaction_type'],
      [{ user_id: 1, movie_id: 1, interaction_type: 'rating' }, 'body.rating'],
      [{ user_id: 1, movie_id: 1, interaction_type: 'watch', admin: true }, 'body'],
      [{ user_id: -1, movie_id: 1, interaction_type: 'watch' }, 'body.user_id'],
    ];
    for (const [payload, field] of cases) {
      const response = await post('/api/v1/events/user-interaction', payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect((response.json() as { field?: string }).field ?? 'body', JSON.stringify(payload)).toBe(field);
    }
    const malformed = await app.inject({
      method: 'POST',
      url: '/api/v1/events/user-interaction',
      headers: { 'content-type': 'application/json' },
      payload: '{"user_id": 1,',
    });
    expect(malformed.statusCode).toBe(400);
    const huge = await post('/api/v1/events/user-interaction', {
      user_id: 1,
      movie_id: 1,
      interaction_type: 'watch',
      page_url: 'x'.repeat(100_000),
    });
    expect(huge.statusCode).toBe(413);
    expect(await count()).toBe(before);
  });
});

describe('triggers and automations', () => {
  it('a drift report under its threshold is published and recorded, but retrains nothing', async () => {
    const response = await post('/api/v1/trigger/model-drift', {
      model_name: 'movie_predictor',
      model_version: 1,
      drift_score: 0.2,
      threshold: 0.5,
    });
    expect(response.statusCode).toBe(202);
    const answer = response.json() as { event_id: string; alert_triggered: boolean };
    expect(answer.alert_triggered).toBe(false);
    const action = await until('the suppressed action', async () =>
      (await listActions(test.platform.database.db, { automation: 'retrain_on_drift' })).find(
        (item) => item.event_id === answer.event_id,
      ),
    );
    expect(action).toMatchObject({ outcome: 'suppressed', run_id: null });
    expect(action.detail).toMatch(/not above its threshold/);
    const bad = await post('/api/v1/trigger/model-drift', { model_name: 'm', drift_score: 'high' });
    expect(bad.statusCode).toBe(400);
  });

  it('an overload raises the scaling alert (history, webhook, event) and sheds batch work', async () => {
    const response = await post('/api/v1/trigger/system-overload', {
      service_name: 'api',
      metric: 'latency',
      value: 900,
      threshold: 500,
      severity: 'critical',
    });
    expect(response.statusCode).toBe(202);
    await until('load shedding', async () => (test.platform.loadShedder.isActive() ? true : undefined));
    const automationsView = (await app.inject({ url: '/api/v1/automations' })).json() as {
      load_shedding: { active: boolean; reason: string };
      actions: { automation: string; outcome: string }[];
    };
    expect(automationsView.load_shedding).toMatchObject({ active: true });
    expect(automationsView.load_shedding.reason).toContain('api latency 900 over 500');
    expect(automationsView.actions).toContainEqual(
      expect.objectContaining({ automation: 'overload_response', outcome: 'applied' }),
    );
    await until('the webhook', async () =>
      webhooks.find((hook) => hook.alert.name === 'MlopsSystemOverload' && hook.alert.status === 'firing'),
    );
    const alerts = (await app.inject({ url: '/api/v1/monitoring/alerts' })).json() as {
      firing: { name: string }[];
    };
    expect(alerts.firing.map((alert) => alert.name)).toContain('MlopsSystemOverload');
    const events = await bus.recent({ topic: 'system-health', limit: 20 });
    expect(events.map((event) => `${event.type} ${event.data.name ?? event.data.metric}`)).toEqual(
      expect.arrayContaining(['system.overload latency', 'alert.firing MlopsSystemOverload']),
    );
    // Shedding holds back the platform's own scheduled work, never a run someone asks for; an unknown
    // DAG is still a 404, not a 503.
    const asked = await post('/api/v1/dags/movie_drift_check/dagRuns', {});
    expect(asked.statusCode).toBe(200);
    expect(asked.json()).toMatchObject({ dag_id: 'movie_drift_check' });
    const unknown = await post('/api/v1/dags/no_such_dag/dagRuns', {});
    expect(unknown.statusCode).toBe(404);
    // A second overload while shedding only extends it.
    await post('/api/v1/trigger/system-overload', {
      service_name: 'api',
      metric: 'cpu',
      value: 99,
      threshold: 90,
    });
    await until('the extension', async () =>
      (await listActions(test.platform.database.db, { automation: 'overload_response' })).find(
        (item) => item.outcome === 'suppressed',
      ),
    );
  });

  it('the generic publish checks the schema of the topic', async () => {
    const wrongType = await post('/api/v1/events/user-events', { type: 'model.promoted', data: {} });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json()).toMatchObject({ error_code: 'MLOPS_ERR_EVENT_INVALID', field: 'type' });
    const wrongData = await post('/api/v1/events/registry-events', {
      type: 'model.promoted',
      data: { model_name: 'm', version: 2 },
    });
    expect(wrongData.json()).toMatchObject({ error_code: 'MLOPS_ERR_EVENT_INVALID', field: 'data.version' });
    const injected = await post('/api/v1/events/system-health', {
      type: 'system.overload',
      id: 'x\nevent: mlops\ndata: {}',
      data: { service_name: 'api', metric: 'cpu', value: 1, threshold: 2 },
    });
    expect(injected.json()).toMatchObject({ error_code: 'MLOPS_ERR_EVENT_INVALID', field: 'id' });
    const unknownTopic = await post('/api/v1/events/nope', { type: 'x', data: {} });
    expect(unknownTopic.statusCode).toBe(400);
    const consumers = (await app.inject({ url: '/api/v1/events/consumers' })).json() as {
      consumers: { group: string; topic: string; lag: number }[];
    };
    expect(consumers.consumers.map((consumer) => consumer.group)).toEqual([
      'mlops-retrain-on-drift',
      'mlops-overload-response',
      'mlops-personalize',
    ]);
  });

  it('streams new events live over server-sent events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${baseUrl}/api/v1/events/stream?topic=user-events&replay=1`, {
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const read = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        text += new TextDecoder().decode(value);
      }
    };
    await read(/event: mlops\ndata: .*"topic":"user-events"/);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const published = await post('/api/v1/events/user-interaction', {
      user_id: 9,
      movie_id: (await bus.recent({ topic: 'user-events', limit: 1 }))[0]?.data.movie_id,
      interaction_type: 'click',
    });
    const id = (published.json() as { event_id: string }).event_id;
    await read(new RegExp(`id: ${id}`));
    controller.abort();
  });

  it('two drift alerts handled at the same moment start one retrain', async () => {
    const db = test.platform.database.db;
    await db.deleteFrom('automation_actions').where('automation', '=', 'retrain_on_drift').execute();
    const handle = retrainOnDrift({ db, engine, logger: test.logger, cooldownMs: 3_600_000 });
    const alert = (id: string) =>
      ({
        id,
        topic: 'model-drift-alerts',
        type: 'model.drift_detected',
        version: 1,
        source: 'test',
        time: new Date().toISOString(),
        key: 'model_movie_predictor',
        partition: 0,
        offset: '0',
        data: {
          model_name: 'movie_predictor',
          model_version: '1',
          drift_score: 0.9,
          threshold: 0.5,
          drift_type: 'data',
        },
      }) satisfies PublishedEvent;
    await Promise.all([handle(alert('race-1')), handle(alert('race-2')), handle(alert('race-3'))]);
    const actions = await listActions(db, { automation: 'retrain_on_drift' });
    expect(actions.map((action) => action.outcome).sort()).toEqual(['suppressed', 'suppressed', 'triggered']);
    const triggered = actions.find((action) => action.outcome === 'triggered');
    expect(triggered?.run_id).toMatch(/^event__/);
    // Let the retrain finish, so the next test sees a quiet queue.
    await until(
      'the retrain to finish',
      async () => {
        await engine.tick();
        const run = await engine.run(String(triggered?.run_id));
        return run.state === 'success' || run.state === 'failed' ? run : undefined;
      },
      120_000,
    );
  });

  it('the system-health watcher publishes one overload per metric per cool-down', async () => {
    const watcher = new SystemHealthWatcher({
      bus,
      db: test.platform.database.db,
      metrics: test.platform.metrics,
      logger: test.logger,
      // CPU over any threshold (0 %) is not an overload: the platform doing its work is not suffering.
      thresholds: { cpuPercent: 0, p95LatencyMs: 100_000, queueDepth: 0, sheddingMs: 1000 },
    });
    await test.platform.database.db
      .insertInto('task_instances')
      .values({
        run_id: 'fake-run',
        task_id: 'queued-task',
        state: 'queued',
        max_tries: 0,
        pending_upstream: 0,
      })
      .execute();
    const first = await watcher.check();
    expect(first.map((event) => [event.type, event.data.metric, event.data.value])).toEqual([
      ['system.overload', 'queue_depth', 1],
    ]);
    expect(await watcher.check()).toEqual([]);
    await test.platform.database.db.deleteFrom('task_instances').where('run_id', '=', 'fake-run').execute();
  });
});

describe('mlops events', () => {
  const env = () => ({ MLOPS_PORT: new URL(baseUrl).port, MLOPS_HOST: '127.0.0.1' });

  it('publishes a valid event, and names the field of an invalid one', async () => {
    const ok = await runCli(
      [
        'events',
        'publish',
        'model-drift-alerts',
        '{"type":"model.drift_detected","data":{"model_name":"movie_predictor","model_version":"1","drift_score":0.1,"threshold":0.5,"drift_type":"data"}}',
      ],
      env(),
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^published \S+ on model-drift-alerts at offset \d+/);
    const bad = await runCli(
      ['events', 'publish', 'user-events', '{"type":"user.interaction","data":{"user_id":1}}'],
      env(),
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/data\.movie_id/);
    const notJson = await runCli(['events', 'publish', 'user-events', '{oops'], env());
    expect(notJson.stderr).toMatch(/<json> is not JSON/);
    const unknown = await runCli(['events', 'tail', 'no-such-topic'], env());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown topic no-such-topic/);
  });

  it('tails a topic from its newest events, and says when no server answers', async () => {
    const tail = await runCli(
      ['events', 'tail', 'model-drift-alerts', '--from-beginning', '--limit', '2', '--json'],
      env(),
    );
    expect(tail.code, tail.stderr).toBe(0);
    const lines = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as PublishedEvent);
    expect(lines).toHaveLength(2);
    expect(lines.every((event) => event.topic === 'model-drift-alerts')).toBe(true);
    const down = await runCli(['events', 'tail', 'all', '--url', 'http://127.0.0.1:9'], {});
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/no mlops server answers at http:\/\/127\.0\.0\.1:9/);
  });
});

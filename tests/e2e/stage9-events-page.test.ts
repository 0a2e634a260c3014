import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Automations, alertPublisher } from '../../src/automations/index.js';
import { trainModel } from '../../src/models/index.js';
import { AlertManager, BUILTIN_ALERT_RULES } from '../../src/monitoring/index.js';
import { BUILTIN_PIPELINES, InProcessExecutor, PipelineEngine } from '../../src/pipelines/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { promote } from '../../src/tracking/index.js';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { contextOf, openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';

describe('the Events page in a real browser', () => {
  let test: TestPlatform;
  let engine: PipelineEngine;
  let automations: Automations;
  let alerts: AlertManager;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let movieId: number;
  const pageErrors: string[] = [];

  /** POSTs JSON to the running server; resolves with the status and the answer. */
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const row = (eventId: string) => page.locator(`[data-testid=event-row][data-id="${eventId}"]`);
  const shownTopics = () =>
    page.getByTestId('event-row').evaluateAll((rows) => rows.map((item) => item.getAttribute('data-topic')));

  beforeAll(async () => {
    test = await openTestPlatform();
    const context = contextOf(test.platform);
    await publishSynthetic(test.platform, {
      users: 200,
      movies: 120,
      interactions: 8000,
      seed: 9,
      endDate: new Date().toISOString().slice(0, 10),
      days: 30,
    });
    await trainModel(context, { algorithm: 'als', hyperparameters: { factors: 8, iterations: 3 } });
    await promote(context.db, 'movie_predictor', '1', { actor: 'test', reason: 'test' });
    const serving = new ServingService(context, { ...test.config.serving, isBootstrapModel: false });
    test.platform.addHealthCheck(serving.healthCheck());
    await serving.refresh();
    engine = new PipelineEngine(test.platform, BUILTIN_PIPELINES, { logger: test.logger });
    engine.setExecutor(new InProcessExecutor(engine, 2));
    await engine.register();
    const bus = await test.platform.events();
    // The overload rule only, carried onto system-health the way `mlops up` does.
    alerts = new AlertManager({
      db: test.platform.database.db,
      metrics: test.platform.metrics,
      logger: test.logger,
      isServing: true,
      loadShedder: test.platform.loadShedder,
      rules: BUILTIN_ALERT_RULES.filter((rule) => rule.name === 'MlopsSystemOverload'),
      publish: alertPublisher(bus),
    });
    // The watcher and the lag probe stay out of the way: only this test's events happen.
    automations = await Automations.start({
      platform: test.platform,
      bus,
      engine,
      serving,
      alerts,
      watchIntervalMs: 3_600_000,
      lagIntervalMs: 3_600_000,
    });
    server = await startServer(
      await buildApp(test.platform, {
        serving,
        automations,
        pipelines: { engine, executor: 'in_process' },
      }),
      test.platform,
    );
    const movies = (await (await fetch(`${server.url}/api/v1/movies?limit=1`)).json()) as {
      movies: { movie_id: number }[];
    };
    movieId = movies.movies[0]?.movie_id ?? 0;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await automations?.stop();
    await alerts?.stop();
    await engine?.stop();
    await server?.shutdown('test over');
    await test?.dispose();
  });

  it('shows events as they are published, and the overload automation shedding load', async () => {
    await page.goto(`${server.url}/events`);
    await expect.poll(() => page.getByTestId('connection-state').textContent()).toBe('connected');
    await expect.poll(() => page.getByTestId('automation-card').count()).toBe(3);
    const retrain = page.getByTestId('automation-card').filter({ hasText: 'retrain_on_drift' });
    expect(await retrain.locator('.badge').textContent()).toBe('running');
    expect(await retrain.textContent()).toContain('movie_training_pipeline');
    await expect.poll(() => page.getByTestId('consumer-row').count()).toBeGreaterThanOrEqual(3);
    // Everything below arrives without a reload: this mark would be gone after one.
    await page.evaluate('window.sameDocument = true');

    const interaction = await post('/api/v1/events/user-interaction', {
      user_id: 7,
      movie_id: movieId,
      interaction_type: 'like',
    });
    expect(interaction.status).toBe(202);
    const interactionId = String(interaction.body.event_id);
    await expect.poll(() => row(interactionId).count()).toBe(1);
    expect(await row(interactionId).textContent()).toContain('user.interaction');
    expect(await row(interactionId).textContent()).toContain('user_7');
    expect(await row(interactionId).locator('summary').textContent()).toContain(`"movie_id":${movieId}`);

    const overload = await post('/api/v1/trigger/system-overload', {
      service_name: 'api',
      metric: 'cpu',
      value: 97,
      threshold: 80,
    });
    expect(overload.status).toBe(202);
    const overloadId = String(overload.body.event_id);
    await expect.poll(() => row(overloadId).count()).toBe(1);
    expect(await row(overloadId).getAttribute('class')).toBe('event-alert');
    // The newest event is on top.
    expect(await page.getByTestId('event-row').first().getAttribute('data-id')).not.toBe(interactionId);

    const overloadAction = page.getByTestId('action-row').filter({ hasText: 'overload_response' });
    await expect.poll(() => overloadAction.count()).toBe(1);
    expect(await overloadAction.locator('.badge').textContent()).toBe('applied');
    expect(await overloadAction.textContent()).toContain('scaling alert raised (api cpu 97 over 80');
    await expect
      .poll(() => page.getByTestId('load-shedding').textContent())
      .toMatch(
        /^Shedding load until .+: new pipeline runs are held back \(api cpu 97 over 80 \(warning\)\)\.$/,
      );
    // The scaling alert the automation raised comes back on system-health.
    await expect
      .poll(() => page.getByTestId('event-row').filter({ hasText: 'alert.firing' }).count())
      .toBe(1);

    const dead = await post('/api/v1/events/dead-letter', {
      type: 'event.dead_lettered',
      data: {
        topic: 'user-events',
        group: 'mlops-personalize',
        reason: 'undecodable',
        error: 'not JSON: Unexpected token',
        payload: '{"user_id": 7, "movie_id":',
        offset: '42',
      },
    });
    expect(dead.status).toBe(202);
    await expect.poll(() => row(String(dead.body.event_id)).getAttribute('class')).toBe('event-dead');

    // The data opens in full.
    await row(overloadId).locator('summary').click();
    expect(await row(overloadId).locator('pre').textContent()).toContain('"service_name": "api"');
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('filters the stream by topic, and pauses it', async () => {
    const topic = page.getByLabel('Topic');
    await topic.selectOption('system-health');
    await expect.poll(() => page.getByTestId('connection-state').textContent()).toBe('connected');
    await expect.poll(shownTopics).toContain('system-health');
    expect(new Set(await shownTopics())).toEqual(new Set(['system-health']));

    const interaction = await post('/api/v1/events/user-interaction', {
      user_id: 8,
      movie_id: movieId,
      interaction_type: 'watch',
    });
    const overload = await post('/api/v1/trigger/system-overload', {
      service_name: 'api',
      metric: 'latency',
      value: 900,
      threshold: 500,
    });
    await expect.poll(() => row(String(overload.body.event_id)).count()).toBe(1);
    expect(await row(String(interaction.body.event_id)).count()).toBe(0);
    expect(new Set(await shownTopics())).toEqual(new Set(['system-health']));
    // Already shedding: this overload only extends it.
    await expect
      .poll(() =>
        page
          .getByTestId('action-row')
          .filter({ hasText: 'latency 900 over 500' })
          .locator('.badge')
          .textContent(),
      )
      .toBe('suppressed');

    const pause = page.getByRole('button', { name: 'Pause' });
    await pause.click();
    const later = await post('/api/v1/trigger/system-overload', {
      service_name: 'api',
      metric: 'memory',
      value: 99,
      threshold: 90,
    });
    await expect
      .poll(() => page.getByRole('button', { name: /^Resume/ }).textContent())
      .toBe('Resume (1 new)');
    expect(await row(String(later.body.event_id)).count()).toBe(0);
    await page.getByRole('button', { name: /^Resume/ }).click();
    await expect.poll(() => row(String(later.body.event_id)).count()).toBe(1);

    await topic.selectOption('all');
    await expect.poll(() => row(String(interaction.body.event_id)).count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it('reports drift from the form: the event id, the event, and the retrain it starts', async () => {
    const form = page.locator('form').filter({ hasText: 'Drift score' });
    await expect.poll(() => form.getByLabel('Version').inputValue()).toBe('1');
    expect(await form.getByLabel('Model').inputValue()).toBe('movie_predictor');
    await form.getByRole('button', { name: 'Report drift' }).click();
    const result = page.getByTestId('drift-result');
    await expect
      .poll(() => result.textContent())
      .toMatch(/^Event [0-9a-f-]{36} accepted on model-drift-alerts/);
    const eventId = (await result.locator('.mono').textContent()) ?? '';
    await expect.poll(() => row(eventId).count()).toBe(1);
    expect(await row(eventId).getAttribute('class')).toBe('event-alert');
    expect(await row(eventId).locator('summary').textContent()).toContain('"drift_score":0.8');

    const retrain = page.getByTestId('action-row').filter({ hasText: 'retrain_on_drift' });
    await expect.poll(() => retrain.count(), { timeout: 15_000 }).toBe(1);
    expect(await retrain.locator('.badge').textContent()).toBe('triggered');
    const runLink = retrain.getByRole('link');
    const triggeredRun = (await runLink.textContent()) ?? '';
    expect(triggeredRun).toMatch(/^event__/);
    expect(await runLink.getAttribute('href')).toBe(
      `/pipelines/movie_training_pipeline?run=${encodeURIComponent(triggeredRun)}`,
    );

    await row(eventId).locator('summary').click();
    await page.screenshot({ path: screenshotPath('stage9-events-page'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: screenshotPath('stage9-events-page-dark'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('heading', { name: 'Live events' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('stage9-events-page-phone') });
    await page.setViewportSize({ width: 1280, height: 900 });

    // A bad value comes back as the server's message.
    await form.getByLabel('Drift score').fill('');
    await form.getByRole('button', { name: 'Report drift' }).click();
    await expect.poll(() => result.textContent()).toMatch(/^body\.drift_score: /);
    expect(await result.getAttribute('role')).toBe('alert');

    await runLink.click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('movie_training_pipeline');
    // The pipeline page opens on that run, and the tab names the pipeline.
    await expect
      .poll(() => page.getByTestId('run-row').filter({ hasText: triggeredRun }).getAttribute('class'))
      .toBe('selected');
    await expect.poll(() => page.title()).toBe('movie_training_pipeline · Pipelines · movie-mlops');
    expect(pageErrors).toEqual([]);
  });
});

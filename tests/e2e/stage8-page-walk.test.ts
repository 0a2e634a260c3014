import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureStore } from '../../src/features/index.js';
import { trainModel } from '../../src/models/index.js';
import { BUILTIN_PIPELINES, InProcessExecutor, PipelineEngine } from '../../src/pipelines/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { promote } from '../../src/tracking/index.js';
import { NAV_ITEMS } from '../../web/src/components/nav-items.js';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { auditPage, elementsPastTheEdge, overflowPixels, VIEWPORTS } from '../helpers/page-audit.js';
import { contextOf, openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';

/**
 * Every page of the navigation, at 1440×900 and 390×844, on a platform with data, a served model and
 * pipelines: each has a title, logs no console error, makes no failed request and fits the screen.
 */
describe('every top-level page at both sizes', () => {
  let test: TestPlatform;
  let engine: PipelineEngine;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    test = await openTestPlatform();
    const context = contextOf(test.platform);
    await publishSynthetic(test.platform, {
      users: 300,
      movies: 150,
      interactions: 10_000,
      seed: 5,
      days: 30,
      endDate: new Date().toISOString().slice(0, 10),
    });
    await trainModel(context, { algorithm: 'als', hyperparameters: { factors: 8, iterations: 3 } });
    await promote(context.db, 'movie_predictor', '1', { actor: 'test', reason: 'test' });
    const serving = new ServingService(
      context,
      { ...test.config.serving, isBootstrapModel: false },
      test.platform.metrics,
    );
    test.platform.addHealthCheck(serving.healthCheck());
    await serving.refresh();
    const features = await FeatureStore.open({ ...context, config: test.config.features });
    engine = new PipelineEngine(test.platform, BUILTIN_PIPELINES, { logger: test.logger });
    engine.setExecutor(new InProcessExecutor(engine, 2));
    await engine.register();
    server = await startServer(
      await buildApp(test.platform, { serving, features, pipelines: { engine, executor: 'in_process' } }),
      test.platform,
    );
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await engine?.stop();
    await server?.shutdown('test over');
    await test?.dispose();
  });

  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    it(`${size} (${viewport.width}×${viewport.height}): titles, no console error, no failed request, no overflow`, async () => {
      const page: Page = await browser.newPage({ viewport });
      const audit = auditPage(page);
      const problems: string[] = [];
      try {
        for (const item of NAV_ITEMS) {
          await page.goto(`${server.url}${item.to}`);
          await page.locator('main h1').first().waitFor({ timeout: 10_000 });
          // Let the first polls and lazy loads land.
          await page.waitForTimeout(1500);
          const name = item.to.slice(1);
          await page.screenshot({ path: screenshotPath(`stage8-walk-${name}-${size}`), fullPage: true });
          const overflow = await overflowPixels(page);
          if (overflow > 0)
            problems.push(
              `${item.to}: ${overflow} px wider than the screen (${(await elementsPastTheEdge(page)).join(', ')})`,
            );
          for (const problem of audit.take()) problems.push(`${item.to}: ${problem}`);
          const title = await page.title();
          if (title !== `${item.label} · movie-mlops`) problems.push(`${item.to}: document title “${title}”`);
        }
      } finally {
        await page.close();
      }
      expect(problems).toEqual([]);
    });
  }

  it('a training run made by a pipeline links back to that pipeline run; detail tabs name what they show', async () => {
    const triggered = await engine.trigger('movie_training_pipeline', {
      conf: { algorithm: 'popularity' },
      runType: 'manual',
    });
    await expect
      .poll(async () => (await engine.run(triggered.run_id)).state, { timeout: 120_000, interval: 250 })
      .toBe('success');
    const train = (await engine.tasks(triggered.run_id)).find((task) => task.task_id === 'train');
    const trainingRun = (train?.output as { run_id: string } | undefined)?.run_id ?? '';
    expect(trainingRun).toMatch(/^[0-9a-f]{32}$/);
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    const audit = auditPage(page);
    try {
      await page.goto(`${server.url}/runs/${trainingRun}`);
      const source = page.getByTestId('source-pipeline-run');
      await expect.poll(() => source.textContent()).toBe(`movie_training_pipeline · ${triggered.run_id}`);
      await expect.poll(() => page.title()).toMatch(/^popularity-\S+ · Runs · movie-mlops$/);
      await source.click();
      await page.waitForURL(/\/pipelines\/movie_training_pipeline\?run=/);
      const row = page.getByTestId('run-row').filter({ hasText: triggered.run_id });
      await expect.poll(() => row.getAttribute('class')).toBe('selected');
      await expect.poll(() => page.title()).toBe('movie_training_pipeline · Pipelines · movie-mlops');
      expect(audit.take()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

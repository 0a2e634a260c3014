import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertManager } from '../../src/monitoring/index.js';
import { BUILTIN_PIPELINES, InProcessExecutor, PipelineEngine } from '../../src/pipelines/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';

describe('the drift report page in a real browser', () => {
  let test: TestPlatform;
  let engine: PipelineEngine;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    test = await openTestPlatform();
    const driftDate = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
    await publishSynthetic(test.platform, {
      users: 600,
      movies: 250,
      interactions: 40_000,
      seed: 32,
      days: 60,
      endDate: new Date().toISOString().slice(0, 10),
      drift: { date: driftDate, tasteShift: 0.9, popularityShift: 0.5 },
    });
    engine = new PipelineEngine(test.platform, BUILTIN_PIPELINES, { logger: test.logger });
    engine.setExecutor(new InProcessExecutor(engine, 2));
    await engine.register();
    server = await startServer(
      await buildApp(test.platform, { pipelines: { engine, executor: 'in_process' } }),
      test.platform,
    );
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await engine?.stop();
    await server?.shutdown('test over');
    await test?.dispose();
  });

  it('says there is no report yet, runs the check, then shows each feature with both windows', async () => {
    await page.goto(`${server.url}/drift`);
    await expect.poll(() => page.getByTestId('drift-empty').textContent()).toContain('No drift report yet');
    await page.getByRole('button', { name: 'Check now' }).click();
    await expect.poll(() => page.getByTestId('drift-message').textContent()).toMatch(/started manual__/);
    await expect.poll(() => page.getByTestId('drift-column').count(), { timeout: 20_000 }).toBe(6);
    const genre = page.getByTestId('drift-column').filter({ hasText: 'primary_genre' });
    expect(await genre.locator('.badge').textContent()).toBe('drift');
    expect(await genre.textContent()).toContain('jensenshannon distance');
    expect(await page.getByTestId('drift-verdict').textContent()).toMatch(
      /features drifted \(\d+\.\d %, threshold 50\.0 %\)/,
    );
    await expect.poll(() => genre.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(4);
    await page.screenshot({ path: screenshotPath('drift'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('lists firing and resolved alerts with their runbook entries', async () => {
    let isFiring = true;
    const alerts = new AlertManager({
      db: test.platform.database.db,
      metrics: test.platform.metrics,
      logger: test.logger,
      isServing: false,
      rules: [
        {
          name: 'MlopsDataDriftDetected',
          severity: 'warning',
          summary: 'The watch log drifted',
          runbook: 'docs/runbook.md#data-drift',
          evaluate: async () => ({
            isFiring,
            value: 0.6,
            description: '60 % of the monitored features drifted (primary_genre)',
          }),
        },
      ],
    });
    await alerts.evaluate();
    await page.goto(`${server.url}/alerts`);
    await expect
      .poll(() => page.getByTestId('alerts-summary').textContent())
      .toBe('1 firing: MlopsDataDriftDetected');
    expect(await page.getByTestId('alert-row').first().textContent()).toContain('docs/runbook.md#data-drift');
    await page.screenshot({ path: screenshotPath('alerts'), fullPage: true });
    isFiring = false;
    await alerts.evaluate();
    await expect
      .poll(() => page.getByTestId('alerts-summary').textContent(), { timeout: 12_000 })
      .toBe('Nothing is firing.');
    expect(await page.getByTestId('alert-row').first().locator('.badge').textContent()).toBe('resolved');
    expect(pageErrors).toEqual([]);
  });
});

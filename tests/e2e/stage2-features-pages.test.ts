import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFeatures, FeatureStore } from '../../src/features/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { contextOf, openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';

describe('feature store pages in a real browser', () => {
  let test: TestPlatform;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    test = await openTestPlatform();
    await publishSynthetic(test.platform, {
      users: 200,
      movies: 120,
      interactions: 6000,
      seed: 5,
      endDate: new Date().toISOString().slice(0, 10),
      days: 45,
    });
    const context = {
      ...contextOf(test.platform),
      config: test.config.features,
      metrics: test.platform.metrics,
    };
    const store = await FeatureStore.open(context);
    expect(await bootstrapFeatures(store, context)).toBe(true);
    server = await startServer(await buildApp(test.platform, { features: store }), test.platform);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown('test over');
    await test?.dispose();
  });

  it('lists the feature views with their builds and materialization, and looks up a movie', async () => {
    await page.goto(`${server.url}/features`);
    await expect.poll(() => page.getByTestId('feature-view-row').count()).toBe(4);
    const rows = await page.getByTestId('feature-view-row').allTextContents();
    expect(rows.find((row) => row.startsWith('movie_activity'))).toMatch(
      /30 dv1valid [\d,]+ rows[\d,]+ entities, as of/,
    );
    expect(await page.getByText('recommender_v1').count()).toBe(1);

    await page.getByLabel('Id').fill('3');
    await page.getByRole('button', { name: 'Look up' }).click();
    await expect.poll(() => page.getByTestId('entity-features').locator('tbody tr').count()).toBe(9);
    expect(await page.getByText('movie 3: found in the online store').count()).toBe(1);
    await page.screenshot({ path: screenshotPath('features'), fullPage: true });

    await page.getByLabel('Id').fill('999999');
    await page.getByRole('button', { name: 'Look up' }).click();
    await expect.poll(() => page.getByText('movie 999999: no online values (NOT_FOUND)').count()).toBe(1);
  });

  it('shows a view: definition, validation checks and per-feature statistics with histograms', async () => {
    await page.goto(`${server.url}/features`);
    await page.getByRole('link', { name: 'user_activity', exact: true }).click();
    await page.waitForURL(/\/features\/user_activity$/);
    await expect.poll(() => page.getByTestId('feature-stats').locator('tbody tr').count()).toBe(6);
    expect(await page.locator('.checks li').count()).toBe(4);
    expect(await page.locator('.checks .badge-down').count()).toBe(0);
    expect(await page.getByText('user_activity_push', { exact: true }).count()).toBe(1);
    // Numeric features get a histogram; the timestamp shows its range.
    expect(
      await page.locator('[aria-label="histogram of watch_count_7d"] .recharts-bar-rectangle').count(),
    ).toBeGreaterThan(0);
    const lastWatched = await page
      .getByTestId('feature-stats')
      .locator('tr', { hasText: 'last_watched_at' })
      .textContent();
    expect(lastWatched).toMatch(/\d{4}-\d\d-\d\dT.* … \d{4}-/);
    await page.screenshot({ path: screenshotPath('feature-view'), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/features`);
    await expect.poll(() => page.getByTestId('feature-view-row').count()).toBe(4);
    await page.screenshot({ path: screenshotPath('features-phone'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});

import { copyFileSync, mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFeatures, FeatureStore } from '../../src/features/index.js';
import { trainModel } from '../../src/models/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { promote } from '../../src/tracking/index.js';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { auditPage, elementsPastTheEdge, overflowPixels, VIEWPORTS } from '../helpers/page-audit.js';
import { contextOf, openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';

const SHOTS = '/tmp/shots-pipelines';
async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: screenshotPath(name), fullPage: true });
  mkdirSync(SHOTS, { recursive: true });
  copyFileSync(screenshotPath(name), `${SHOTS}/${name}.png`);
}

/**
 * The movie page (features, similar movies, who watched it), reached from a movie card; on “For you”,
 * feedback that stays in view with its undo, an invalid id's message and string ids in the picker.
 */
describe('movie page and feedback undo in a real browser', () => {
  let test: TestPlatform;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    test = await openTestPlatform();
    const context = contextOf(test.platform);
    await publishSynthetic(test.platform, {
      users: 300,
      movies: 150,
      interactions: 10_000,
      seed: 17,
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
    const featureContext = { ...context, config: test.config.features, metrics: test.platform.metrics };
    const features = await FeatureStore.open(featureContext);
    expect(await bootstrapFeatures(features, featureContext)).toBe(true);
    server = await startServer(await buildApp(test.platform, { serving, features }), test.platform);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown('test over');
    await test?.dispose();
  });

  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    it(`${size} (${viewport.width}×${viewport.height}): a movie card leads to the movie page`, async () => {
      const page = await browser.newPage({ viewport });
      const audit = auditPage(page);
      try {
        await page.goto(`${server.url}/movies`);
        const firstCard = page.getByTestId('movie-card').first();
        await firstCard.waitFor();
        const title = (await firstCard.locator('h2').textContent()) ?? '';
        await firstCard.getByRole('link', { name: title }).click();
        await page.waitForURL(/\/movies\/\d+$/);
        await expect.poll(() => page.locator('main h1').textContent()).toBe(title);
        // The served model knows it: similar movies, each a card leading to its own page.
        await expect
          .poll(() => page.getByRole('list', { name: 'Similar movies' }).getByTestId('movie-card').count())
          .toBeGreaterThan(0);
        await expect
          .poll(() => page.getByTestId('movie-audience').textContent())
          .toMatch(/\d+ watches in the watch log/);
        // Its online features, as materialized from the feature views.
        await expect.poll(() => page.getByTestId('movie-features').locator('tr').count()).toBeGreaterThan(2);
        await page.waitForTimeout(500);
        await shoot(page, `movie-page-${size}`);
        expect(await overflowPixels(page), (await elementsPastTheEdge(page)).join(', ')).toBe(0);
        // The tab names the movie, then its section.
        await expect.poll(() => page.title()).toBe(`${title} · Movies · movie-mlops`);
        expect(audit.take()).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it(`${size}: a liked movie stays in view with undo, and undo brings it back`, async () => {
      const page = await browser.newPage({ viewport });
      const audit = auditPage(page);
      const user = size === 'desktop' ? 'undo_desktop' : 'undo_phone';
      const titles = () => page.locator('[data-testid=movie-card] h2').allTextContents();
      try {
        await page.goto(`${server.url}/recommendations?user=${user}`);
        await expect.poll(() => page.getByTestId('movie-card').count()).toBe(12);
        const first = (await titles())[0] ?? '';
        await page.getByRole('button', { name: `Like ${first}`, exact: true }).click();
        await expect.poll(async () => (await titles()).includes(first)).toBe(false);
        const kept = page.getByTestId('feedback-item');
        await expect.poll(() => kept.first().textContent()).toContain(`Liked ${first}`);
        await shoot(page, `recommendations-feedback-${size}`);

        await page.getByRole('button', { name: `Undo Liked ${first}`, exact: true }).click();
        await expect
          .poll(() => page.getByTestId('feedback-notice').textContent())
          .toContain(`Undid “Liked” on “${first}”`);
        await expect.poll(() => kept.count()).toBe(0);
        await expect.poll(async () => (await titles()).includes(first)).toBe(true);
        expect(await overflowPixels(page), (await elementsPastTheEdge(page)).join(', ')).toBe(0);
        expect(audit.take()).toEqual([]);
      } finally {
        await page.close();
      }
    });
  }

  it('an invalid user id gets a message; a string id works in the picker', async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.phone });
    const audit = auditPage(page);
    try {
      await page.goto(`${server.url}/recommendations?user=${encodeURIComponent('no such id!')}`);
      await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('is not a user id');
      expect(await page.getByTestId('served-by').textContent()).toBe(
        'No recommendations: the user id is not valid.',
      );
      await page.waitForTimeout(1000);
      expect(await page.getByTestId('served-by').textContent()).not.toContain('Loading');
      await shoot(page, 'recommendations-invalid-id-phone');

      await page.getByLabel('User id').fill('test_user_042');
      await page.getByRole('button', { name: 'Show' }).click();
      await page.waitForURL(/user=test_user_042$/);
      await expect.poll(() => page.getByTestId('served-by').textContent()).toMatch(/^User test_user_042 · /);
      await expect.poll(() => page.getByTestId('movie-card').count()).toBe(12);
      expect(audit.take()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

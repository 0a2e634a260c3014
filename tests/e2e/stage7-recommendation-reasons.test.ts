import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainModel } from '../../src/models/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { promote } from '../../src/tracking/index.js';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { auditPage, overflowPixels, VIEWPORTS } from '../helpers/page-audit.js';
import { contextOf, openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';

describe('recommendations say their rank, score and why, and keep the user’s feedback in view', () => {
  let test: TestPlatform;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    test = await openTestPlatform();
    const context = contextOf(test.platform);
    await publishSynthetic(test.platform, {
      users: 300,
      movies: 200,
      interactions: 15_000,
      seed: 17,
      endDate: '2026-11-01',
      days: 60,
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
    server = await startServer(await buildApp(test.platform, { serving }), test.platform);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown('test over');
    await test?.dispose();
  });

  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    it(`${size}: rank, score and reason on each card; liked movies listed; a bad id gets a message`, async () => {
      const page: Page = await browser.newPage({ viewport });
      const audit = auditPage(page);
      try {
        const user = size === 'desktop' ? 'reasons_desktop' : 'reasons_phone';
        await page.goto(`${server.url}/recommendations?user=${user}`);
        await expect.poll(() => page.getByTestId('movie-card').count()).toBe(12);
        const reasons = await page.getByTestId('why').allTextContents();
        expect(reasons[0]).toMatch(/^#1 · score \d+\.\d{3} · popular with everyone$/);
        expect(reasons[11]).toMatch(/^#12 · score /);

        const first = (await page.locator('[data-testid=movie-card] h2').first().textContent()) ?? '';
        await page.getByRole('button', { name: `Like ${first}`, exact: true }).click();
        const kept = page.getByTestId('feedback-list');
        // Always in view (not folded away), each with its undo.
        await expect.poll(() => kept.locator('h2').textContent()).toMatch(/^1 movie this user liked/);
        expect(await kept.locator('li').first().textContent()).toContain(`Liked ${first}`);
        await page.screenshot({ path: screenshotPath(`stage7-recommendations-${size}`), fullPage: true });
        expect(await overflowPixels(page)).toBe(0);

        await page.goto(`${server.url}/recommendations?user=${encodeURIComponent('not a user!')}`);
        await expect.poll(() => page.getByRole('alert').textContent()).toContain('is not a user id');
        expect(await page.getByTestId('served-by').textContent()).toBe(
          'No recommendations: the user id is not valid.',
        );
        expect(await page.getByTestId('movie-card').count()).toBe(0);
        expect(audit.take()).toEqual([]);
      } finally {
        await page.close();
      }
    });
  }
});

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainModel } from '../../src/models/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { promote } from '../../src/tracking/index.js';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { contextOf, openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';

describe('the “For you” page in a real browser', () => {
  let test: TestPlatform;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  const titles = () => page.locator('[data-testid=movie-card] h2').allTextContents();

  beforeAll(async () => {
    test = await openTestPlatform();
    const context = contextOf(test.platform);
    await publishSynthetic(test.platform, {
      users: 300,
      movies: 200,
      interactions: 15_000,
      seed: 13,
      endDate: '2026-11-01',
      days: 60,
    });
    await trainModel(context, { algorithm: 'als', hyperparameters: { factors: 16, iterations: 5 } });
    await promote(context.db, 'movie_recommender', '1', { actor: 'test', reason: 'test' });
    const serving = new ServingService(context, { ...test.config.serving, isBootstrapModel: false });
    test.platform.addHealthCheck(serving.healthCheck());
    await serving.refresh();
    server = await startServer(await buildApp(test.platform, { serving }), test.platform);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown('test over');
    await test?.dispose();
  });

  it('shows a user’s recommendations with the model that made them; a dislike removes the movie at once', async () => {
    await page.goto(`${server.url}/recommendations?user=7`);
    await expect.poll(() => page.getByTestId('movie-card').count()).toBe(12);
    expect(await page.getByTestId('served-by').textContent()).toBe(
      'User 7 · movie_recommender v1 (als, champion) · from what the model learned about this user',
    );
    await page.screenshot({ path: screenshotPath('recommendations'), fullPage: true });

    const first = (await titles())[0] ?? '';
    await page.getByRole('button', { name: `Dislike ${first}`, exact: true }).click();
    await expect
      .poll(() => page.getByTestId('feedback-notice').textContent())
      .toBe(`Disliked “${first}”: recommendations updated.`);
    await expect.poll(async () => (await titles()).includes(first)).toBe(false);
    expect(await page.getByTestId('movie-card').count()).toBe(12);
  });

  it('a new visitor starts with popular movies, and likes personalise the list', async () => {
    await page.goto(`${server.url}/recommendations?user=955555`);
    await expect
      .poll(() => page.getByTestId('served-by').textContent())
      .toMatch(/popular movies: nothing is known about this user yet/);
    const before = await titles();
    for (const title of before.slice(0, 2)) {
      await page.getByRole('button', { name: `Like ${title}`, exact: true }).click();
      await expect.poll(async () => (await titles()).includes(title)).toBe(false);
    }
    await expect
      .poll(() => page.getByTestId('served-by').textContent())
      .toMatch(/folded in from this user’s latest feedback/);
    expect(await titles()).not.toEqual(before);

    await page.goto(`${server.url}/recommendations?user=abc`);
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toMatch(/not a user id|querystring.user_id/);
    expect(pageErrors).toEqual([]);
  });
});

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainModel } from '../../src/models/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { promote } from '../../src/tracking/index.js';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { contextOf, openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';

describe('the “For you” and Models pages in a real browser', () => {
  let test: TestPlatform;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let serving: ServingService;
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
    await promote(context.db, 'movie_predictor', '1', { actor: 'test', reason: 'test' });
    await trainModel(context, { algorithm: 'popularity' });
    serving = new ServingService(context, { ...test.config.serving, isBootstrapModel: false });
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
      'User 7 · movie_predictor v1 (als, champion) · from what the model learned about this user',
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
    // A string id nobody has seen, as the seed guide's scenario uses.
    await page.goto(`${server.url}/recommendations?user=test_user_001`);
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

    expect(await page.getByTestId('served-by').textContent()).toMatch(/^User test_user_001 · /);

    await page.goto(`${server.url}/recommendations?user=a%20b`);
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toMatch(/not a user id|querystring.user_id/);
    expect(pageErrors).toEqual([]);
  });

  it('promotes a version behind a confirmation (the policy refuses a worse one until forced), serving follows, and rolls back', async () => {
    await page.goto(`${server.url}/models/movie_predictor`);
    await expect.poll(() => page.getByTestId('version-row').count()).toBe(2);
    const rows = await page.getByTestId('version-row').allTextContents();
    expect(rows[0]).toMatch(/^v2popularity0\.\d{4}/);
    expect(rows[1]).toMatch(/^v1als0\.\d{4}.*Productionchampion/);
    await page.screenshot({ path: screenshotPath('models'), fullPage: true });

    await page.getByRole('button', { name: 'Promote version 2', exact: true }).click();
    await expect.poll(() => page.getByRole('dialog').isVisible()).toBe(true);
    await page.getByRole('dialog').getByRole('button', { name: 'Promote', exact: true }).click();
    await expect
      .poll(() => page.getByRole('dialog').textContent())
      .toMatch(/The promotion policy says no:.*does not beat champion version 1 on ndcg_at_10/);
    await page.screenshot({ path: screenshotPath('models-refused') });
    await page.getByRole('button', { name: 'Promote anyway' }).click();
    await expect
      .poll(() => page.getByTestId('registry-notice').textContent())
      .toMatch(/Version 2 is now champion \(forced\)/);
    await expect
      .poll(async () => (await page.getByTestId('version-row').first().textContent()) ?? '')
      .toMatch(/Productionchampion$/);

    await serving.refresh();
    await page.goto(`${server.url}/recommendations?user=8`);
    await expect
      .poll(() => page.getByTestId('served-by').textContent())
      .toMatch(/movie_predictor v2 \(popularity, champion\)/);

    await page.goto(`${server.url}/models`);
    await page.getByRole('button', { name: 'Roll back champion' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Roll back', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('registry-notice').textContent())
      .toBe('Rolled back: version 1 is champion again (was 2).');
    await expect
      .poll(() => page.getByRole('list', { name: 'Recent changes' }).textContent())
      .toMatch(/alias:champion 2 → 1 \(v1\) by api: rollback from version 2: rolled back from the web UI/);
    expect(pageErrors).toEqual([]);
  });

  it('lists runs, filters them with MLflow syntax, and compares two: charts per step, params and artifacts', async () => {
    await page.goto(`${server.url}/runs`);
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(2);
    await page.getByLabel('Filter').fill("params.algorithm = 'als'");
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/filter=/);
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(1);
    await page.getByLabel('Filter').fill('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(2);
    await page.screenshot({ path: screenshotPath('runs'), fullPage: true });

    for (const box of await page.getByRole('checkbox').all()) await box.check();
    await page.getByRole('link', { name: 'Compare (2)' }).click();
    await page.waitForURL(/\/runs\/compare\?ids=/);
    await expect.poll(() => page.getByTestId('chart-loss').locator('.recharts-line').count()).toBe(1);
    const algorithm = page.getByTestId('params-table').locator('tr.differs', { hasText: 'algorithm' });
    expect(await algorithm.textContent()).toMatch(/algorithm.*(als.*popularity|popularity.*als)/);
    expect(await page.getByTestId('metrics-table').textContent()).toMatch(/ndcg_at_10/);
    const manifest = page.getByRole('link', { name: 'model/manifest.json' }).first();
    const answer = await fetch(new URL((await manifest.getAttribute('href')) ?? '', server.url));
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { format: string }).format).toBe('movie-mlops-model');
    await page.screenshot({ path: screenshotPath('runs-compare'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('opens a dataset version: its validation report and its lineage, linked to the runs trained on it', async () => {
    await page.goto(`${server.url}/datasets`);
    const row = page.getByTestId('dataset-row').filter({ hasText: 'watch_log' });
    await row.getByRole('link').click();
    await page.waitForURL(/\/datasets\/[0-9a-f]{64}$/);
    await expect
      .poll(() => page.getByTestId('validation-table').locator('tbody tr').count())
      .toBeGreaterThan(3);
    expect(await page.getByRole('heading', { name: /Validation/ }).textContent()).toMatch(/passed/);
    const lineage = page.getByTestId('lineage');
    expect(await lineage.textContent()).toMatch(/Made from.*dataset [0-9a-f]{12}.*Used by.*run [0-9a-f]{12}/);
    await page.screenshot({ path: screenshotPath('dataset'), fullPage: true });
    await lineage.getByRole('link', { name: /^run / }).first().click();
    await page.waitForURL(/\/runs\/[0-9a-f]{32}$/);
    await expect.poll(() => page.getByTestId('params-table').textContent()).toMatch(/dataset_version/);
    expect(pageErrors).toEqual([]);
  });

  it('the dashboard shows health, the served model, live traffic and the A/B split, and follows a promotion', async () => {
    await serving.refresh(); // catch up with the rollback of the Models test
    await page.goto(`${server.url}/dashboard`);
    await expect
      .poll(() => page.getByTestId('served-champion').textContent())
      .toMatch(/movie_predictor v1.*als · NDCG@10 0\.\d{4}/);
    await expect.poll(() => page.getByTestId('panel-health').textContent()).toMatch(/3 of 3 up/);
    await expect
      .poll(async () => Number((await page.locator('.figure-value').first().textContent()) ?? '0'))
      .toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId('panel-ab').textContent())
      .toMatch(/No challenger: everyone sees the champion/);
    await page.screenshot({ path: screenshotPath('dashboard'), fullPage: true });

    await promote(test.platform.database.db, 'movie_predictor', '2', {
      actor: 'test',
      reason: 'dashboard test',
    });
    await serving.refresh();
    await expect
      .poll(() => page.getByTestId('served-champion').textContent())
      .toMatch(/movie_predictor v2.*popularity/);
    expect(pageErrors).toEqual([]);
  });
});

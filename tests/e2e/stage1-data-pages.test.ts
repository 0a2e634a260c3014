import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticData, publicMovies, publishDatasets } from '../../src/data/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';

describe('movies and datasets pages in a real browser', () => {
  let test: TestPlatform;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    test = await openTestPlatform();
    const options = {
      users: 200,
      movies: 120,
      interactions: 5000,
      seed: 11,
      endDate: '2026-11-01',
      days: 60,
    };
    const { movies, watchLog } = generateSyntheticData(options);
    await publishDatasets(
      {
        db: test.platform.database.db,
        artifacts: test.platform.artifacts,
        home: test.config.home,
        logger: test.logger,
      },
      { source: 'synthetic', params: options, movies: publicMovies(movies), watchLog },
    );
    server = await startServer(await buildApp(test.platform), test.platform);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown('test over');
    await test?.dispose();
  });

  it('browses the catalogue: cards, paging, title search and genre filter in the URL', async () => {
    await page.goto(`${server.url}/movies`);
    await expect.poll(() => page.getByTestId('movie-card').count()).toBe(24);
    expect(await page.locator('#movies-title + p').textContent()).toBe('120 movies in the catalogue');
    await page.screenshot({ path: screenshotPath('movies'), fullPage: true });

    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForURL(/offset=24/);
    await expect.poll(() => page.locator('.pager .muted').textContent()).toBe('25–48 of 120');

    const firstTitle = (await page.getByTestId('movie-card').first().locator('h2').textContent()) ?? '';
    const word = firstTitle.split(' ').at(-1) ?? '';
    await page.getByRole('searchbox').fill(word);
    await page.waitForURL(new RegExp(`q=${encodeURIComponent(word)}`));
    await expect
      .poll(async () =>
        (await page.getByTestId('movie-card').allTextContents()).every((text) =>
          text.toLowerCase().includes(word.toLowerCase()),
        ),
      )
      .toBe(true);

    await page.getByRole('searchbox').fill('');
    await page.getByLabel('Genre').selectOption('Drama');
    await page.waitForURL(/genre=Drama/);
    await expect
      .poll(async () =>
        (await page.locator('[data-testid=movie-card] .movie-meta p').allTextContents()).every((text) =>
          text.includes('Drama'),
        ),
      )
      .toBe(true);

    await page.getByRole('searchbox').fill('no such movie title');
    await expect.poll(() => page.getByText('No movie matches.').isVisible()).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('lists dataset versions with their validation', async () => {
    await page.goto(`${server.url}/datasets`);
    await expect.poll(() => page.getByTestId('dataset-row').count()).toBe(2);
    const rows = await page.getByTestId('dataset-row').allTextContents();
    expect(
      rows.some((row) => row.includes('watch_log') && row.includes('5,000') && row.includes('valid')),
    ).toBe(true);
    expect(rows.some((row) => row.includes('movies') && row.includes('120'))).toBe(true);
    await page.screenshot({ path: screenshotPath('datasets'), fullPage: true });
  });
});

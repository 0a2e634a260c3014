import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';

describe('status page in a real browser', () => {
  let test: TestPlatform;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    test = await openTestPlatform();
    server = await startServer(await buildApp(test.platform), test.platform);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown('test over');
    await test?.dispose();
  });

  it('opens at / on the dashboard; the status page shows every component up', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForURL(/\/dashboard$/);
    await expect.poll(() => page.getByTestId('panel-health').textContent()).toMatch(/2 of 2 up/);
    await expect.poll(() => page.getByTestId('panel-serving').textContent()).toMatch(/Serving is off/);
    await page.screenshot({ path: screenshotPath('dashboard-no-serving'), fullPage: true });
    await page.getByRole('link', { name: 'Details' }).click();
    await page.waitForURL(/\/status$/);
    await expect
      .poll(() => page.getByTestId('overall-status').textContent())
      .toMatch(/All 2 components are up/);
    const database = page.getByTestId('component-database');
    expect(await database.locator('.badge').textContent()).toBe('up');
    expect(await database.textContent()).toContain('pglite');
    expect(await page.getByTestId('component-artifacts').textContent()).toContain('local');
    expect(await page.locator('.health-indicator').textContent()).toContain('All components up');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Platform status');
    await page.screenshot({ path: screenshotPath('status-light'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('switches to the dark theme and remembers it across a reload', async () => {
    const toggle = page.getByRole('button', { name: /Colour theme/ });
    await toggle.click(); // system → light
    await toggle.click(); // light → dark
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await page.reload();
    await page.getByTestId('overall-status').waitFor();
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await page.screenshot({ path: screenshotPath('status-dark'), fullPage: true });
  });

  it('answers a deep link to an unknown page with a page that says so', async () => {
    await page.goto(`${server.url}/no/such/page`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
    await page.getByRole('link', { name: 'status page' }).click();
    await page.waitForURL(/\/status$/);
  });

  it('fits a phone screen', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(`${server.url}/status`);
    await phone.getByTestId('component-database').waitFor();
    const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: screenshotPath('status-phone'), fullPage: true });
    await phone.close();
  });

  it('says the server is unreachable when it stops, instead of going blank', async () => {
    await page.goto(`${server.url}/status`);
    await page.getByTestId('component-database').waitFor();
    await server.shutdown('browser test');
    await page.getByRole('button', { name: 'Refresh' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Cannot read the platform status/);
    expect(await page.getByTestId('overall-status').textContent()).toMatch(/^Last known state/);
    await expect.poll(() => page.locator('.health-indicator').textContent()).toContain('Server unreachable');
    expect(await page.getByTestId('component-database').isVisible()).toBe(true);
    await page.screenshot({ path: screenshotPath('status-server-down'), fullPage: true });
  });
});

import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, revokeToken, type TokenInfo } from '../../src/auth/index.js';
import { trainModel } from '../../src/models/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { contextOf, openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';

const REVOKED_MESSAGE = 'the API token is malformed, unknown or revoked';

/** Every API call the page made, with the token it carried (header, or the stream's query). */
interface ApiCall {
  path: string;
  authorization: string | undefined;
  accessToken: string | null;
  ticket: string | null;
}

function recordApiCalls(page: Page, calls: ApiCall[]): void {
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!/^\/(api|mlflow)\//.test(url.pathname)) return;
    calls.push({
      path: url.pathname,
      authorization: request.headers().authorization,
      accessToken: url.searchParams.get('access_token'),
      ticket: url.searchParams.get('ticket'),
    });
  });
}

describe('signing in to a token-protected server in a real browser', () => {
  let test: TestPlatform;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let viewer: { token: string; info: TokenInfo };
  let admin: { token: string; info: TokenInfo };
  const pageErrors: string[] = [];
  const calls: ApiCall[] = [];

  const signInHeading = () => page.getByRole('heading', { name: 'Sign in', level: 1 });
  const storedToken = () => page.evaluate<string | null>("localStorage.getItem('mlops.token')");
  const signIn = async (token: string) => {
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  beforeAll(async () => {
    test = await openTestPlatform({ MLOPS_AUTH: 'on', MLOPS_RATE_LIMIT_PER_MINUTE: '0' });
    await publishSynthetic(test.platform, {
      users: 100,
      movies: 60,
      interactions: 2000,
      seed: 21,
      endDate: new Date().toISOString().slice(0, 10),
      days: 30,
    });
    await trainModel(contextOf(test.platform), { algorithm: 'popularity' });
    const db = test.platform.database.db;
    viewer = await createToken(db, { name: 'ui viewer', role: 'viewer', createdBy: 'test' });
    admin = await createToken(db, { name: 'ui admin', role: 'admin', createdBy: 'test' });
    server = await startServer(await buildApp(test.platform), test.platform);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    recordApiCalls(page, calls);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown('test over');
    await test?.dispose();
  });

  it('asks for a token before showing anything, and shows the server’s message for a wrong one', async () => {
    await page.goto(`${server.url}/movies`);
    await expect.poll(() => signInHeading().count()).toBe(1);
    // Nothing of the app shows, and no data call was made beyond the check.
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    expect(calls.map((call) => call.path)).toEqual(['/api/v1/auth/whoami']);
    expect(await page.getByLabel('API token').getAttribute('type')).toBe('password');
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('api-token');
    await page.screenshot({ path: screenshotPath('security-login'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: screenshotPath('security-login-dark'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    await signIn('not-a-token');
    await expect.poll(() => page.getByTestId('login-error').textContent()).toBe(REVOKED_MESSAGE);
    // Well-formed but unknown is refused the same way.
    await page.getByLabel('API token').fill('');
    await signIn(`mlops_aaaaaaaaaaaa_${'A'.repeat(43)}`);
    await expect.poll(() => page.getByRole('button', { name: 'Sign in' }).isEnabled()).toBe(true);
    expect(await page.getByTestId('login-error').textContent()).toBe(REVOKED_MESSAGE);
    expect(await page.getByLabel('API token').getAttribute('aria-invalid')).toBe('true');
    expect(await signInHeading().count()).toBe(1);
    expect(await storedToken()).toBeNull();
    await page.screenshot({ path: screenshotPath('security-login-error'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('signs in, lands on the page asked for, sends the token on every call and keeps it over a reload', async () => {
    const before = calls.length;
    await signIn(viewer.token);
    await expect.poll(() => page.getByTestId('movie-card').count()).toBe(24);
    expect(new URL(page.url()).pathname).toBe('/movies');
    expect(await page.getByTestId('account-name').textContent()).toBe('ui viewer');
    expect(await page.getByTestId('account-role').textContent()).toBe('viewer');
    expect(await storedToken()).toBe(viewer.token);
    const signedIn = calls.slice(before);
    expect(signedIn.map((call) => call.path)).toContain('/api/v1/movies');
    expect(signedIn.filter((call) => call.authorization !== `Bearer ${viewer.token}`)).toEqual([]);
    await page.screenshot({ path: screenshotPath('security-login-signed-in'), fullPage: true });

    await page.reload();
    await expect.poll(() => page.getByTestId('movie-card').count()).toBe(24);
    expect(await signInHeading().count()).toBe(0);
    expect(await page.getByTestId('account-name').textContent()).toBe('ui viewer');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: screenshotPath('security-login-signed-in-phone') });
    await page.setViewportSize({ width: 1280, height: 900 });

    // A version opens its page; an artifact of its run cannot be a plain link (a link carries no header):
    // it is fetched with the token and handed over as a download.
    const browsing = calls.length;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
    await expect.poll(() => page.getByTestId('version-row').count()).toBe(1);
    await page.getByRole('link', { name: 'v1', exact: true }).click();
    await page.waitForURL(/\/models\/[^/]+\/versions\/1$/);
    await page.getByTestId('source-run').click();
    await page.waitForURL(/\/runs\/[0-9a-f]{32}$/);
    const tree = page.getByTestId('artifact-tree');
    await tree.getByRole('button', { name: 'model/' }).click();
    await tree.getByRole('button', { name: 'manifest.json', exact: true }).click();
    const downloading = page.waitForEvent('download');
    await page.getByTestId('artifact-preview').getByRole('link', { name: 'Download' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('manifest.json');
    expect(JSON.parse(readFileSync(await download.path(), 'utf8'))).toMatchObject({
      algorithm: 'popularity',
    });
    const unsigned = calls.slice(browsing).filter((call) => call.authorization !== `Bearer ${viewer.token}`);
    expect(unsigned.filter((call) => call.ticket === null)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('streams live events with a single-use ticket, never the token in the URL; a write above the role shows the server’s refusal', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Events' }).click();
    await expect.poll(() => page.getByTestId('connection-state').textContent()).toBe('connected');
    const stream = calls.filter((call) => call.path === '/api/v1/events/stream');
    expect(stream.length).toBeGreaterThan(0);
    expect(stream.every((call) => call.accessToken === null && /^st_/.test(call.ticket ?? ''))).toBe(true);
    const tickets = calls.filter((call) => call.path === '/api/v1/events/stream-ticket');
    expect(tickets.length).toBeGreaterThan(0);
    expect(tickets.every((call) => call.authorization === `Bearer ${viewer.token}`)).toBe(true);

    const published = await fetch(`${server.url}/api/v1/events/user-interaction`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
      body: JSON.stringify({ user_id: 3, movie_id: 1, interaction_type: 'like' }),
    });
    expect(published.status).toBe(202);
    const { event_id: eventId } = (await published.json()) as { event_id: string };
    await expect.poll(() => page.locator(`[data-testid=event-row][data-id="${eventId}"]`).count()).toBe(1);

    // A viewer may not publish: the form says why, and the session goes on.
    await page.getByRole('button', { name: 'Report drift' }).click();
    await expect
      .poll(() => page.getByTestId('drift-result').textContent())
      .toMatch(/needs the editor role; token [a-z0-9]{12} \(ui viewer\) is viewer$/);
    expect(await page.getByTestId('account-role').textContent()).toBe('viewer');
    expect(await storedToken()).toBe(viewer.token);
    expect(pageErrors).toEqual([]);
  });

  it('signs out to the login; a revoked token sends the user back to it on the next call', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => signInHeading().count()).toBe(1);
    expect(await page.getByTestId('login-notice').textContent()).toBe('You are signed out.');
    expect(await storedToken()).toBeNull();

    await signIn(admin.token);
    await expect.poll(() => page.getByTestId('connection-state').textContent()).toBe('connected');
    expect(new URL(page.url()).pathname).toBe('/events');
    expect(await page.getByTestId('account-name').textContent()).toBe('ui admin');
    expect(await page.getByTestId('account-role').textContent()).toBe('admin');

    await revokeToken(test.platform.database.db, admin.info.token_id);
    // The Events page polls its automations every few seconds: the next poll is refused.
    await expect.poll(() => signInHeading().count()).toBe(1);
    expect(await page.getByTestId('login-notice').textContent()).toBe(
      `Your session ended: ${REVOKED_MESSAGE}. Sign in again.`,
    );
    expect(await storedToken()).toBeNull();
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    await page.screenshot({ path: screenshotPath('security-login-revoked'), fullPage: true });

    await page.reload();
    await expect.poll(() => signInHeading().count()).toBe(1);
    expect(await page.getByTestId('login-notice').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});

describe('with auth off (the loopback default) in a real browser', () => {
  let test: TestPlatform;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const calls: ApiCall[] = [];

  beforeAll(async () => {
    test = await openTestPlatform();
    server = await startServer(await buildApp(test.platform), test.platform);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    recordApiCalls(page, calls);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown('test over');
    await test?.dispose();
  });

  it('shows no login and no account, and sends no token', async () => {
    await page.goto(`${server.url}/events`);
    await expect.poll(() => page.getByTestId('connection-state').textContent()).toBe('connected');
    expect(await page.getByRole('heading', { name: 'Sign in' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    expect(await page.getByTestId('account').count()).toBe(0);
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.filter((call) => call.authorization !== undefined || call.accessToken !== null)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { launchBrowser } from '../helpers/browser.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';

/** The links the mlflow client prints, opened in a real browser, and the run page's inputs. */
describe('MLflow client links and run inputs in a real browser', () => {
  let test: TestPlatform;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let experimentId: string;
  let runId: string;
  const pageErrors: string[] = [];

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${server.url}/api/2.0/mlflow/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    test = await openTestPlatform();
    server = await startServer(await buildApp(test.platform), test.platform);
    experimentId = String((await post('experiments/create', { name: 'linked' })).experiment_id);
    runId = (
      (await post('runs/create', { experiment_id: experimentId, run_name: 'linked-run' })).run as {
        info: { run_id: string };
      }
    ).info.run_id;
    await post('runs/log-inputs', {
      run_id: runId,
      datasets: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: { name: 'ratings', digest: 'a1b2c3', source_type: 'code', source: '{}' },
        },
      ],
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown('test over');
    await test?.dispose();
  });

  it("opens our run page from the client's 'View run' link, with the run's datasets", async () => {
    await page.goto(`${server.url}/#/experiments/${experimentId}/runs/${runId}`);
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/runs/${runId}`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('linked-run');
    const inputs = page.getByTestId('inputs-table');
    await expect.poll(() => inputs.textContent()).toContain('ratings');
    expect(await inputs.textContent()).toContain('training');
    expect(await inputs.textContent()).toContain('a1b2c3');
    expect(pageErrors).toEqual([]);
  });

  it("opens the experiment's runs from 'View experiment', and /mlflow opens the runs page", async () => {
    await page.goto(`${server.url}/#/experiments/${experimentId}`);
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('experiment')).toBe(experimentId);
    expect(await page.getByTestId('run-row').textContent()).toContain('linked-run');
    await page.goto(`${server.url}/mlflow`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/runs');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Runs');
    expect(pageErrors).toEqual([]);
  });
});

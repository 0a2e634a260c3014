import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePipeline, InProcessExecutor, PipelineEngine } from '../../src/pipelines/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const demo = definePipeline({
  id: 'demo_pipeline',
  description: 'extract → (clean, enrich) → load',
  schedule: '0 6 * * *',
  tasks: [
    {
      id: 'extract',
      run: async ({ log }) => {
        log.info('extracted 42 rows');
        await wait(300);
        return 42;
      },
    },
    { id: 'clean', dependsOn: ['extract'], run: () => wait(300).then(() => 'clean') },
    { id: 'enrich', dependsOn: ['extract'], run: () => wait(1500).then(() => 'enriched') },
    { id: 'load', dependsOn: ['clean', 'enrich'], run: ({ conf }) => wait(200).then(() => conf) },
  ],
});

describe('pipeline pages in a real browser', () => {
  let test: TestPlatform;
  let engine: PipelineEngine;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    test = await openTestPlatform();
    engine = new PipelineEngine(test.platform, [demo], { logger: test.logger });
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

  it('triggers a run with conf and shows the graph with live task states, then the task log', async () => {
    await page.goto(`${server.url}/pipelines`);
    await expect.poll(() => page.getByTestId('pipeline-row').count()).toBe(1);
    await page.getByRole('link', { name: 'demo_pipeline' }).click();
    await page.waitForURL(/\/pipelines\/demo_pipeline$/);
    await expect.poll(() => page.getByTestId('dag-node').count()).toBe(4);

    await page.getByLabel('Run parameters (conf, JSON)').fill('{"target": "warehouse"}');
    await page.getByRole('button', { name: 'Trigger' }).click();
    await expect
      .poll(() => page.getByTestId('pipeline-message').textContent())
      .toMatch(/triggered run manual__/);
    // While enrich sleeps, the graph shows it running and what finished as success.
    await expect
      .poll(() => page.locator('[data-testid="dag-node"][data-state="running"]').count())
      .toBeGreaterThan(0);
    await page.screenshot({ path: screenshotPath('pipeline-running'), fullPage: true });
    await expect
      .poll(() => page.locator('[data-testid="dag-node"][data-state="success"]').count(), { timeout: 15_000 })
      .toBe(4);
    await expect.poll(() => page.getByTestId('run-row').first().textContent()).toContain('success');

    await page.locator('[data-testid="dag-node"]', { hasText: 'extract' }).click();
    await expect.poll(() => page.getByTestId('task-log').textContent()).toContain('INFO - extracted 42 rows');
    await page.screenshot({ path: screenshotPath('pipeline'), fullPage: true });
    const [run] = (await engine.runs('demo_pipeline')).runs;
    const load = (await engine.tasks(run?.run_id ?? '')).find((task) => task.task_id === 'load');
    expect(load?.output).toEqual({ target: 'warehouse' });
  });

  it('refuses bad conf in the form, pauses, and refuses a trigger while paused', async () => {
    await page.getByLabel('Run parameters (conf, JSON)').fill('{not json');
    await page.getByRole('button', { name: 'Trigger' }).click();
    await expect.poll(() => page.getByTestId('pipeline-message').textContent()).toContain('conf is not JSON');
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Unpause' }).count()).toBe(1);
    await page.getByLabel('Run parameters (conf, JSON)').fill('{}');
    await page.getByRole('button', { name: 'Trigger' }).click();
    await expect
      .poll(() => page.getByTestId('pipeline-message').textContent())
      .toContain('pipeline demo_pipeline is paused');
    await page.getByRole('button', { name: 'Unpause' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Pause' }).count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it('retries a task with what depends on it, then marks the run failed', async () => {
    const [run] = (await engine.runs('demo_pipeline')).runs;
    const runId = run?.run_id ?? '';
    await page.locator('[data-testid="dag-node"]', { hasText: 'clean' }).click();
    await page.getByRole('button', { name: 'Retry clean and downstream' }).click();
    await expect
      .poll(() => page.getByTestId('pipeline-message').textContent())
      .toContain('clean cleared: it runs again with what depends on it');
    await expect
      .poll(
        async () => (await engine.tasks(runId)).map((task) => [task.task_id, task.try_number, task.state]),
        {
          timeout: 15_000,
        },
      )
      .toEqual([
        ['extract', 1, 'success'],
        ['clean', 2, 'success'],
        ['enrich', 1, 'success'],
        ['load', 2, 'success'],
      ]);
    await expect.poll(() => page.getByTestId('run-row').first().textContent()).toContain('success');
    await expect.poll(() => page.getByTestId('task-log').textContent()).toContain('runs again as attempt 2');

    await page.getByRole('button', { name: 'Mark run failed' }).click();
    await expect
      .poll(() => page.getByTestId('pipeline-message').textContent())
      .toContain(`run ${runId} marked failed`);
    await expect.poll(() => page.getByTestId('run-row').first().textContent()).toContain('failed');
    expect((await engine.run(runId)).state).toBe('failed');
    await page.screenshot({ path: screenshotPath('pipeline-actions'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});

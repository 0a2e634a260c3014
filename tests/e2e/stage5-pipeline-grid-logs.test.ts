import { copyFileSync, mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePipeline, InProcessExecutor, PipelineEngine } from '../../src/pipelines/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { auditPage, elementsPastTheEdge, overflowPixels, VIEWPORTS } from '../helpers/page-audit.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';

// The talking task waits at each gate until the test opens it: its log must show lines meanwhile.
const gates: (() => void)[] = [];
const gate = () => new Promise<void>((resolve) => gates.push(resolve));
const openGate = async () => {
  await expect.poll(() => gates.length, { timeout: 15_000 }).toBeGreaterThan(0);
  gates.shift()?.();
};

const tail = definePipeline({
  id: 'tail_demo',
  description: 'prepare → talk → finish, with typed parameters',
  tasks: [
    { id: 'prepare', run: () => 'ready' },
    {
      id: 'talk',
      dependsOn: ['prepare'],
      run: async ({ log, conf }) => {
        log.info(`training ${String(conf.algorithm)} on ${String(conf.rows)} rows`);
        await gate();
        log.info('halfway there');
        await gate();
        log.warn('almost done');
        return conf;
      },
    },
    { id: 'finish', dependsOn: ['talk'], run: ({ conf }) => conf },
  ],
  conf: z
    .object({
      algorithm: z.enum(['als', 'bpr', 'ease']).default('als'),
      rows: z.number().int().min(1).max(100).default(3),
      fast: z.boolean().default(false),
    })
    .strict(),
});

const SHOTS = '/tmp/shots-pipelines';
async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: screenshotPath(name), fullPage: true });
  mkdirSync(SHOTS, { recursive: true });
  copyFileSync(screenshotPath(name), `${SHOTS}/${name}.png`);
}

describe('pipeline grid, Gantt, trigger form and live logs in a real browser', () => {
  let test: TestPlatform;
  let engine: PipelineEngine;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let audit: { take(): string[] };

  beforeAll(async () => {
    test = await openTestPlatform();
    engine = new PipelineEngine(test.platform, [tail], { logger: test.logger });
    engine.setExecutor(new InProcessExecutor(engine, 2));
    await engine.register();
    server = await startServer(
      await buildApp(test.platform, { pipelines: { engine, executor: 'in_process' } }),
      test.platform,
    );
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    audit = auditPage(page);
  });
  afterAll(async () => {
    for (const release of gates.splice(0)) release();
    await browser?.close();
    await engine?.stop();
    await server?.shutdown('test over');
    await test?.dispose();
  });

  it('triggers from the list with a form generated from the parameters, sending typed conf', async () => {
    await page.goto(`${server.url}/pipelines`);
    await expect.poll(() => page.getByTestId('pipeline-row').count()).toBe(1);
    await page.getByRole('button', { name: 'Trigger tail_demo' }).click();
    const form = page.getByTestId('trigger-form');
    await form.getByLabel('algorithm').waitFor();
    // The allowed values and the defaults come from the pipeline's conf schema.
    expect(await form.getByLabel('algorithm').locator('option').allTextContents()).toEqual([
      'als',
      'bpr',
      'ease',
    ]);
    expect(await form.getByLabel('algorithm').inputValue()).toBe('als');
    expect(await form.getByLabel('rows').inputValue()).toBe('3');
    await form.getByLabel('algorithm').selectOption('ease');
    await form.getByLabel('rows').fill('7');
    await form.getByLabel('fast').check();
    await shoot(page, 'pipelines-trigger-form-desktop');
    await form.getByRole('button', { name: 'Trigger' }).click();
    await expect
      .poll(() => page.getByTestId('pipelines-message').textContent())
      .toMatch(/triggered tail_demo/);
    const [run] = (await engine.runs('tail_demo')).runs;
    expect(run?.conf).toEqual({ algorithm: 'ease', rows: 7, fast: true });
    // The row's small grid shows the run's three tasks.
    await expect.poll(() => page.getByTestId('grid-cell').count()).toBe(3);
  });

  it('tails the running task log line by line, each line with its own time', async () => {
    await page.getByRole('link', { name: 'tail_demo' }).click();
    await page.waitForURL(/\/pipelines\/tail_demo$/);
    await expect.poll(() => page.locator('[data-testid="grid-cell"][data-state="running"]').count()).toBe(1);
    await page.locator('[data-testid="grid-cell"][data-state="running"]').click();
    const lines = page.getByTestId('log-line');
    await expect.poll(() => page.getByTestId('task-log').textContent()).toContain('training ease on 7 rows');
    await expect.poll(() => page.getByTestId('log-live').count()).toBe(1);
    const [run] = (await engine.runs('tail_demo')).runs;
    const runId = run?.run_id ?? '';
    const talk = async () => (await engine.tasks(runId)).find((task) => task.task_id === 'talk');
    expect((await talk())?.state).toBe('running');

    await openGate();
    await expect.poll(() => page.getByTestId('task-log').textContent()).toContain('halfway there');
    // Still running: the second line arrived while the task went on, not at its end.
    expect((await talk())?.state).toBe('running');
    await shoot(page, 'pipeline-live-log-desktop');
    await openGate();
    await expect.poll(() => page.getByTestId('task-log').textContent()).toContain('WARNING - almost done');
    const times = await lines
      .locator('time')
      .evaluateAll((elements) => elements.map((element) => element.getAttribute('datetime')));
    const texts = await lines.allTextContents();
    const timeOf = (text: string) => times[texts.findIndex((line) => line.includes(text))];
    expect(timeOf('training ease')).not.toBe(timeOf('halfway there'));
    expect(timeOf('halfway there')).not.toBe(timeOf('almost done'));
    expect(new Set(times).size).toBeGreaterThanOrEqual(3);

    await expect
      .poll(() => page.locator('[data-testid="grid-cell"][data-state="success"]').count(), {
        timeout: 15_000,
      })
      .toBe(3);
    await expect.poll(() => page.getByTestId('log-live').count()).toBe(0);
    // The Gantt chart has one bar per task of the run.
    await expect.poll(() => page.getByTestId('gantt-bar').count()).toBe(3);
    await shoot(page, 'pipeline-grid-gantt-desktop');
  });

  it('retries a task into a second try, shown in its own tab', async () => {
    const [run] = (await engine.runs('tail_demo')).runs;
    await page.locator('[data-testid="dag-node"]', { hasText: 'finish' }).click();
    await page.getByRole('button', { name: 'Retry finish and downstream' }).click();
    await expect.poll(() => page.getByTestId('try-tab').count(), { timeout: 15_000 }).toBe(2);
    await expect.poll(() => page.getByTestId('task-log').textContent()).toContain('runs again as attempt 2');
    await page.getByRole('tab', { name: 'Try 1' }).click();
    await expect.poll(() => page.getByTestId('task-log').textContent()).toContain('attempt 1 of 1');
    await expect
      .poll(async () => (await engine.tasks(run?.run_id ?? '')).map((task) => task.state), {
        timeout: 15_000,
      })
      .toEqual(['success', 'success', 'success']);
    await page.getByRole('button', { name: 'Mark failed' }).click();
    await expect
      .poll(() => page.getByTestId('pipeline-message').textContent())
      .toContain('finish marked failed');
    await expect.poll(() => page.locator('[data-testid="grid-cell"][data-state="failed"]').count()).toBe(1);
    expect(audit.take()).toEqual([]);
  });

  it('pauses and unpauses from the list row', async () => {
    await page.goto(`${server.url}/pipelines`);
    await page.getByRole('button', { name: 'Pause tail_demo' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Unpause tail_demo' }).count()).toBe(1);
    expect(await engine.isPaused('tail_demo')).toBe(true);
    await page.getByRole('button', { name: 'Unpause tail_demo' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Pause tail_demo' }).count()).toBe(1);
    expect(await engine.isPaused('tail_demo')).toBe(false);
    expect(audit.take()).toEqual([]);
  });

  it('says an unknown pipeline is unknown, without a failed request or polling', async () => {
    await page.goto(`${server.url}/pipelines/no_such_pipeline`);
    await expect.poll(() => page.getByTestId('pipeline-missing').textContent()).toContain('No such pipeline');
    await page.waitForTimeout(3500);
    // Known from the list of pipelines: no 404 asked for, let alone polled.
    expect(audit.take()).toEqual([]);
    await shoot(page, 'pipeline-unknown-desktop');
  });

  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    it(`fits ${size} (${viewport.width}×${viewport.height}) with no console error`, async () => {
      const other = await browser.newPage({ viewport });
      const seen = auditPage(other);
      try {
        for (const [path, name] of [
          ['/pipelines', 'pipelines'],
          ['/pipelines/tail_demo', 'pipeline'],
        ] as const) {
          await other.goto(`${server.url}${path}`);
          await other.getByTestId('run-grid').first().waitFor({ timeout: 10_000 });
          if (name === 'pipeline') {
            await other.locator('[data-testid="grid-cell"]').last().click();
            await other.getByTestId('task-log').waitFor();
            await other.getByTestId('gantt-bar').first().waitFor();
          }
          await other.waitForTimeout(800);
          await shoot(other, `${name}-grid-${size}`);
          expect(await overflowPixels(other), (await elementsPastTheEdge(other)).join(', ')).toBe(0);
        }
        expect(seen.take()).toEqual([]);
      } finally {
        await other.close();
      }
    });
  }
});

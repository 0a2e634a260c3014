import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/index.js';
import { trainModel } from '../../src/models/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { promote } from '../../src/tracking/index.js';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { auditPage, elementsPastTheEdge, overflowPixels, VIEWPORTS } from '../helpers/page-audit.js';
import { contextOf, openTestPlatform, publishSynthetic, type TestPlatform } from '../helpers/platform.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const LOSS = [0.9, 0.7, 0.55, 0.45, 0.4, 0.37, 0.35];

interface Session {
  context: BrowserContext;
  page: Page;
  audit: ReturnType<typeof auditPage>;
}

/**
 * The MLflow-style pages of issue #22 in Chromium at 1440×900 and 390×844, on a token-protected server:
 * the run page (overview, note, charts, artifacts, register model), the runs table (sort, columns, filter
 * completion, status and time filters, CSV, delete/restore), compare (only differences, scatter) and the
 * model version page (source run, dataset, champion, description, aliases for admins only).
 */
describe('run, runs, compare and model version pages at both sizes', () => {
  let test: TestPlatform;
  let server: RunningServer;
  let browser: Browser;
  let adminToken: string;
  let editorToken: string;
  let admin: Session;
  let phone: Session;
  let editor: Session;
  let experimentId: string;
  const runIds: Record<string, string> = {};

  const api = async (method: string, path: string, body?: unknown, token = adminToken) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      body: (await response.json().catch(() => ({}))) as Record<string, unknown>,
    };
  };
  const mlflow = async (path: string, body: unknown) => {
    const answer = await api('POST', `/api/2.0/mlflow/${path}`, body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  };
  const upload = async (artifactUri: string, path: string, content: string | Buffer, type: string) => {
    const response = await fetch(
      `${server.url}/api/2.0/mlflow-artifacts/artifacts/${artifactUri.replace(/^mlflow-artifacts:\/+/, '')}/${path}`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': type },
        body: content,
      },
    );
    expect(response.status).toBe(200);
  };
  const open = async (token: string, viewport: { width: number; height: number }): Promise<Session> => {
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    await context.addInitScript(`localStorage.setItem('mlops.token', ${JSON.stringify(token)})`);
    const page = await context.newPage();
    return { context, page, audit: auditPage(page) };
  };
  const fits = async (session: Session, name: string) => {
    await session.page.screenshot({ path: screenshotPath(name), fullPage: true });
    // Wide tables scroll inside their own frame; the page itself never gets wider than the screen.
    const overflow = await overflowPixels(session.page);
    expect(overflow === 0 ? [] : await elementsPastTheEdge(session.page)).toEqual([]);
    expect(overflow).toBe(0);
    expect(session.audit.take()).toEqual([]);
  };
  /** No link on the page opens a raw API answer (downloads carry `download`). */
  const apiLinks = (page: Page) =>
    page.evaluate<string[]>(
      "[...document.querySelectorAll('a[href]:not([download])')].map((a) => a.getAttribute('href')).filter((href) => /\\/api\\/|\\.json$/.test(href))",
    );
  const rowNames = (page: Page) =>
    page.getByTestId('run-row').evaluateAll((rows) => rows.map((row) => row.children[1]?.textContent ?? ''));

  beforeAll(async () => {
    test = await openTestPlatform({ MLOPS_AUTH: 'on', MLOPS_RATE_LIMIT_PER_MINUTE: '0' });
    const context = contextOf(test.platform);
    await publishSynthetic(test.platform, {
      users: 100,
      movies: 60,
      interactions: 2000,
      seed: 22,
      days: 30,
      endDate: new Date().toISOString().slice(0, 10),
    });
    await trainModel(context, { algorithm: 'popularity' });
    await promote(context.db, 'movie_predictor', '1', { actor: 'test', reason: 'first model' });
    await trainModel(context, { algorithm: 'als', hyperparameters: { factors: 8, iterations: 3 } });
    const db = test.platform.database.db;
    adminToken = (await createToken(db, { name: 'ui admin', role: 'admin', createdBy: 'test' })).token;
    editorToken = (await createToken(db, { name: 'ui editor', role: 'editor', createdBy: 'test' })).token;
    server = await startServer(await buildApp(test.platform), test.platform);

    experimentId = String((await mlflow('experiments/create', { name: 'ui-runs' })).experiment_id);
    const now = Date.now();
    const specs = [
      { name: 'alpha', lr: '0.1', ndcg: 0.3, status: 'FINISHED', start: now - 60_000 },
      { name: 'beta', lr: '0.01', ndcg: 0.1, status: 'FINISHED', start: now - 50_000 },
      { name: 'gamma', lr: '0.05', ndcg: 0.2, status: 'FAILED', start: now - 40_000 },
      { name: 'delta', lr: '0.2', ndcg: 0.25, status: 'FINISHED', start: now - 3 * 86_400_000 },
    ];
    for (const spec of specs) {
      const { run } = (await mlflow('runs/create', {
        experiment_id: experimentId,
        run_name: spec.name,
        start_time: spec.start,
        tags: [{ key: 'team', value: 'recs' }],
      })) as { run: { info: { run_id: string; artifact_uri: string } } };
      runIds[spec.name] = run.info.run_id;
      await mlflow('runs/log-batch', {
        run_id: run.info.run_id,
        params: [
          { key: 'lr', value: spec.lr },
          { key: 'optimizer', value: 'adam' },
        ],
        metrics: [
          { key: 'ndcg_at_10', value: spec.ndcg, timestamp: spec.start + 1000, step: 0 },
          ...(spec.name === 'alpha'
            ? LOSS.map((value, step) => ({ key: 'loss', value, timestamp: spec.start + step * 5000, step }))
            : []),
        ],
      });
      await mlflow('runs/update', {
        run_id: run.info.run_id,
        status: spec.status,
        end_time: spec.start + 35_000,
      });
      if (spec.name !== 'alpha') continue;
      await upload(
        run.info.artifact_uri,
        'report.json',
        '{"accuracy":0.9,"classes":["a","b"]}',
        'application/json',
      );
      await upload(run.info.artifact_uri, 'notes.txt', 'trained on the small set', 'text/plain');
      await upload(
        run.info.artifact_uri,
        'data/sample.csv',
        'user,movie,score\n1,10,0.5\n2,"20,b",0.25\n3,30,1\n',
        'text/csv',
      );
      await upload(run.info.artifact_uri, 'plot.png', PNG, 'image/png');
      await upload(run.info.artifact_uri, 'model/MLmodel', 'flavors: {}\n', 'text/plain');
      await mlflow('runs/log-inputs', {
        run_id: run.info.run_id,
        datasets: [
          {
            tags: [{ key: 'mlflow.data.context', value: 'training' }],
            dataset: { name: 'ratings-sample', digest: 'd1g3st', source_type: 'code', source: '{}' },
          },
        ],
      });
    }

    browser = await launchBrowser();
    admin = await open(adminToken, VIEWPORTS.desktop);
    phone = await open(adminToken, VIEWPORTS.phone);
    editor = await open(editorToken, VIEWPORTS.desktop);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown('test over');
    await test?.dispose();
  });

  it('run page: overview, a chart of every point with time axis, smoothing and log scale, and a note kept over a reload', async () => {
    const { page } = admin;
    await page.goto(`${server.url}/runs/${runIds.alpha}`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('alpha');
    const overview = page.getByTestId('run-overview');
    expect(await overview.textContent()).toContain('finished');
    expect(await page.getByTestId('run-duration').textContent()).toBe('35.0 s');
    expect(await page.getByTestId('params-table').textContent()).toContain('lr');
    expect(await page.getByTestId('tags-table').textContent()).toContain('team');
    expect(await page.getByTestId('inputs-table').textContent()).toContain('ratings-sample');

    const chart = page.getByTestId('metric-chart-loss');
    await expect.poll(() => chart.locator('circle').count()).toBe(LOSS.length);
    expect(await chart.locator('svg').getAttribute('data-points')).toBe(String(LOSS.length));
    expect(await chart.locator('figcaption').textContent()).toContain('loss by step');
    // A single-point metric is in the table, not charted.
    expect(await page.getByTestId('metric-chart-ndcg_at_10').count()).toBe(0);
    const stepPath = await chart.locator('path.chart-line').getAttribute('d');

    await page.getByRole('button', { name: 'Time', exact: true }).click();
    await expect.poll(() => chart.locator('figcaption').textContent()).toContain('loss by time');
    await page.getByLabel('Log scale').check();
    await expect.poll(() => chart.locator('figcaption').textContent()).toContain('log scale');
    expect(await chart.locator('circle').count()).toBe(LOSS.length);
    expect(await chart.locator('path.chart-line-raw').count()).toBe(0);
    const slider = page.getByRole('slider');
    await slider.focus();
    for (let i = 0; i < 60; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => chart.locator('path.chart-line-raw').count()).toBe(1);
    expect(await chart.locator('path.chart-line:not(.chart-line-raw)').getAttribute('d')).not.toBe(stepPath);

    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByLabel('Note', { exact: true }).fill('Best loss so far; try a lower lr.');
    await page.getByRole('button', { name: 'Save note' }).click();
    await expect
      .poll(() => page.getByTestId('note-text').textContent())
      .toBe('Best loss so far; try a lower lr.');
    await page.reload();
    await expect
      .poll(() => page.getByTestId('note-text').textContent())
      .toBe('Best loss so far; try a lower lr.');
    // The note is the MLflow tag, so the MLflow client sees it too; it is not listed among the tags.
    const stored = await api('GET', `/api/2.0/mlflow/runs/get?run_id=${runIds.alpha}`);
    const tags = (stored.body.run as { data: { tags: { key: string; value: string }[] } }).data.tags;
    expect(tags.find((tag) => tag.key === 'mlflow.note.content')?.value).toBe(
      'Best loss so far; try a lower lr.',
    );
    expect(await page.getByTestId('tags-table').textContent()).not.toContain('mlflow.note.content');
    expect(await apiLinks(page)).toEqual([]);
    await fits(admin, 'stage6-run-page-desktop');

    await phone.page.goto(`${server.url}/runs/${runIds.alpha}`);
    await expect
      .poll(() => phone.page.getByTestId('metric-chart-loss').locator('circle').count())
      .toBe(LOSS.length);
    await fits(phone, 'stage6-run-page-phone');
  });

  it('run page: artifacts previewed as JSON, CSV table, text and image, and downloaded', async () => {
    const { page } = admin;
    await page.goto(`${server.url}/runs/${runIds.alpha}`);
    const tree = page.getByTestId('artifact-tree');
    const preview = page.getByTestId('artifact-preview');
    await tree.getByRole('button', { name: 'report.json' }).click();
    await expect.poll(() => preview.locator('pre').textContent()).toContain('"accuracy": 0.9');
    await tree.getByRole('button', { name: 'notes.txt' }).click();
    await expect.poll(() => preview.locator('pre').textContent()).toBe('trained on the small set');
    await tree.getByRole('button', { name: 'data/' }).click();
    await tree.getByRole('button', { name: 'sample.csv' }).click();
    const table = page.getByTestId('csv-preview');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);
    expect(await table.locator('thead th').allTextContents()).toEqual(['user', 'movie', 'score']);
    expect(await table.locator('tbody tr').nth(1).locator('td').allTextContents()).toEqual([
      '2',
      '20,b',
      '0.25',
    ]);
    const downloading = page.waitForEvent('download');
    await preview.getByRole('link', { name: 'Download' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('sample.csv');
    expect(readFileSync(await download.path(), 'utf8')).toContain('2,"20,b",0.25');
    await tree.getByRole('button', { name: 'plot.png' }).click();
    await expect.poll(() => preview.locator('img').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    await expect
      .poll(() =>
        preview.locator('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      )
      .toBe(1);
    await fits(admin, 'stage6-run-artifacts-desktop');

    await phone.page.goto(`${server.url}/runs/${runIds.alpha}`);
    await phone.page.getByTestId('artifact-tree').getByRole('button', { name: 'report.json' }).click();
    await expect.poll(() => phone.page.getByTestId('artifact-preview').locator('pre').count()).toBe(1);
    await fits(phone, 'stage6-run-artifacts-phone');
  });

  it('run page: an editor registers a model from the run and lands on its version page', async () => {
    const { page } = editor;
    await page.goto(`${server.url}/runs/${runIds.alpha}`);
    await page.getByRole('button', { name: 'Register model' }).click();
    await page.getByLabel('Model name').fill('ui-model');
    await page.getByLabel('Artifact folder').fill('model');
    await page.getByRole('button', { name: 'Register', exact: true }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/models/ui-model/versions/1');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('ui-model v1');
    expect(await page.getByTestId('source-run').getAttribute('href')).toBe(`/runs/${runIds.alpha}`);
    await page.getByTestId('source-run').click();
    await expect.poll(() => page.getByTestId('run-versions').textContent()).toContain('ui-model v1');
    expect(editor.audit.take()).toEqual([]);
  });

  it('runs table: sorting, a chosen column, name completion, status and time filters, CSV of what is shown', async () => {
    const { page } = admin;
    await page.evaluate("localStorage.removeItem('mlops.runs.columns')");
    await page.goto(`${server.url}/runs?experiment=${experimentId}`);
    await expect.poll(() => rowNames(page)).toEqual(['gamma', 'beta', 'alpha', 'delta']);
    const table = page.getByTestId('runs-table');
    await table.getByRole('button', { name: /ndcg_at_10/ }).click();
    await expect.poll(() => rowNames(page)).toEqual(['alpha', 'delta', 'gamma', 'beta']);
    await table.getByRole('button', { name: /ndcg_at_10/ }).click();
    await expect.poll(() => rowNames(page)).toEqual(['beta', 'gamma', 'delta', 'alpha']);
    expect(await page.locator('th[aria-sort=ascending]').textContent()).toContain('ndcg_at_10');
    await table.getByRole('button', { name: /^Run/ }).click();
    await expect.poll(() => rowNames(page)).toEqual(['gamma', 'delta', 'beta', 'alpha']);

    await page.getByText('Columns (').click();
    const chooser = page.getByTestId('column-chooser');
    expect(await chooser.textContent()).toContain('team');
    await chooser.getByLabel('lr', { exact: true }).check();
    await expect.poll(() => table.locator('thead th').allTextContents()).toContain('lr ');
    await page.getByText('Columns (').click();

    const filter = page.getByLabel('Filter');
    await filter.fill('metrics.nd');
    await page.getByRole('button', { name: 'metrics.ndcg_at_10' }).click();
    expect(await filter.inputValue()).toBe('metrics.ndcg_at_10');
    await filter.press('End');
    await filter.pressSequentially(' > 0.15');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(3);
    await page.getByLabel('Status').selectOption('FAILED');
    await expect.poll(() => rowNames(page)).toEqual(['gamma']);
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Started').selectOption('24h');
    await expect.poll(() => rowNames(page)).toEqual(['gamma', 'alpha']);
    expect(new URL(page.url()).searchParams.get('since')).toBe('24h');

    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV' }).click();
    const download = await downloading;
    const lines = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('run_name,run_id,status,start_time,duration_seconds,metrics.ndcg_at_10,params.lr');
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(['gamma', 'alpha']);
    expect(lines[1]).toContain(`${runIds.gamma},FAILED,`);
    expect(await apiLinks(page)).toEqual([]);
    await fits(admin, 'stage6-runs-desktop');

    await phone.page.goto(`${server.url}/runs?experiment=${experimentId}`);
    await expect.poll(() => phone.page.getByTestId('run-row').count()).toBe(4);
    await fits(phone, 'stage6-runs-phone');
  });

  it('runs table: an admin deletes a run and restores it; an editor has no delete', async () => {
    const { page } = admin;
    await page.goto(`${server.url}/runs?experiment=${experimentId}`);
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(4);
    await page.getByLabel('Select delta').check();
    await page.getByRole('button', { name: 'Delete (1)' }).click();
    await expect.poll(() => page.getByTestId('runs-notice').textContent()).toBe('Deleted 1 run.');
    await expect.poll(() => rowNames(page)).not.toContain('delta');
    await page.getByLabel('Show').selectOption('deleted');
    await expect.poll(() => rowNames(page)).toEqual(['delta']);
    await page.getByLabel('Select delta').check();
    await page.getByRole('button', { name: 'Restore (1)' }).click();
    await expect.poll(() => page.getByTestId('runs-notice').textContent()).toBe('Restored 1 run.');
    await page.getByLabel('Show').selectOption('active');
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(4);
    expect(admin.audit.take()).toEqual([]);

    await editor.page.goto(`${server.url}/runs?experiment=${experimentId}`);
    await expect.poll(() => editor.page.getByTestId('run-row').count()).toBe(4);
    expect(await editor.page.getByRole('button', { name: /^Delete/ }).count()).toBe(0);
    expect(editor.audit.take()).toEqual([]);
  });

  it('compare: only differences hides equal rows; a scatter of two chosen numbers across the runs', async () => {
    const { page } = admin;
    await page.goto(`${server.url}/runs/compare?ids=${runIds.alpha},${runIds.beta},${runIds.gamma}`);
    const params = page.getByTestId('params-table');
    await expect.poll(() => params.locator('tbody tr').count()).toBe(2);
    expect(await params.textContent()).toContain('optimizer');
    await page.getByLabel('Only differences').check();
    await expect.poll(() => params.locator('tbody tr').count()).toBe(1);
    expect(await params.textContent()).not.toContain('optimizer');
    await page.getByLabel('X axis').selectOption('params.lr');
    await page.getByLabel('Y axis').selectOption('metrics.ndcg_at_10');
    const scatter = page.getByTestId('scatter-plot');
    await expect
      .poll(() => scatter.locator('figcaption').textContent())
      .toBe('metrics.ndcg_at_10 against params.lr');
    expect(await scatter.locator('circle').count()).toBe(3);
    expect(await scatter.locator('svg').textContent()).toContain('gamma');
    expect(await apiLinks(page)).toEqual([]);
    await fits(admin, 'stage6-compare-desktop');

    await phone.page.goto(`${server.url}/runs/compare?ids=${runIds.alpha},${runIds.beta},${runIds.gamma}`);
    await expect.poll(() => phone.page.getByTestId('scatter-plot').locator('circle').count()).toBe(3);
    await fits(phone, 'stage6-compare-phone');
  });

  it('models: v1/v2 open version pages, datasets open the dataset; the version page compares with the champion', async () => {
    const { page } = admin;
    await page.goto(`${server.url}/models/movie_predictor`);
    await expect.poll(() => page.getByTestId('version-row').count()).toBe(2);
    expect(await apiLinks(page)).toEqual([]);
    const datasetHref = await page
      .getByTestId('version-row')
      .first()
      .locator('a[href^="/datasets/"]')
      .getAttribute('href');
    expect(datasetHref).toMatch(/^\/datasets\/.+/);
    await page.getByRole('link', { name: 'v2', exact: true }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/models/movie_predictor/versions/2');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('movie_predictor v2');
    const champion = page.getByTestId('champion-table');
    await expect.poll(() => champion.locator('thead').textContent()).toContain('Champion (v1)');
    expect(await champion.textContent()).toContain('ndcg_at_10');
    expect(await champion.locator('tbody tr').first().locator('td').nth(2).textContent()).not.toBe('—');
    expect(await page.getByTestId('version-tags').textContent()).toContain('algorithm');
    expect(await apiLinks(page)).toEqual([]);

    await page.getByRole('button', { name: 'Edit description' }).click();
    await page
      .getByTestId('version-description')
      .locator('textarea')
      .fill('ALS with 8 factors, candidate for Friday.');
    await page.getByRole('button', { name: 'Save description' }).click();
    await expect
      .poll(() => page.getByTestId('description-text').textContent())
      .toBe('ALS with 8 factors, candidate for Friday.');
    await page.reload();
    await expect
      .poll(() => page.getByTestId('description-text').textContent())
      .toBe('ALS with 8 factors, candidate for Friday.');
    await page.getByLabel('New alias').fill('challenger');
    await page.getByRole('button', { name: 'Set alias' }).click();
    await expect.poll(() => page.getByTestId('version-aliases').textContent()).toContain('challenger');
    await fits(admin, 'stage6-model-version-desktop');

    await page.getByTestId('version-dataset').click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(datasetHref);
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .not.toBe('Dataset version');
    expect(admin.audit.take()).toEqual([]);

    await phone.page.goto(`${server.url}/models/movie_predictor/versions/2`);
    await expect
      .poll(() => phone.page.getByTestId('champion-table').locator('tbody tr').count())
      .toBeGreaterThan(2);
    await fits(phone, 'stage6-model-version-phone');
    await phone.page.goto(`${server.url}/models/movie_predictor`);
    await expect.poll(() => phone.page.getByTestId('version-row').count()).toBe(2);
    await fits(phone, 'stage6-models-phone');
  });

  it('aliases: a non-admin sees no alias controls, and the server refuses the change', async () => {
    const { page } = editor;
    await page.goto(`${server.url}/models/movie_predictor/versions/2`);
    await expect.poll(() => page.getByTestId('version-aliases').textContent()).toContain('challenger');
    expect(await page.getByTestId('alias-admin-only').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Set alias' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Remove alias/ }).count()).toBe(0);
    // The editor still edits the description.
    expect(await page.getByRole('button', { name: 'Edit description' }).count()).toBe(1);
    expect(editor.audit.take()).toEqual([]);
    const refused = await api(
      'POST',
      '/api/2.0/mlflow/registered-models/alias',
      { name: 'movie_predictor', alias: 'champion', version: '2' },
      editorToken,
    );
    expect(refused.status).toBe(403);
    const model = await api('GET', '/api/2.0/mlflow/registered-models/get?name=movie_predictor');
    const aliases = (model.body.registered_model as { aliases: { alias: string; version: string }[] })
      .aliases;
    expect(aliases.find((alias) => alias.alias === 'champion')?.version).toBe('1');

    // The admin removes the alias again.
    await admin.page.goto(`${server.url}/models/movie_predictor/versions/2`);
    await admin.page.getByRole('button', { name: 'Remove alias challenger' }).click();
    await expect
      .poll(() => admin.page.getByTestId('version-notice').textContent())
      .toBe('Alias challenger removed.');
    await expect
      .poll(() => admin.page.getByTestId('version-aliases').textContent())
      .not.toContain('challenger');
    expect(admin.audit.take()).toEqual([]);
  });
});

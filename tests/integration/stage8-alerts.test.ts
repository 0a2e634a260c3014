import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertManager, type AlertRule } from '../../src/monitoring/index.js';
import { failedRunsSince } from '../../src/pipelines/index.js';
import { buildApp } from '../../src/server/index.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';

interface Received {
  text: string;
  attachments: { color: string; fields: { title: string; value: string }[] }[];
  alert: { name: string; status: string };
}

let test: TestPlatform;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let failuresToSend = 0;

beforeAll(async () => {
  test = await openTestPlatform();
  // A local Slack-style receiver that fails the first `failuresToSend` posts with a 500.
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      if (failuresToSend > 0) {
        failuresToSend -= 1;
        response.writeHead(500).end('busy');
        return;
      }
      received.push(JSON.parse(body) as Received);
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
});

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  await test?.dispose();
});

describe('in-process alerting', () => {
  it('records a firing alert and its resolution, delivering both to the webhook through retries', async () => {
    let isBroken = true;
    const rule: AlertRule = {
      name: 'TestAlert',
      severity: 'critical',
      summary: 'Something is broken',
      runbook: 'docs/runbook.md#high-error-ratio',
      evaluate: async () => ({
        isFiring: isBroken,
        value: isBroken ? 1 : 0,
        description: isBroken ? 'broken' : 'fine',
      }),
    };
    const manager = new AlertManager({
      db: test.platform.database.db,
      metrics: test.platform.metrics,
      logger: test.logger,
      isServing: false,
      webhookUrl: receiverUrl,
      runbookBaseUrl: 'https://example.test/repo/blob/main',
      rules: [rule],
      retryDelayMs: 20,
    });
    failuresToSend = 2;
    const fired = await manager.evaluate();
    expect(fired.map((change) => [change.name, change.status])).toEqual([['TestAlert', 'firing']]);
    expect(received).toHaveLength(1);
    expect(received[0]?.text).toContain('FIRING TestAlert: Something is broken');
    expect(received[0]?.attachments[0]?.color).toBe('danger');
    expect(received[0]?.attachments[0]?.fields.find((field) => field.title === 'runbook')?.value).toBe(
      'https://example.test/repo/blob/main/docs/runbook.md#high-error-ratio',
    );

    // Still firing: nothing new is recorded or sent.
    expect(await manager.evaluate()).toEqual([]);
    expect(received).toHaveLength(1);

    isBroken = false;
    const resolved = await manager.evaluate();
    expect(resolved.map((change) => change.status)).toEqual(['resolved']);
    expect(received.at(-1)?.alert).toMatchObject({ name: 'TestAlert', status: 'resolved' });
    expect(received.at(-1)?.attachments[0]?.color).toBe('good');

    const metrics = await test.platform.metrics.registry.metrics();
    expect(metrics).toMatch(/mlops_alert_notifications_total\{result="delivered"\} 2/);
    expect(metrics).toMatch(/mlops_alerts_firing_info\{alert="TestAlert"\} 0/);
  });

  it('gives up after the last retry and keeps the alert marked undelivered', async () => {
    const manager = new AlertManager({
      db: test.platform.database.db,
      metrics: test.platform.metrics,
      logger: test.logger,
      isServing: false,
      webhookUrl: receiverUrl,
      rules: [
        {
          name: 'Unheard',
          severity: 'warning',
          summary: 'Nobody listens',
          runbook: 'docs/runbook.md#data-drift',
          evaluate: async () => ({ isFiring: true, value: 1, description: 'x' }),
        },
      ],
      attempts: 3,
      retryDelayMs: 10,
    });
    failuresToSend = 3;
    await manager.evaluate();
    const app = await buildApp(test.platform);
    try {
      const history = (await app.inject({ url: '/api/v1/monitoring/alerts' })).json();
      expect(history.firing.map((alert: { name: string }) => alert.name)).toEqual(['Unheard']);
      expect(history.firing[0].notified).toBe(false);
      expect(
        history.alerts.map((alert: { name: string; status: string }) => `${alert.name}:${alert.status}`),
      ).toEqual(expect.arrayContaining(['TestAlert:resolved', 'Unheard:firing']));
    } finally {
      await app.close();
    }
    expect(await test.platform.metrics.registry.metrics()).toMatch(
      /mlops_alert_notifications_total\{result="failed"\} 1/,
    );
  });

  it('the built-in rules fire on a failed pipeline run and on dataset drift', async () => {
    const db = test.platform.database.db;
    await db
      .insertInto('pipeline_runs')
      .values({
        run_id: 'r1',
        pipeline_id: 'movie_feature_pipeline',
        state: 'failed',
        run_type: 'manual',
        conf: '{}',
        note: null,
        logical_date: new Date(),
        start_date: new Date(),
        end_date: new Date(),
      })
      .execute();
    test.platform.metrics.datasetDrift.set(0.6);
    test.platform.metrics.featureDrifted.set({ feature: 'primary_genre' }, 1);
    const manager = new AlertManager({
      db,
      metrics: test.platform.metrics,
      logger: test.logger,
      isServing: true,
      failedRuns: (since) => failedRunsSince(db, since),
    });
    // No model at first is only pending: a start loads it within seconds (the rule's `for` is 2 minutes).
    const first = await manager.evaluate(new Date());
    expect(first.map((change) => change.name)).not.toContain('MlopsNoModelLoaded');
    const changes = [...first, ...(await manager.evaluate(new Date(Date.now() + 121_000)))];
    const names = changes.map((change) => change.name);
    expect(names).toEqual(
      expect.arrayContaining(['MlopsPipelineFailed', 'MlopsDataDriftDetected', 'MlopsNoModelLoaded']),
    );
    expect(names).not.toContain('MlopsHighErrorRatio');
    expect(changes.find((change) => change.name === 'MlopsPipelineFailed')?.description).toContain(
      'movie_feature_pipeline (r1)',
    );
    expect(changes.find((change) => change.name === 'MlopsDataDriftDetected')?.description).toContain(
      'primary_genre',
    );
  });
});

import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertManager } from '../../src/monitoring/index.js';
import { buildApp } from '../../src/server/index.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';

let test: TestPlatform;
let receiver: Server;
let receiverUrl: string;
const received: { alert: { name: string; status: string } }[] = [];
let app: Awaited<ReturnType<typeof buildApp>>;

beforeAll(async () => {
  test = await openTestPlatform();
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push(JSON.parse(body));
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  app = await buildApp(test.platform);
});

afterAll(async () => {
  await app?.close();
  await new Promise((resolve) => receiver.close(resolve));
  await test?.dispose();
});

interface RuleState {
  name: string;
  state: string;
  expression: string;
  threshold: string;
  value: number;
  runbook: string;
  is_silenced: boolean;
}

describe('alert rules, their state and silences', () => {
  it('lists every built-in rule with its expression, threshold, value and state', async () => {
    const answer = await app.inject({ url: '/api/v1/monitoring/alert-rules' });
    expect(answer.statusCode).toBe(200);
    const rules = answer.json().rules as RuleState[];
    expect(rules.map((rule) => rule.name)).toEqual(
      expect.arrayContaining(['MlopsHighErrorRatio', 'MlopsDataDriftDetected', 'MlopsSystemOverload']),
    );
    for (const rule of rules) {
      expect(rule.state).toBe('normal');
      expect(rule.expression.length).toBeGreaterThan(5);
      expect(rule.threshold).toMatch(/[<>=]/);
      expect(rule.runbook).toMatch(/^docs\/runbook\.md#/);
    }
  });

  it('shows a rule whose condition holds as pending, then firing once recorded', async () => {
    test.platform.metrics.datasetDrift.set(0.75);
    const before = (await app.inject({ url: '/api/v1/monitoring/alert-rules' })).json().rules as RuleState[];
    const drift = before.find((rule) => rule.name === 'MlopsDataDriftDetected');
    expect(drift).toMatchObject({ state: 'pending', value: 0.75 });
    const manager = new AlertManager({
      db: test.platform.database.db,
      metrics: test.platform.metrics,
      logger: test.logger,
      isServing: false,
      webhookUrl: receiverUrl,
      retryDelayMs: 10,
    });
    await manager.evaluate();
    const after = (await app.inject({ url: '/api/v1/monitoring/alert-rules' })).json().rules as RuleState[];
    expect(after.find((rule) => rule.name === 'MlopsDataDriftDetected')?.state).toBe('firing');
    expect(received.map((body) => body.alert.name)).toContain('MlopsDataDriftDetected');
    test.platform.metrics.datasetDrift.set(0);
    await manager.evaluate();
  });

  it('refuses a silence without a reason or an end, naming the field', async () => {
    const noReason = await app.inject({
      method: 'POST',
      url: '/api/v1/monitoring/silences',
      payload: { alert_name: 'MlopsDataDriftDetected', duration_minutes: 60, reason: ' ' },
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain('reason');
    const noEnd = await app.inject({
      method: 'POST',
      url: '/api/v1/monitoring/silences',
      payload: { alert_name: 'MlopsDataDriftDetected', reason: 'known' },
    });
    expect(noEnd.statusCode).toBe(400);
    expect(noEnd.body).toContain('ends_at');
    const past = await app.inject({
      method: 'POST',
      url: '/api/v1/monitoring/silences',
      payload: { alert_name: 'MlopsDataDriftDetected', reason: 'known', ends_at: '2001-01-01T00:00:00Z' },
    });
    expect(past.statusCode).toBe(400);
    expect(past.json().field).toBe('ends_at');
  });

  it('a silenced alert fires and is recorded but notifies nobody; expiring the silence restores it', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/monitoring/silences',
      payload: { alert_name: 'MlopsDataDriftDetected', duration_minutes: 60, reason: 'new catalogue import' },
    });
    expect(created.statusCode).toBe(201);
    const silence = created.json();
    expect(silence).toMatchObject({ is_active: true, reason: 'new catalogue import', expired_at: null });
    expect(new Date(silence.ends_at).getTime() - Date.now()).toBeGreaterThan(59 * 60_000);

    const manager = new AlertManager({
      db: test.platform.database.db,
      metrics: test.platform.metrics,
      logger: test.logger,
      isServing: false,
      webhookUrl: receiverUrl,
      retryDelayMs: 10,
    });
    const sentBefore = received.length;
    test.platform.metrics.datasetDrift.set(0.9);
    const changes = await manager.evaluate();
    expect(changes.map((change) => change.name)).toContain('MlopsDataDriftDetected');
    expect(received.length).toBe(sentBefore);
    const rules = (await app.inject({ url: '/api/v1/monitoring/alert-rules' })).json().rules as RuleState[];
    expect(rules.find((rule) => rule.name === 'MlopsDataDriftDetected')).toMatchObject({
      state: 'firing',
      is_silenced: true,
    });

    const expired = await app.inject({
      method: 'POST',
      url: `/api/v1/monitoring/silences/${silence.silence_id}/expire`,
    });
    expect(expired.statusCode).toBe(200);
    expect(expired.json().is_active).toBe(false);
    const again = await app.inject({
      method: 'POST',
      url: `/api/v1/monitoring/silences/${silence.silence_id}/expire`,
    });
    expect(again.statusCode).toBe(409);
    expect(
      (await app.inject({ method: 'POST', url: '/api/v1/monitoring/silences/nope/expire' })).statusCode,
    ).toBe(404);
    const listed = (await app.inject({ url: '/api/v1/monitoring/silences' })).json().silences;
    expect(listed[0]).toMatchObject({ silence_id: silence.silence_id, is_active: false });

    test.platform.metrics.datasetDrift.set(0);
    await manager.evaluate();
    expect(received.at(-1)?.alert).toMatchObject({ name: 'MlopsDataDriftDetected', status: 'resolved' });
  });

  it('drift history is an empty list before any check, and the traffic series spans a chosen range', async () => {
    const history = await app.inject({ url: '/api/v1/monitoring/drift/history' });
    expect(history.statusCode).toBe(200);
    expect(history.json()).toEqual({ reports: [] });
    const traffic = await app.inject({ url: '/api/v1/monitoring/traffic?range_seconds=3600' });
    const series = traffic.json().series as { t: number }[];
    expect(series.length).toBe(60);
    expect((series[1]?.t ?? 0) - (series[0]?.t ?? 0)).toBe(60_000);
    expect((await app.inject({ url: '/api/v1/monitoring/traffic?range_seconds=99999' })).statusCode).toBe(
      400,
    );
  });
});

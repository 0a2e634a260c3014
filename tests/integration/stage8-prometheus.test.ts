import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { freePort } from '../helpers/cli.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { serviceValue } from '../helpers/services.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const RULES = path.join(REPO, 'deploy/prometheus/rules');

describe('the Prometheus configuration, checked and run by the real Prometheus', () => {
  let promtool: string;
  let work: string;

  beforeAll(() => {
    promtool = serviceValue('MLOPS_TEST_PROMTOOL');
    work = mkdtempSync(path.join(tmpdir(), 'mlops-prometheus-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('promtool accepts every alert rule file and the scrape configuration', () => {
    const files = readdirSync(RULES).map((file) => path.join(RULES, file));
    const rules = spawnSync(promtool, ['check', 'rules', ...files], { encoding: 'utf8' });
    expect(rules.status, rules.stderr + rules.stdout).toBe(0);
    expect(rules.stdout).toMatch(/SUCCESS: 4 rules found/);
    const config = spawnSync(
      promtool,
      ['check', 'config', path.join(REPO, 'deploy/prometheus/prometheus.yml')],
      { encoding: 'utf8' },
    );
    expect(config.status, config.stderr + config.stdout).toBe(0);
  });

  it('promtool refuses a rule with broken PromQL (the check can fail)', () => {
    const broken = path.join(work, 'broken.yml');
    writeFileSync(
      broken,
      'groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(rate(mlops_http_requests_total[5m])\n',
    );
    const result = spawnSync(promtool, ['check', 'rules', broken], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/unclosed left parenthesis|parse error/);
  });
});

describe('a real Prometheus scraping a running server', () => {
  let test: TestPlatform;
  let server: RunningServer;
  let prometheus: ChildProcess;
  let base: string;
  let work: string;

  beforeAll(async () => {
    test = await openTestPlatform();
    server = await startServer(await buildApp(test.platform), test.platform);
    for (let index = 0; index < 7; index++) await fetch(`${server.url}/health`);
    work = mkdtempSync(path.join(tmpdir(), 'mlops-prometheus-'));
    const target = new URL(server.url).host;
    writeFileSync(
      path.join(work, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - ${RULES}/*.yml\nscrape_configs:\n  - job_name: mlops\n    static_configs:\n      - targets: ['${target}']\n`,
    );
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      serviceValue('MLOPS_TEST_PROMETHEUS'),
      [
        `--config.file=${path.join(work, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(work, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  });
  afterAll(async () => {
    prometheus?.kill('SIGTERM');
    await server?.shutdown('test over');
    await test?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  const query = async (
    promql: string,
  ): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
    const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return body.data.result;
  };

  it('scrapes /metrics, answers PromQL about the server, and loads the alert rules', async () => {
    await expect
      .poll(async () => (await query('up{job="mlops"}').catch(() => []))[0]?.value[1], {
        timeout: 30_000,
        interval: 500,
      })
      .toBe('1');
    await expect
      .poll(
        async () =>
          Number(
            (await query('sum(mlops_http_requests_total{route="/health",status="200"})'))[0]?.value[1] ?? 0,
          ),
        {
          timeout: 15_000,
          interval: 500,
        },
      )
      .toBeGreaterThanOrEqual(7);
    const memory = await query('process_resident_memory_bytes{job="mlops"}');
    expect(Number(memory[0]?.value[1])).toBeGreaterThan(10_000_000);
    const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as {
      data: { groups: { name: string; rules: unknown[] }[] };
    };
    expect(rules.data.groups.map((group) => group.name).sort()).toEqual([
      'mlops-drift',
      'mlops-events',
      'mlops-pipelines',
      'mlops-serving',
    ]);
  });
});

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainModel } from '../../src/models/index.js';
import type { Platform } from '../../src/platform/index.js';
import { type App, buildApp } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { promote } from '../../src/tracking/index.js';
import { contextOf, openTestPlatform, publishSynthetic } from '../helpers/platform.js';
import { REPO, run, runAsync, runScript } from '../helpers/scripts.js';

describe('shell scripts and git hooks', () => {
  it('pass ShellCheck (warnings and errors; the ones of stages 3 and 4 at every severity)', () => {
    const scripts = readdirSync(path.join(REPO, 'scripts'))
      .filter((file) => file.endsWith('.sh'))
      .map((file) => `scripts/${file}`);
    const hooks = readdirSync(path.join(REPO, '.githooks')).map((file) => `.githooks/${file}`);
    const all = run('shellcheck', ['--severity=warning', ...scripts, ...hooks, 'run_movie_mlops.sh']);
    expect(all.stdout).toBe('');
    expect(all.code).toBe(0);
    const ours = [
      ...hooks,
      ...scripts.filter((file) => /\/(validate_|check_|deploy_|setup_git|setup_deploy|run_smoke)/.test(file)),
    ];
    expect(ours.length).toBeGreaterThanOrEqual(11);
    const strict = run('shellcheck', ours);
    expect(strict.stdout).toBe('');
    expect(strict.code).toBe(0);
  });

  it("run_movie_mlops.sh: the seed guide's menu, one option per call, clear about a wrong one", () => {
    const wrong = run('bash', ['run_movie_mlops.sh', '99']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('unknown option 99');
    const noTerminal = run('bash', ['run_movie_mlops.sh']);
    expect(noTerminal.code).toBe(1);
    expect(noTerminal.stdout).toMatch(/2\) start everything/);
    expect(noTerminal.stdout).toMatch(/8\) full system test/);
    expect(noTerminal.stdout).toMatch(/11\) service status/);
    expect(noTerminal.stderr).toContain('give an option number');
    const home = mkdtempSync(path.join(tmpdir(), 'mlops-run-'));
    const stop = run('bash', ['run_movie_mlops.sh', '3'], { env: { ...process.env, MLOPS_HOME: home } });
    expect(stop.stdout).toContain('not running');
    expect(stop.code).toBe(0);
    rmSync(home, { recursive: true, force: true });
  });

  it('ShellCheck is real: it flags an unquoted variable', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-shellcheck-'));
    try {
      writeFileSync(path.join(dir, 'bad.sh'), '#!/usr/bin/env bash\nrm -rf $1/build\n');
      const result = run('shellcheck', [path.join(dir, 'bad.sh')]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('SC2086');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('scripts/validate_model_metrics.sh (the ML pipeline’s threshold gate)', () => {
  let dir: string;
  let report: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mlops-gate-'));
    report = path.join(dir, 'evaluation-report.json');
    // What `mlops evaluate <version> --json` prints.
    writeFileSync(
      report,
      JSON.stringify({
        model: 'movie_predictor',
        version: '7',
        dataset_version: 'db838c1c',
        metrics: {
          k: 10,
          users: 289,
          precision: 0.149,
          recall: 0.189,
          ndcg: 0.2006,
          map: 0.1027,
          hit_rate: 0.69,
        },
        recorded: true,
      }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes when every metric clears its bar, with a table for the run summary', () => {
    const result = runScript('validate_model_metrics.sh', [report, 'ndcg>=0.05', 'recall>0.1', 'map<=1']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('### Threshold gate: movie_predictor version 7 (k=10)');
    expect(result.stdout).toContain('| ndcg | >= 0.05 | 0.2006 | pass |');
    expect(result.stdout).toContain('All thresholds passed.');
  });

  it('fails when one metric is under its bar or missing', () => {
    const result = runScript('validate_model_metrics.sh', [report, 'ndcg>=0.3', 'recall>=0.1', 'mrr>=0.1']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('| ndcg | >= 0.3 | 0.2006 | FAIL |');
    expect(result.stdout).toContain('| mrr | >= 0.1 | missing | FAIL |');
    expect(result.stdout).toContain('2 of 3 thresholds failed.');
  });

  it('refuses a bad rule or an unreadable report (exit 2)', () => {
    expect(runScript('validate_model_metrics.sh', [report, 'ndcg=>0.1']).code).toBe(2);
    expect(runScript('validate_model_metrics.sh', [path.join(dir, 'missing.json'), 'ndcg>=0.1']).code).toBe(
      2,
    );
    expect(runScript('validate_model_metrics.sh', [report]).code).toBe(2);
  });
});

describe('scripts/run_smoke_test.sh (the CD smoke test)', () => {
  // Tokens on, as on a deployed platform (it listens beyond loopback there).
  const TOKEN = 'smoke-test-admin-token-0123456789';
  let platform: Platform;
  let dispose: () => Promise<void>;
  let app: App;
  let url: string;
  const smoke = (args: string[], env: Record<string, string> = {}) =>
    runAsync('bash', [path.join(REPO, 'scripts/run_smoke_test.sh'), ...args], {
      env: { ...process.env, ...env },
    });

  beforeAll(async () => {
    ({ platform, dispose } = await openTestPlatform({ MLOPS_AUTH: 'on', MLOPS_ADMIN_TOKEN: TOKEN }));
    const context = contextOf(platform);
    await publishSynthetic(platform, {
      users: 120,
      movies: 80,
      interactions: 4000,
      seed: 5,
      endDate: '2026-11-01',
      days: 30,
    });
    await trainModel(context, { algorithm: 'popularity' });
    await promote(context.db, 'movie_predictor', '1', { actor: 'test', reason: 'smoke test' });
    const serving = new ServingService(
      context,
      {
        isEnabled: true,
        modelName: 'movie_predictor',
        isModelNameSet: true,
        pollIntervalMs: 3_600_000,
        cacheSize: 100,
        cacheTtlMs: 60_000,
        challengerPercent: 0,
        index: { mode: 'auto', recallTarget: 0.97 },
        isBootstrapModel: false,
      },
      platform.metrics,
    );
    platform.addHealthCheck(serving.healthCheck());
    app = await buildApp(platform, { serving });
    await serving.refresh();
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  it('passes against a running platform: health, readiness and a recommendation', async () => {
    const result = await smoke([url, '7'], { MLOPS_SMOKE_TOKEN: TOKEN });
    expect(result.stderr).toContain('[smoke] health: movie-mlops');
    expect(result.stderr).toMatch(/\[smoke\] ready: .*database=up/);
    expect(result.stderr).toMatch(/\[smoke\] recommendations: 5 for user 7 from movie_predictor version 1/);
    expect(result.stdout).toBe(`smoke test passed: ${url}\n`);
    expect(result.code).toBe(0);
  });

  it('fails, naming the check, without a token for the recommendation', async () => {
    const result = await smoke([url, '7'], { MLOPS_SMOKE_TOKEN: '' });
    expect(result.stderr).toMatch(/\[smoke\] ready: /);
    expect(result.stderr).toContain('[smoke] FAILED: GET /api/v1/recommendations answered 401');
    expect(result.code).toBe(1);
  });

  it('fails, naming the check, when nothing answers', async () => {
    const result = await smoke(['http://127.0.0.1:9'], { MLOPS_SMOKE_TIMEOUT_SECONDS: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[smoke] FAILED: GET /health answered 000');
  });
});

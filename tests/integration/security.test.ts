import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, requiredAccess, revokeToken } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config/index.js';
import { FeatureStore } from '../../src/features/index.js';
import { BUILTIN_PIPELINES, PipelineEngine } from '../../src/pipelines/index.js';
import { openPlatform, type Platform } from '../../src/platform/index.js';
import { type App, assertSafeToListen, buildApp } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { runCli } from '../helpers/cli.js';
import { createCapturingLogger } from '../helpers/logs.js';
import { contextOf } from '../helpers/platform.js';
import { createTestHome, serviceValue } from '../helpers/services.js';

const run = promisify(execFile);

interface Setup {
  platform: Platform;
  app: App;
  lines: () => Record<string, unknown>[];
  dispose(): Promise<void>;
}

async function open(
  env: Record<string, string>,
  patch: (config: ReturnType<typeof loadConfig>) => void = () => {},
) {
  const { home, remove } = createTestHome();
  const config = loadConfig({ env: { MLOPS_HOME: home, MLOPS_PORT: '0', ...env }, cwd: home });
  patch(config);
  const { logger, lines } = createCapturingLogger('debug');
  const platform = await openPlatform(config, logger);
  const serving = new ServingService(contextOf(platform), config.serving, platform.metrics);
  const features = await FeatureStore.open({ ...contextOf(platform), config: config.features });
  const engine = new PipelineEngine(platform, BUILTIN_PIPELINES, { logger });
  const app = await buildApp(platform, { serving, features, pipelines: { engine, executor: 'in_process' } });
  return {
    platform,
    app,
    lines,
    async dispose() {
      await app.close();
      await features.close();
      await platform.close();
      remove();
    },
  } satisfies Setup;
}

const concrete = (url: string) =>
  url
    .replace(/:[\w]+/g, 'x')
    .replace(/\*$/, 'x')
    .replace(/\/$/, '/') || '/';

let secured: Setup;
const tokens: Record<'viewer' | 'editor' | 'admin', string> = { viewer: '', editor: '', admin: '' };

beforeAll(async () => {
  secured = await open({ MLOPS_AUTH: 'on', MLOPS_RATE_LIMIT_PER_MINUTE: '0' });
  for (const role of ['viewer', 'editor', 'admin'] as const)
    tokens[role] = (
      await createToken(secured.platform.database.db, { name: `test ${role}`, role, createdBy: 'test' })
    ).token;
});

afterAll(async () => {
  await secured?.dispose();
});

describe('the auth matrix over every registered route', () => {
  it('anonymous → 401, a role below the route → 403, the right role → let through', async () => {
    const { app } = secured;
    const routes = app.mlopsRoutes.filter(
      // The live stream never ends; it is checked on its own below.
      (route) => route.url !== '/api/v1/events/stream' && route.method !== 'OPTIONS',
    );
    expect(routes.length).toBeGreaterThan(100);
    const checked: string[] = [];
    for (const route of routes) {
      const url = concrete(route.url);
      const access = requiredAccess(route.method, route.url, { isMetricsPublic: false });
      const call = (token?: string) =>
        app.inject({
          method: route.method as 'GET',
          url,
          headers: {
            ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
            ...(route.method === 'GET' || route.method === 'HEAD'
              ? {}
              : { 'content-type': 'application/json' }),
          },
          ...(route.method === 'GET' || route.method === 'HEAD' ? {} : { payload: '{}' }),
        });
      const label = `${route.method} ${route.url} (${access})`;
      const anonymous = await call();
      if (access === 'public') {
        expect(anonymous.statusCode, label).not.toBe(401);
        continue;
      }
      expect(anonymous.statusCode, label).toBe(401);
      if (route.method !== 'HEAD')
        expect(anonymous.json(), label).toMatchObject({ error_code: 'MLOPS_ERR_AUTH_REQUIRED' });
      if (access !== 'viewer') {
        const below = await call(access === 'admin' ? tokens.editor : tokens.viewer);
        expect(below.statusCode, label).toBe(403);
      }
      const allowed = await call(tokens[access]);
      expect([401, 403], `${label} answered ${allowed.statusCode}`).not.toContain(allowed.statusCode);
      checked.push(label);
    }
    // Writes, admin routes and reads are all among them.
    expect(checked.some((label) => label.endsWith('(admin)'))).toBe(true);
    expect(checked.some((label) => label.endsWith('(editor)'))).toBe(true);
    expect(checked.some((label) => label.startsWith('POST /api/2.0/mlflow/runs/search'))).toBe(true);
    // Reads that look like admin or write routes: loading a model by alias, the client's latest-versions POST.
    expect(requiredAccess('GET', '/api/2.0/mlflow/registered-models/alias', { isMetricsPublic: false })).toBe(
      'viewer',
    );
    expect(
      requiredAccess('DELETE', '/api/2.0/mlflow/registered-models/alias', { isMetricsPublic: false }),
    ).toBe('admin');
    expect(
      requiredAccess('POST', '/api/2.0/mlflow/registered-models/get-latest-versions', {
        isMetricsPublic: false,
      }),
    ).toBe('viewer');
  });

  it('the live stream and the UI follow the same rules; basic auth and a bad token behave', async () => {
    const { app } = secured;
    expect((await app.inject({ url: '/api/v1/events/stream' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
    const legacy = await app.inject({ url: '/?k=3' });
    expect(legacy.statusCode).toBe(401);
    // `/` without a query is the legacy top-10 for API clients; only a browser asking for the page is let in.
    expect((await app.inject({ url: '/' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/', headers: { accept: 'text/html' } })).statusCode).not.toBe(401);
    const basic = await app.inject({
      url: '/api/v1/movies',
      headers: { authorization: `Basic ${Buffer.from(`anyone:${tokens.viewer}`).toString('base64')}` },
    });
    expect(basic.statusCode).toBe(200);
    const docs = await app.inject({ url: '/docs/json' });
    expect(docs.statusCode).toBe(401);
    expect(docs.headers['www-authenticate']).toContain('Basic');
    const forged = await app.inject({
      url: '/api/v1/movies',
      headers: { authorization: `Bearer ${tokens.viewer.slice(0, -4)}AAAA` },
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ error_code: 'MLOPS_ERR_AUTH_INVALID' });
    const whoami = await app.inject({
      url: '/api/v1/auth/whoami',
      headers: { authorization: `Bearer ${tokens.editor}` },
    });
    expect(whoami.json()).toMatchObject({
      auth_enabled: true,
      principal: { role: 'editor', name: 'test editor' },
    });
  });

  it('a revoked token is refused on its next request; tokens are managed by admins only', async () => {
    const { app, platform } = secured;
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/tokens',
      headers: { authorization: `Bearer ${tokens.admin}` },
      payload: { name: 'short-lived', role: 'editor' },
    });
    expect(created.statusCode).toBe(201);
    const { token, token_id } = created.json() as { token: string; token_id: string };
    const use = () => app.inject({ url: '/api/v1/movies', headers: { authorization: `Bearer ${token}` } });
    expect((await use()).statusCode).toBe(200);
    const listed = await app.inject({
      url: '/api/v1/auth/tokens',
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    expect(JSON.stringify(listed.json())).not.toContain(token);
    const byEditor = await app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/tokens/${token_id}`,
      headers: { authorization: `Bearer ${tokens.editor}` },
    });
    expect(byEditor.statusCode).toBe(403);
    await revokeToken(platform.database.db, token_id);
    expect((await use()).statusCode).toBe(401);
  });

  it('sends security headers, and never logs a token', async () => {
    const { app, lines } = secured;
    const response = await app.inject({ url: '/health' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-frame-options']).toBeDefined();
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const logged = JSON.stringify(lines());
    for (const token of Object.values(tokens)) {
      expect(logged).not.toContain(token);
      // The secret is everything after `mlops_<id>_` (it may hold `_` itself).
      expect(logged).not.toContain(token.slice('mlops_'.length + 13));
    }
  });
});

describe('safe defaults', () => {
  it('needs no token on loopback, and will not listen beyond it unprotected', async () => {
    const loopback = await open({});
    try {
      expect((await loopback.app.inject({ url: '/api/v1/movies' })).statusCode).toBe(200);
      await expect(assertSafeToListen(loopback.platform)).resolves.toBeUndefined();
    } finally {
      await loopback.dispose();
    }
    const exposed = await open({ MLOPS_HOST: '0.0.0.0' });
    try {
      await expect(assertSafeToListen(exposed.platform)).rejects.toMatchObject({ field: 'MLOPS_HOST' });
      expect((await exposed.app.inject({ url: '/api/v1/movies' })).statusCode).toBe(401);
      await createToken(exposed.platform.database.db, { name: 'admin', role: 'admin', createdBy: 'test' });
      await expect(assertSafeToListen(exposed.platform)).resolves.toBeUndefined();
    } finally {
      await exposed.dispose();
    }
    const off = await open({ MLOPS_HOST: '0.0.0.0', MLOPS_AUTH: 'off' });
    try {
      await expect(assertSafeToListen(off.platform)).rejects.toMatchObject({ field: 'MLOPS_AUTH' });
    } finally {
      await off.dispose();
    }
  });

  it('mlops up refuses 0.0.0.0 without a token, naming what to do', async () => {
    const { home, remove } = createTestHome();
    try {
      const result = await runCli(['up', '--host', '0.0.0.0', '--port', '0'], { MLOPS_HOME: home });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/mlops tokens create/);
      const created = await runCli(['tokens', 'create', '--name', 'ops', '--role', 'admin'], {
        MLOPS_HOME: home,
      });
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout.trim()).toMatch(/^mlops_[a-z0-9]{12}_[\w-]{43}$/);
      const listed = await runCli(['tokens', 'list'], { MLOPS_HOME: home });
      expect(listed.stdout).toContain('ops');
      expect(listed.stdout).not.toContain(created.stdout.trim());
      const bad = await runCli(['tokens', 'create', '--name', 'x', '--role', 'root'], { MLOPS_HOME: home });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--role must be one of viewer, editor, admin/);
    } finally {
      remove();
    }
  });

  it('rate-limits per token with 429 and Retry-After, and recovers', async () => {
    const limited = await open({ MLOPS_AUTH: 'on', MLOPS_RATE_LIMIT_PER_MINUTE: '5' }, (config) => {
      config.auth.rateLimitWindowMs = 2000;
    });
    try {
      const a = (
        await createToken(limited.platform.database.db, { name: 'a', role: 'viewer', createdBy: 'test' })
      ).token;
      const b = (
        await createToken(limited.platform.database.db, { name: 'b', role: 'viewer', createdBy: 'test' })
      ).token;
      const call = (token: string) =>
        limited.app.inject({ url: '/api/v1/genres', headers: { authorization: `Bearer ${token}` } });
      const statuses: number[] = [];
      for (let index = 0; index < 7; index += 1) statuses.push((await call(a)).statusCode);
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      const refused = await call(a);
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.json()).toMatchObject({ error_code: 'MLOPS_ERR_RATE_LIMITED' });
      expect((await call(b)).statusCode).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2200));
      expect((await call(a)).statusCode).toBe(200);

      // A forged token carrying b's id spends the sender's budget, not b's; refused requests count too.
      const forged = `${b.slice(0, b.lastIndexOf('_') + 1)}${'A'.repeat(43)}`;
      const forgedStatuses: number[] = [];
      for (let index = 0; index < 7; index += 1)
        forgedStatuses.push(
          (
            await limited.app.inject({
              url: '/api/v1/genres',
              headers: { authorization: `Bearer ${forged}` },
            })
          ).statusCode,
        );
      expect(forgedStatuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(forgedStatuses.at(-1)).toBe(429);
      expect((await call(b)).statusCode).toBe(200);
    } finally {
      await limited.dispose();
    }
  });

  it('answers CORS only for configured origins', async () => {
    const cors = await open({ MLOPS_CORS_ORIGINS: 'https://app.example.com' });
    try {
      const preflight = await cors.app.inject({
        method: 'OPTIONS',
        url: '/api/v1/movies',
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
      });
      expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
      const other = await cors.app.inject({
        url: '/api/v1/movies',
        headers: { origin: 'https://evil.example' },
      });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await cors.dispose();
    }
  });
});

describe('the official mlflow client with a token', () => {
  it('sends MLFLOW_TRACKING_TOKEN as a bearer token; without it the server refuses', async () => {
    const url = await secured.app.listen({ host: '127.0.0.1', port: 0 });
    const python = serviceValue('MLOPS_TEST_MLFLOW_PYTHON');
    const script = [
      'import mlflow',
      `mlflow.set_tracking_uri("${url}")`,
      'client = mlflow.MlflowClient()',
      'experiment = client.create_experiment("secured-experiment")',
      'run = client.create_run(experiment)',
      'client.log_metric(run.info.run_id, "ndcg", 0.5)',
      'print(client.get_run(run.info.run_id).data.metrics["ndcg"])',
    ].join('\n');
    const ok = await run(python, ['-c', script], {
      env: { ...process.env, MLFLOW_TRACKING_TOKEN: tokens.editor },
    });
    expect(ok.stdout.trim()).toBe('0.5');
    const refused = await run(python, ['-c', script], {
      env: { ...process.env, MLFLOW_TRACKING_TOKEN: '' },
    }).catch((error: { stderr: string }) => error);
    expect(String((refused as { stderr: string }).stderr)).toMatch(/401|MLOPS_ERR_AUTH_REQUIRED/);
  }, 120_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NotFoundError } from '../../src/errors/index.js';
import { type App, buildApp, startServer } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { contextOf, openTestPlatform, type TestPlatform } from '../helpers/platform.js';

describe('HTTP server', () => {
  let test: TestPlatform;
  let app: App;

  beforeAll(async () => {
    test = await openTestPlatform({ MLOPS_BODY_LIMIT_BYTES: '2048' });
    app = await buildApp(test.platform);
    // Routes that exercise the shared validation and error mapping, as capability routes will.
    app.post(
      '/test/echo',
      {
        schema: {
          body: z.object({ user_id: z.number().int(), tags: z.array(z.string()).max(3).optional() }),
        },
      },
      async (request) => ({ received: request.body }),
    );
    app.get(
      '/test/movie/:id',
      { schema: { params: z.object({ id: z.coerce.number().int().positive() }) } },
      async (request) => {
        throw new NotFoundError(`no movie ${request.params.id}`, { field: 'params.id' });
      },
    );
    app.get('/test/crash', async () => {
      throw new Error('secret internal detail');
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await test.dispose();
  });

  it('GET /health answers with service, version and uptime', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'ok',
      service: 'movie-mlops',
      version: expect.any(String),
    });
  });

  it('GET /ready reports each component with backend and detail', async () => {
    const response = await app.inject({ method: 'GET', url: '/ready' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.status).toBe('ready');
    expect(body.components.map((component: { name: string }) => component.name)).toEqual([
      'database',
      'artifacts',
    ]);
    expect(body.components[0]).toMatchObject({
      status: 'up',
      backend: 'pglite',
      detail: expect.stringMatching(/^schema \d{4}-[a-z-]+, instance /),
    });
    expect(body.components[1]).toMatchObject({ status: 'up', backend: 'local', detail: 'writable' });
  });

  it('answers an unknown route with a 404 in the error shape', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/nothing?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({
      error_code: 'MLOPS_ERR_ROUTE_NOT_FOUND',
      message: expect.stringContaining('/api/v1/nothing'),
    });
  });

  it('names the offending field when a body has the wrong type', async () => {
    const response = await app.inject({ method: 'POST', url: '/test/echo', payload: { user_id: 'seven' } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error_code: 'MLOPS_ERR_REQUEST_VALIDATION',
      field: 'body.user_id',
    });
    expect(response.json().message).toMatch(/^body\.user_id: /);
  });

  it('names nested fields and missing ones', async () => {
    const nested = await app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { user_id: 1, tags: ['a', 2] },
    });
    expect(nested.json().field).toBe('body.tags.1');
    const missing = await app.inject({ method: 'POST', url: '/test/echo', payload: {} });
    expect(missing.json().field).toBe('body.user_id');
  });

  it('validates path parameters', async () => {
    const response = await app.inject({ method: 'GET', url: '/test/movie/-3' });
    expect(response.statusCode).toBe(400);
    expect(response.json().field).toBe('params.id');
  });

  it('maps typed errors to their status once', async () => {
    const response = await app.inject({ method: 'GET', url: '/test/movie/42' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({
      error_code: 'MLOPS_ERR_NOT_FOUND',
      message: 'no movie 42',
      field: 'params.id',
    });
  });

  it('rejects malformed JSON with 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"user_id": 1,',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error_code: 'MLOPS_ERR_REQUEST_MALFORMED_BODY', field: 'body' });
  });

  it('rejects an empty JSON body with 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error_code).toBe('MLOPS_ERR_REQUEST_MALFORMED_BODY');
  });

  it('rejects a body over the configured limit with 413', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { user_id: 1, pad: 'x'.repeat(5000) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().error_code).toBe('MLOPS_ERR_REQUEST_BODY_TOO_LARGE');
  });

  it('rejects an unsupported content type with 415', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().error_code).toBe('MLOPS_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE');
  });

  it('hides internals of unexpected errors but logs them with the request id', async () => {
    const response = await app.inject({ method: 'GET', url: '/test/crash' });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret internal detail');
    const requestId = response.json().request_id;
    const logged = test.logLines().find((line) => line.request_id === requestId && line.level === 50);
    expect(logged).toMatchObject({
      component: 'HTTP',
      action: 'REQUEST_FAILED',
      msg: 'secret internal detail',
    });
  });

  it('gives every request an id, echoing a sane incoming one', async () => {
    const generated = await app.inject({ method: 'GET', url: '/health' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'trace-abc.123' },
    });
    expect(echoed.headers['x-request-id']).toBe('trace-abc.123');
    const unsafe = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'bad id\nwith newline' },
    });
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs one JSON line per request with component and action', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/logged-path' });
    const line = test
      .logLines()
      .find((entry) => entry.request_id === response.headers['x-request-id'] && entry.action === 'REQUEST');
    expect(line).toMatchObject({
      component: 'HTTP',
      method: 'GET',
      path: '/api/v1/logged-path',
      status: 404,
      logger: 'mlops.server',
    });
    expect(line?.duration_ms).toEqual(expect.any(Number));
  });

  it('publishes an OpenAPI document and the docs UI at /docs', async () => {
    const spec = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
    const document = spec.json();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/health', '/ready']));
    expect(document.paths['/ready'].get.responses).toHaveProperty('503');
    const ui = await app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(ui.statusCode);
  });

  it('serves the web UI at / and its deep links, but not for API paths', async () => {
    const index = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('<div id="root">');
    const deep = await app.inject({ method: 'GET', url: '/status', headers: { accept: 'text/html' } });
    expect(deep.body).toContain('<div id="root">');
    const api = await app.inject({ method: 'GET', url: '/api/v1/unknown', headers: { accept: 'text/html' } });
    expect(api.statusCode).toBe(404);
    expect(api.json().error_code).toBe('MLOPS_ERR_ROUTE_NOT_FOUND');
  });
});

describe('readiness with a component down', () => {
  it('answers 503 and says which component and why', async () => {
    const test = await openTestPlatform();
    test.platform.addHealthCheck({
      name: 'flaky',
      backend: 'test',
      location: 'nowhere',
      check: async () => {
        throw new Error('connection refused');
      },
    });
    const app = await buildApp(test.platform);
    const response = await app.inject({ method: 'GET', url: '/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json().status).toBe('not_ready');
    expect(response.json().components.find((c: { name: string }) => c.name === 'flaky')).toMatchObject({
      status: 'down',
      detail: 'connection refused',
    });
    await app.close();
    await test.dispose();
  });
});

describe('web UI not built', () => {
  it('explains how to build it instead of a blank page', async () => {
    const test = await openTestPlatform();
    const emptyDir = mkdtempSync(path.join(tmpdir(), 'mlops-noweb-'));
    const app = await buildApp(test.platform, { webDir: emptyDir });
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toMatch(/npm run build/);
    await app.close();
    await test.dispose();
    rmSync(emptyDir, { recursive: true, force: true });
  });

  it('with serving on, GET / is still one route: the notice for browsers, the top-k JSON for API clients', async () => {
    const test = await openTestPlatform();
    const emptyDir = mkdtempSync(path.join(tmpdir(), 'mlops-noweb-'));
    const serving = new ServingService(contextOf(test.platform), test.config.serving);
    const app = await buildApp(test.platform, { webDir: emptyDir, serving });
    const browser = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expect(browser.statusCode).toBe(503);
    expect(browser.body).toMatch(/npm run build/);
    const client = await app.inject({ method: 'GET', url: '/?k=3' });
    expect(client.json()).toMatchObject({ error_code: 'MLOPS_ERR_MODEL_NOT_LOADED' });
    await app.close();
    await test.dispose();
    rmSync(emptyDir, { recursive: true, force: true });
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new ones, then closes the database', async () => {
    const test = await openTestPlatform();
    const app = await buildApp(test.platform);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    app.get('/test/slow', async () => {
      await gate;
      // The database must still be open while an in-flight request finishes.
      const rows = await test.platform.database.db.selectFrom('platform_meta').select('key').execute();
      return { rows: rows.length };
    });
    const server = await startServer(app, test.platform);

    const inFlight = fetch(`${server.url}/test/slow`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopping = server.shutdown('test');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(app.mlopsShutdown.isShuttingDown).toBe(true);

    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { rows: number }).rows).toBeGreaterThan(0);
    await stopping;

    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    await expect(test.platform.database.ping()).rejects.toThrow();
    const lines = test
      .logLines()
      .filter((line) => line.action === 'SHUTDOWN')
      .map((line) => line.msg);
    expect(lines.at(-1)).toBe('stopped cleanly');
    await test.dispose();
  });

  it('answers 503 with Connection: close to requests arriving during shutdown', async () => {
    const test = await openTestPlatform();
    const app = await buildApp(test.platform);
    await app.ready();
    app.mlopsShutdown.isShuttingDown = true;
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(503);
    expect(response.headers.connection).toBe('close');
    expect(response.json().error_code).toBe('MLOPS_ERR_SHUTTING_DOWN');
    await app.close();
    await test.dispose();
  });
});

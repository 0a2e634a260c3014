import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureStore } from '../../src/features/index.js';
import { BUILTIN_PIPELINES, PipelineEngine } from '../../src/pipelines/index.js';
import { type App, buildApp } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { contextOf, openTestPlatform, type TestPlatform } from '../helpers/platform.js';

const CLIENT_DIR = path.resolve(import.meta.dirname, '../../web/src/api');

/** Every call the web UI's API client files make: method and path template (`${...}` becomes `{}`). */
function clientCalls(): { method: 'get' | 'post'; path: string }[] {
  const source = readdirSync(CLIENT_DIR)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => readFileSync(path.join(CLIENT_DIR, file), 'utf8'))
    .join('\n');
  const calls: { method: 'get' | 'post'; path: string }[] = [];
  for (const match of source.matchAll(/\b(getJson|postJson)\s*<[^()]*?>\(\s*[`'](\/[^`'?]*)/g)) {
    calls.push({
      method: match[1] === 'getJson' ? 'get' : 'post',
      path: (match[2] ?? '').replace(/\$\{[^}]*\}/g, '{}'),
    });
  }
  return calls;
}

describe('the web UI API client against the server’s OpenAPI document', () => {
  let test: TestPlatform;
  let app: App;

  beforeAll(async () => {
    test = await openTestPlatform();
    const serving = new ServingService(contextOf(test.platform), test.config.serving);
    const features = await FeatureStore.open({ ...contextOf(test.platform), config: test.config.features });
    const engine = new PipelineEngine(test.platform, BUILTIN_PIPELINES, { logger: test.logger });
    app = await buildApp(test.platform, { serving, features, pipelines: { engine, executor: 'in_process' } });
  });
  afterAll(async () => {
    await app?.close();
    await test?.dispose();
  });

  it('calls only routes the server documents, with the documented method', async () => {
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = new Map(
      Object.entries(document.paths).map(([route, methods]) => [route.replace(/\{[^}]+\}/g, '{}'), methods]),
    );
    const calls = clientCalls();
    expect(calls.length).toBeGreaterThanOrEqual(20);
    const missing = calls.filter((call) => documented.get(call.path)?.[call.method] === undefined);
    expect(missing).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, requiredAccess } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config/index.js';
import { FeatureStore } from '../../src/features/index.js';
import { trainModel } from '../../src/models/index.js';
import { openPlatform, type Platform } from '../../src/platform/index.js';
import { type App, buildApp } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { createCapturingLogger } from '../helpers/logs.js';
import { contextOf, publishSynthetic } from '../helpers/platform.js';
import { createTestHome } from '../helpers/services.js';

const DATA = { users: 100, movies: 80, interactions: 3000, seed: 9, endDate: '2026-11-01', days: 30 };

let platform: Platform;
let app: App;
let features: FeatureStore;
let remove: () => void;
const tokens = { viewer: '', editor: '', admin: '' };
const as = (role: keyof typeof tokens) => ({ authorization: `Bearer ${tokens[role]}` });

beforeAll(async () => {
  const home = createTestHome();
  remove = home.remove;
  const config = loadConfig({
    env: { MLOPS_HOME: home.home, MLOPS_AUTH: 'on', MLOPS_RATE_LIMIT_PER_MINUTE: '0' },
    cwd: home.home,
  });
  platform = await openPlatform(config, createCapturingLogger('warn').logger);
  await publishSynthetic(platform, DATA);
  await trainModel(contextOf(platform), { algorithm: 'popularity' });
  const serving = new ServingService(contextOf(platform), config.serving, platform.metrics);
  features = await FeatureStore.open({ ...contextOf(platform), config: config.features });
  app = await buildApp(platform, { serving, features });
  for (const role of ['viewer', 'editor', 'admin'] as const)
    tokens[role] = (await createToken(platform.database.db, { name: role, role, createdBy: 'test' })).token;
}, 120_000);

afterAll(async () => {
  await app?.close();
  await features?.close();
  await platform?.close();
  remove?.();
});

describe('role gaps', () => {
  it('lists API tokens to admins only', async () => {
    expect(requiredAccess('GET', '/api/v1/auth/tokens', { isMetricsPublic: false })).toBe('admin');
    for (const role of ['viewer', 'editor'] as const) {
      const listed = await app.inject({ url: '/api/v1/auth/tokens', headers: as(role) });
      expect(listed.statusCode, role).toBe(403);
    }
    const admin = await app.inject({ url: '/api/v1/auth/tokens', headers: as('admin') });
    expect(admin.statusCode).toBe(200);
  });

  it('lets only admins rename a registered model, and nobody rename or delete the one serving follows', async () => {
    const rename = (role: keyof typeof tokens, name: string) =>
      app.inject({
        method: 'POST',
        url: '/api/2.0/mlflow/registered-models/rename',
        headers: as(role),
        payload: { name, new_name: `${name}_renamed` },
      });
    expect((await rename('editor', 'movie_predictor')).statusCode).toBe(403);
    const served = await rename('admin', 'movie_predictor');
    expect(served.statusCode).toBe(400);
    expect(served.json().message).toMatch(
      /movie_predictor is the model serving follows .* cannot be renamed/,
    );
    const deleted = await app.inject({
      method: 'DELETE',
      url: '/api/2.0/mlflow/registered-models/delete',
      headers: as('admin'),
      payload: { name: 'movie_predictor' },
    });
    expect(deleted.statusCode).toBe(400);
    expect(deleted.json().message).toMatch(/cannot be deleted/);
    const still = await app.inject({
      url: '/api/2.0/mlflow/registered-models/get?name=movie_predictor',
      headers: as('viewer'),
    });
    expect(still.statusCode).toBe(200);
  });
});

describe('model-version sources', () => {
  it('registers only files in the artifact store: paths, file:// and http:// sources are refused naming source', async () => {
    const create = (source: string) =>
      app.inject({
        method: 'POST',
        url: '/api/2.0/mlflow/model-versions/create',
        headers: as('editor'),
        payload: { name: 'movie_predictor', source },
      });
    const versions = async () =>
      (await platform.database.db.selectFrom('model_versions').select('version').execute()).length;
    const before = await versions();
    for (const source of [
      '/etc',
      'file:///etc/passwd',
      'http://169.254.169.254/latest/meta-data/',
      's3://someone-elses-bucket/model',
      'mlflow-artifacts:/1/../../../etc',
      'runs:/../model',
    ]) {
      const answer = await create(source);
      expect(answer.statusCode, source).toBe(400);
      expect(answer.json(), source).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
      expect(answer.json().message, source).toMatch(/is not in the artifact store/);
    }
    expect(await versions()).toBe(before);
    const run = await platform.database.db
      .selectFrom('runs')
      .select(['run_id', 'artifact_uri'])
      .executeTakeFirstOrThrow();
    const fromRun = await create(`${run.artifact_uri}/model`);
    expect(fromRun.statusCode).toBe(200);
    const byRunUri = await create(`runs:/${run.run_id}/model`);
    expect(byRunUri.statusCode).toBe(200);
  });
});

describe('hostile input is a 400 naming the field, never a 500, and stores nothing', () => {
  it('refuses a NUL character in the path, the query string or any string of a JSON body', async () => {
    const experiments = async () =>
      (await platform.database.db.selectFrom('experiments').select('experiment_id').execute()).length;
    const before = await experiments();
    const cases: [{ method?: 'GET' | 'POST'; url: string; payload?: object }, string][] = [
      [{ url: '/api/v1/recommendations?user_id=a%00b&k=3' }, 'querystring.user_id'],
      [{ url: '/api/v1/features/movie/1%00' }, 'params'],
      [
        { url: '/api/2.0/mlflow/experiments/get-by-name?experiment_name=x%00' },
        'querystring.experiment_name',
      ],
      [
        {
          method: 'POST',
          url: '/api/2.0/mlflow/experiments/create',
          payload: { name: 'evil\u0000name' },
        },
        'body.name',
      ],
      [
        { method: 'POST', url: '/mlflow/experiments', payload: { name: 'x', tags: { k: 'v\u0000' } } },
        'body.tags.k',
      ],
      [
        {
          method: 'POST',
          url: '/api/v1/feedback',
          payload: { user_id: 'a\u0000b', movie_id: 1, interaction_type: 'like' },
        },
        'body.user_id',
      ],
    ];
    for (const [request, field] of cases) {
      const answer = await app.inject({ ...request, headers: as('admin') });
      expect(answer.statusCode, `${request.url} ${field}`).toBe(400);
      expect(answer.body, request.url).toMatch(/NUL character/);
      expect(answer.body, request.url).not.toMatch(/\n\s+at /);
      if (!request.url.startsWith('/api/2.0')) expect(answer.json().field, request.url).toBe(field);
    }
    expect(await experiments()).toBe(before);
  });

  it('refuses a LIKE pattern ending in an escape character in run, experiment and registry searches', async () => {
    const searches: { url: string; payload: object }[] = [
      {
        url: '/api/2.0/mlflow/runs/search',
        payload: { experiment_ids: ['0'], filter: "params.a LIKE 'abc\\\\'" },
      },
      { url: '/api/2.0/mlflow/experiments/search', payload: { filter: "name LIKE 'x\\'" } },
      { url: '/api/2.0/mlflow/registered-models/search', payload: { filter: "name LIKE 'movie\\'" } },
      { url: '/api/2.0/mlflow/model-versions/search', payload: { filter: "name LIKE 'movie\\'" } },
    ];
    for (const search of searches) {
      const answer = await app.inject({ method: 'POST', headers: as('viewer'), ...search });
      expect(answer.statusCode, search.url).toBe(400);
      expect(answer.json().message, search.url).toMatch(/cannot end with an escape character/);
    }
    // Run filters unescape their strings (`\\\\` is one backslash); an escaped backslash is a pattern like any other.
    const fine = await app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/runs/search',
      headers: as('viewer'),
      payload: { experiment_ids: ['0'], filter: "params.a LIKE 'abc\\\\\\\\'" },
    });
    expect(fine.statusCode).toBe(200);
  });

  it('refuses numbers too large to hold (1e400, 400 digits) and NaN-like values, naming the field', async () => {
    const huge = '9'.repeat(400);
    const metrics = async () =>
      (await platform.database.db.selectFrom('run_metrics').select('key').execute()).length;
    const before = await metrics();
    const run = await app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/runs/create',
      headers: as('editor'),
      payload: { experiment_id: '0' },
    });
    const runId = run.json().run.info.run_id as string;
    const cases: { method: 'GET' | 'POST'; url: string; payload?: string; field: RegExp }[] = [
      {
        method: 'POST',
        url: '/api/2.0/mlflow/runs/log-metric',
        payload: `{"run_id":"${runId}","key":"m","value":1,"timestamp":1e400}`,
        field: /timestamp/,
      },
      {
        method: 'POST',
        url: '/api/2.0/mlflow/runs/log-metric',
        payload: `{"run_id":"${runId}","key":"m","value":1,"timestamp":"${huge}"}`,
        field: /timestamp/,
      },
      {
        method: 'POST',
        url: '/api/2.0/mlflow/runs/log-metric',
        payload: `{"run_id":"${runId}","key":"m","value":1,"timestamp":1,"step":${huge}}`,
        field: /step/,
      },
      {
        method: 'POST',
        url: '/api/2.0/mlflow/runs/create',
        payload: `{"experiment_id":"0","start_time":"NaN"}`,
        field: /start_time/,
      },
      {
        method: 'POST',
        url: '/api/v1/feedback',
        payload: `{"user_id":1,"movie_id":1e400,"interaction_type":"like"}`,
        field: /movie_id/,
      },
      { method: 'GET', url: '/api/v1/recommendations?user_id=1&k=1e400', field: /k/ },
      { method: 'GET', url: '/api/v1/recommendations?user_id=1&k=NaN', field: /k/ },
      { method: 'GET', url: `/api/v1/movies?limit=${huge}`, field: /limit/ },
    ];
    for (const request of cases) {
      const answer = await app.inject({
        method: request.method,
        url: request.url,
        headers: { ...as('admin'), ...(request.payload ? { 'content-type': 'application/json' } : {}) },
        ...(request.payload ? { payload: request.payload } : {}),
      });
      expect(answer.statusCode, `${request.url} ${request.payload ?? ''}`).toBe(400);
      expect(answer.json().message, request.url).toMatch(request.field);
      expect(answer.body).not.toMatch(/\n\s+at /);
    }
    expect(await metrics()).toBe(before);
  });

  it('refuses JSON nested thousands of levels deep', async () => {
    const nested = `${'{"a":'.repeat(5000)}"leaf"${'}'.repeat(5000)}`;
    const answer = await app.inject({
      method: 'POST',
      url: '/api/v1/events/user-events',
      headers: { ...as('admin'), 'content-type': 'application/json' },
      payload: `{"type": "user.interaction", "data": ${nested}}`,
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.json().message).toMatch(/nested deeper than 64 levels/);
  });
});

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/index.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import { trainModel } from '../../src/models/index.js';
import { BUILTIN_ALERT_RULES } from '../../src/monitoring/index.js';
import { openPlatform, type Platform } from '../../src/platform/index.js';
import { type App, buildApp } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { promote, proxyPathOf, recordedArtifacts } from '../../src/tracking/index.js';
import { createCapturingLogger } from '../helpers/logs.js';
import { BACKENDS, type Backend, contextOf, publishSynthetic } from '../helpers/platform.js';
import { createPostgresDatabase, createTestHome, testS3Env } from '../helpers/services.js';

const DATA = { users: 60, movies: 50, interactions: 1500, seed: 4, endDate: '2026-11-01', days: 20 };
const MODEL = 'movie_predictor';

/** A platform with tokens on, on one storage set-up, that can be closed and opened again ("restart"). */
async function openSetup(backend: Backend) {
  const { home, remove } = createTestHome({ withDatabase: backend === 'PGlite + local folder' });
  const database = backend === 'PGlite + local folder' ? undefined : await createPostgresDatabase();
  const env: Record<string, string> = {
    MLOPS_HOME: home,
    MLOPS_AUTH: 'on',
    MLOPS_RATE_LIMIT_PER_MINUTE: '0',
    ...(database === undefined
      ? {}
      : { MLOPS_DATABASE_URL: database.url, ...testS3Env(`integrity-${database.name}`) }),
  };
  const config = loadConfig({ env, cwd: home });
  return {
    config,
    async open() {
      const captured = createCapturingLogger('info');
      const platform = await openPlatform(config, captured.logger);
      return { platform, lines: captured.lines };
    },
    async dispose() {
      await database?.drop();
      remove();
    },
  };
}

function start(platform: Platform, config: Config) {
  const serving = new ServingService(contextOf(platform), config.serving, platform.metrics);
  platform.addHealthCheck(serving.healthCheck());
  return serving;
}

for (const backend of BACKENDS) {
  describe(`registered model artifacts cannot be swapped (${backend})`, () => {
    let setup: Awaited<ReturnType<typeof openSetup>>;
    let platform: Platform;
    let lines: () => Record<string, unknown>[];
    let app: App;
    let serving: ServingService;
    let admin = '';
    const versions: { version: string; root: string }[] = [];

    beforeAll(async () => {
      setup = await openSetup(backend);
      ({ platform, lines } = await setup.open());
      await publishSynthetic(platform, DATA);
      for (const algorithm of ['popularity', 'item-knn'] as const) {
        const trained = await trainModel(contextOf(platform), { algorithm });
        const version = trained.modelVersion?.version as string;
        versions.push({ version, root: proxyPathOf(trained.modelVersion?.source as string) });
      }
      await promote(platform.database.db, MODEL, versions[0]?.version as string, {
        actor: 'test',
        reason: 'first champion',
      });
      serving = start(platform, setup.config);
      await serving.refresh();
      app = await buildApp(platform, { serving });
      admin = (await createToken(platform.database.db, { name: 'admin', role: 'admin', createdBy: 'test' }))
        .token;
    }, 180_000);

    afterAll(async () => {
      await app?.close();
      await serving?.stop();
      await platform?.close();
      await setup?.dispose();
    });

    const artifactUrl = (proxyPath: string) => `/api/2.0/mlflow-artifacts/artifacts/${proxyPath}`;

    it('records the SHA-256 of every file of a version at registration', async () => {
      const recorded = await recordedArtifacts(platform.database.db, MODEL, Number(versions[1]?.version));
      expect([...recorded.keys()].sort()).toEqual(['manifest.json', 'model.safetensors']);
      for (const hash of recorded.values()) expect(hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('refuses, even to an admin, uploads, deletes and new files under a registered version', async () => {
      const root = versions[1]?.root as string;
      const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/octet-stream' };
      const attempts = [
        {
          method: 'PUT' as const,
          url: artifactUrl(`${root}/model.safetensors`),
          payload: Buffer.from('evil'),
        },
        { method: 'PUT' as const, url: artifactUrl(`${root}/manifest.json`), payload: Buffer.from('{}') },
        { method: 'PUT' as const, url: artifactUrl(`${root}/extra/loader.py`), payload: Buffer.from('x') },
        { method: 'DELETE' as const, url: artifactUrl(`${root}/model.safetensors`) },
        { method: 'DELETE' as const, url: artifactUrl(root.split('/').slice(0, 2).join('/')) },
      ];
      for (const attempt of attempts) {
        const answer = await app.inject({ ...attempt, headers });
        expect(answer.statusCode, `${attempt.method} ${attempt.url}`).toBe(403);
        expect(answer.json()).toMatchObject({ error_code: 'PERMISSION_DENIED' });
        expect(answer.json().message).toMatch(/registered model movie_predictor version \d+/);
      }
      // A run's other artifacts, and other runs, stay writable.
      const runFolder = root.replace(/\/model$/, '');
      const free = await app.inject({
        method: 'PUT',
        url: artifactUrl(`${runFolder}/notes/readme.txt`),
        headers,
        payload: Buffer.from('hello'),
      });
      expect(free.statusCode).toBe(200);
      const download = await app.inject({ url: artifactUrl(`${root}/manifest.json`), headers });
      expect(download.statusCode).toBe(200);
    });

    it('refuses a tampered version at load: the previous model keeps serving, with an alert, a metric and a log line', async () => {
      const { version, root } = versions[1] as { version: string; root: string };
      const key = `mlflow-artifacts/${root}/model.safetensors`;
      const original = await platform.artifacts.get(key);
      const forged = Buffer.from(original);
      forged[forged.length - 1] = (forged.at(-1) ?? 0) ^ 0xff;
      if (platform.config.artifacts.type === 'local')
        await writeFile(path.join(platform.config.artifacts.root, ...key.split('/')), forged);
      else await platform.artifacts.put(key, forged); // straight into the S3 bucket, past the routes
      await promote(platform.database.db, MODEL, version, { actor: 'test', reason: 'tampered' });
      await serving.refresh();

      const served = await app.inject({
        url: '/api/v1/recommendations?user_id=1&k=3',
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(served.statusCode).toBe(200);
      expect(served.json().model.version).toBe(versions[0]?.version);
      const ready = (await app.inject({ url: '/ready' })).json();
      const model = ready.components.find((component: { name: string }) => component.name === 'model');
      expect(model.detail).toMatch(
        new RegExp(`NOT LOADED: champion v${version} .*model.safetensors changed since registration`),
      );
      const metrics = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${admin}` } });
      expect(metrics.body).toMatch(
        new RegExp(`mlops_model_integrity_failures_total\\{model="${MODEL}",version="${version}"\\} 1`),
      );
      const rule = BUILTIN_ALERT_RULES.find((candidate) => candidate.name === 'MlopsModelIntegrityFailure');
      const verdict = await rule?.evaluate({
        db: platform.database.db,
        metrics: platform.metrics,
        isServing: true,
        now: new Date(),
      });
      expect(verdict?.isFiring).toBe(true);
      expect(
        lines().some(
          (line) =>
            line.action === 'MODEL_LOAD_FAILED' && String(line.msg).includes('changed since registration'),
        ),
      ).toBe(true);
    });

    it('after a restart still refuses the tampered champion and serves the earlier one', async () => {
      await app.close();
      await serving.stop();
      await platform.close();
      ({ platform, lines } = await setup.open());
      serving = start(platform, setup.config);
      await serving.refresh();
      app = await buildApp(platform, { serving });
      const served = await app.inject({
        url: '/api/v1/recommendations?user_id=1&k=3',
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(served.statusCode).toBe(200);
      expect(served.json().model.version).toBe(versions[0]?.version);
      expect(lines().some((line) => line.action === 'MODEL_FALLBACK')).toBe(true);
      expect((await platform.metrics.modelIntegrityFailures.get()).values[0]?.value).toBe(1);
    });
  });
}

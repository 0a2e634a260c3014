import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logging/index.js';
import { openPlatform, type Platform } from '../../src/platform/index.js';
import { type App, buildApp } from '../../src/server/index.js';
import { createTestHome } from '../helpers/services.js';

/** MLflow 3's LoggedModel API, run inputs, datasets search and multipart uploads, bad paths included. */
describe('MLflow 3 REST API: logged models, inputs, multipart uploads, links', () => {
  let platform: Platform;
  let app: App;
  let remove: () => void;
  let experimentId: string;
  let runId: string;

  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
    const response = await app.inject({
      method,
      url: `/api/2.0/mlflow/${url}`,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: MLflow's JSON answers, read field by field in the assertions
    return { status: response.statusCode, body: response.json() as Record<string, any> };
  };

  beforeAll(async () => {
    let home: string;
    ({ home, remove } = createTestHome());
    // A built UI, so browser paths reach the UI handler.
    const webDir = path.join(home, 'web');
    mkdirSync(webDir, { recursive: true });
    writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><div id="root"></div>');
    platform = await openPlatform(
      loadConfig({ env: { MLOPS_HOME: home }, cwd: home }),
      createLogger({ level: 'silent', format: 'json' }),
    );
    app = await buildApp(platform, { webDir });
    experimentId = (await call('POST', 'experiments/create', { name: 'mlflow3' })).body.experiment_id;
    runId = (await call('POST', 'runs/create', { experiment_id: experimentId })).body.run.info.run_id;
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
    remove?.();
  });

  it('creates, finalizes, tags and deletes a logged model, with MLflow shapes and statuses', async () => {
    const created = await call('POST', 'logged-models', {
      experiment_id: experimentId,
      name: 'ranker',
      source_run_id: runId,
      model_type: 'als',
      params: [{ key: 'factors', value: '64' }],
      tags: [{ key: 'team', value: 'recsys' }],
    });
    expect(created.status).toBe(200);
    const model = created.body.model;
    expect(model.info).toMatchObject({
      experiment_id: experimentId,
      name: 'ranker',
      status: 'LOGGED_MODEL_PENDING',
      source_run_id: runId,
      model_type: 'als',
      tags: [{ key: 'team', value: 'recsys' }],
    });
    expect(model.info.model_id).toMatch(/^m-[0-9a-f]{32}$/);
    expect(model.info.artifact_uri).toBe(
      `mlflow-artifacts:/${experimentId}/models/${model.info.model_id}/artifacts`,
    );
    expect(model.data.params).toEqual([{ key: 'factors', value: '64' }]);
    const id = model.info.model_id as string;

    const finalized = await call('PATCH', `logged-models/${id}`, {
      model_id: id,
      status: 'LOGGED_MODEL_READY',
    });
    expect(finalized.body.model.info.status).toBe('LOGGED_MODEL_READY');
    expect(
      (await call('PATCH', `logged-models/${id}/tags`, { tags: [{ key: 'stage', value: 'eval' }] })).status,
    ).toBe(200);
    expect(
      (await call('POST', `logged-models/${id}/params`, { params: [{ key: 'reg', value: '0.1' }] })).status,
    ).toBe(200);
    const changed = await call('POST', `logged-models/${id}/params`, {
      params: [{ key: 'reg', value: '0.2' }],
    });
    expect(changed.status).toBe(400);
    expect(changed.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const fetched = (await call('GET', `logged-models/${id}`)).body.model;
    expect(fetched.info.tags.map((tag: { key: string }) => tag.key)).toEqual(['stage', 'team']);
    expect(fetched.data.params).toEqual([
      { key: 'factors', value: '64' },
      { key: 'reg', value: '0.1' },
    ]);

    expect((await call('DELETE', `logged-models/${id}/tags/stage`)).status).toBe(200);
    const missingTag = await call('DELETE', `logged-models/${id}/tags/stage`);
    expect(missingTag).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect((await call('DELETE', `logged-models/${id}`)).status).toBe(200);
    expect((await call('GET', `logged-models/${id}`)).body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((await call('GET', `logged-models/${id}?allow_deleted=true`)).body.model.info.model_id).toBe(id);
  });

  it('refuses bad input with 400s naming the field', async () => {
    const noExperiment = await call('POST', 'logged-models', { name: 'x' });
    expect(noExperiment.status).toBe(400);
    expect(noExperiment.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(noExperiment.body.message).toContain('experiment_id');
    const badName = await call('POST', 'logged-models', { experiment_id: experimentId, name: 'a/b' });
    expect(badName).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(badName.body.message).toContain('name');
    const unknownExperiment = await call('POST', 'logged-models', { experiment_id: '98765' });
    expect(unknownExperiment.status).toBe(404);
    const model = (await call('POST', 'logged-models', { experiment_id: experimentId })).body.model.info;
    const badStatus = await call('PATCH', `logged-models/${model.model_id}`, { status: 'DONE' });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.message).toContain('status');
    const badFilter = await call('POST', 'logged-models/search', {
      experiment_ids: [experimentId],
      filter: "metrics.rmse < 'low'",
    });
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.message).toContain('rmse');
    const noScope = await call('POST', 'logged-models/search', {});
    expect(noScope.status).toBe(400);
    expect(noScope.body.message).toContain('experiment_ids');
    const unknownModelMetric = await call('POST', 'runs/log-metric', {
      run_id: runId,
      key: 'rmse',
      value: 1,
      timestamp: 1,
      model_id: `m-${'0'.repeat(32)}`,
    });
    expect(unknownModelMetric).toMatchObject({
      status: 404,
      body: { error_code: 'RESOURCE_DOES_NOT_EXIST' },
    });
    const run = (await call('GET', `runs/get?run_id=${runId}`)).body.run;
    expect(run.data.metrics ?? []).toEqual([]);
    const badDataset = await call('POST', 'runs/log-inputs', {
      run_id: runId,
      datasets: [{ dataset: { name: 'd', digest: '', source_type: 'code', source: '{}' } }],
    });
    expect(badDataset.status).toBe(400);
    expect(badDataset.body.message).toContain('digest');
  });

  it('links metrics to models, searches models by metric, param, tag and dataset, and pages', async () => {
    const ids: string[] = [];
    for (const [index, rmse] of [0.9, 0.5, 0.7].entries()) {
      const id = (
        await call('POST', 'logged-models', {
          experiment_id: experimentId,
          name: `searched-${index}`,
          params: [{ key: 'rank', value: String(index) }],
          tags: [{ key: 'kind', value: index === 1 ? 'best' : 'other' }],
        })
      ).body.model.info.model_id as string;
      ids.push(id);
      const logged = await call('POST', 'runs/log-batch', {
        run_id: runId,
        metrics: [
          { key: 'rmse', value: rmse + 1, timestamp: 1, step: 0, model_id: id, dataset_name: 'train' },
          {
            key: 'rmse',
            value: rmse,
            timestamp: 2,
            step: 1,
            model_id: id,
            dataset_name: 'holdout',
            dataset_digest: 'abc',
          },
        ],
      });
      expect(logged.status).toBe(200);
    }
    const search = async (body: Record<string, unknown>) =>
      (
        (await call('POST', 'logged-models/search', { experiment_ids: [experimentId], ...body })).body
          .models ?? []
      ).map((model: { info: { name: string } }) => model.info.name);
    expect(await search({ filter: "name LIKE 'searched-%' AND metrics.rmse < 0.8" })).toEqual([
      'searched-2',
      'searched-1',
    ]);
    expect(
      await search({
        filter: "name LIKE 'searched-%'",
        order_by: [{ field_name: 'metrics.rmse', ascending: true }],
      }),
    ).toEqual(['searched-1', 'searched-2', 'searched-0']);
    expect(await search({ filter: "params.rank = '2'" })).toEqual(['searched-2']);
    expect(await search({ filter: "tags.kind IN ('best')" })).toEqual(['searched-1']);
    expect(
      await search({
        filter: 'metrics.rmse > 1.6',
        datasets: [{ dataset_name: 'train' }],
      }),
    ).toEqual(['searched-2', 'searched-0']);
    const firstPage = await call('POST', 'logged-models/search', {
      experiment_ids: [experimentId],
      filter: "name LIKE 'searched-%'",
      max_results: 2,
    });
    expect(firstPage.body.models).toHaveLength(2);
    const secondPage = await call('POST', 'logged-models/search', {
      experiment_ids: [experimentId],
      filter: "name LIKE 'searched-%'",
      max_results: 2,
      page_token: firstPage.body.next_page_token,
    });
    expect(secondPage.body.models.map((model: { info: { name: string } }) => model.info.name)).toEqual([
      'searched-0',
    ]);
    const model = (await call('GET', `logged-models/${ids[1]}`)).body.model;
    expect(model.data.metrics).toContainEqual({
      key: 'rmse',
      value: 0.5,
      timestamp: 2,
      step: 1,
      model_id: ids[1],
      run_id: runId,
      dataset_name: 'holdout',
      dataset_digest: 'abc',
    });
    // The run keeps its own metrics as before.
    const run = (await call('GET', `runs/get?run_id=${runId}`)).body.run;
    expect(run.data.metrics.find((metric: { key: string }) => metric.key === 'rmse').step).toBe(1);
    // A value that is not finite goes out as proto-JSON's string, as a run's metric does.
    const lossPoint = { key: 'loss', value: 'NaN', timestamp: 3, step: 0, model_id: ids[1] };
    expect((await call('POST', 'runs/log-batch', { run_id: runId, metrics: [lossPoint] })).status).toBe(200);
    expect((await call('GET', `logged-models/${ids[1]}`)).body.model.data.metrics).toContainEqual({
      ...lossPoint,
      run_id: runId,
    });
  });

  it("records a run's datasets and models, returns them with the run, and searches runs by them", async () => {
    const other = (await call('POST', 'runs/create', { experiment_id: experimentId, run_name: 'other' })).body
      .run.info.run_id as string;
    const dataset = (name: string, digest: string, context: string) => ({
      tags: [{ key: 'mlflow.data.context', value: context }],
      dataset: {
        name,
        digest,
        source_type: 'code',
        source: '{"tags": {}}',
        schema: '{"mlflow_colspec": []}',
      },
    });
    expect(
      (
        await call('POST', 'runs/log-inputs', {
          run_id: runId,
          datasets: [dataset('ratings', 'd1', 'training')],
        })
      ).status,
    ).toBe(200);
    // Logging the same dataset again changes nothing.
    await call('POST', 'runs/log-inputs', {
      run_id: runId,
      datasets: [dataset('ratings', 'd1', 'training')],
    });
    await call('POST', 'runs/log-inputs', {
      run_id: other,
      datasets: [dataset('holdout', 'd2', 'evaluation')],
    });
    const model = (await call('POST', 'logged-models', { experiment_id: experimentId, source_run_id: runId }))
      .body.model.info.model_id as string;
    expect(
      (await call('POST', 'runs/outputs', { run_id: runId, models: [{ model_id: model, step: 3 }] })).status,
    ).toBe(200);
    expect(
      (await call('POST', 'runs/outputs', { run_id: runId, models: [{ model_id: `m-${'1'.repeat(32)}` }] }))
        .status,
    ).toBe(404);
    const hugeStep = await call('POST', 'runs/outputs', {
      run_id: runId,
      models: [{ model_id: model, step: 1e20 }],
    });
    expect(hugeStep.status).toBe(400);
    expect(hugeStep.body.message).toContain('step');
    const run = (await call('GET', `runs/get?run_id=${runId}`)).body.run;
    expect(run.inputs.dataset_inputs).toEqual([dataset('ratings', 'd1', 'training')]);
    expect(run.outputs.model_outputs).toEqual([{ model_id: model, step: 3 }]);

    const names = async (filter: string) => {
      const answer = await call('POST', 'runs/search', { experiment_ids: [experimentId], filter });
      return answer.status === 200
        ? (answer.body.runs ?? []).map((found: { info: { run_name: string } }) => found.info.run_name).sort()
        : answer.body;
    };
    const runName = run.info.run_name as string;
    expect(await names("datasets.name = 'ratings'")).toEqual([runName]);
    expect(await names("datasets.digest = 'd2'")).toEqual(['other']);
    expect(await names("datasets.context = 'evaluation'")).toEqual(['other']);
    expect(await names("datasets.name IN ('ratings', 'holdout')")).toEqual([runName, 'other'].sort());
    expect(await names("datasets.name LIKE 'hold%'")).toEqual(['other']);
    expect(await names("datasets.size = 'x'")).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
  });

  it('uploads an artifact in parts through the proxy, refusing unknown uploads and paths', async () => {
    const directory = `${experimentId}/${runId}/artifacts/big`;
    const created = await app.inject({
      method: 'POST',
      url: `/api/2.0/mlflow-artifacts/mpu/create/${directory}`,
      payload: { path: '/tmp/local/weights.bin', num_parts: 2 },
    });
    expect(created.statusCode).toBe(200);
    const { upload_id: uploadId, credentials } = created.json() as {
      upload_id: string;
      credentials: { url: string; part_number: number }[];
    };
    expect(credentials.map((credential) => credential.part_number)).toEqual([1, 2]);
    const parts = [randomBytes(1000), randomBytes(10)];
    const etags: string[] = [];
    // Parts may arrive in any order.
    for (const index of [1, 0]) {
      const part = await app.inject({
        method: 'PUT',
        url: new URL(credentials[index]?.url ?? '').pathname,
        payload: parts[index],
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(part.statusCode).toBe(200);
      etags[index] = String(part.headers.etag);
    }
    const wrongPath = await app.inject({
      method: 'POST',
      url: `/api/2.0/mlflow-artifacts/mpu/complete/${directory}`,
      payload: { path: 'other.bin', upload_id: uploadId, parts: [] },
    });
    expect(wrongPath.statusCode).toBe(404);
    expect(wrongPath.json()).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
    const completed = await app.inject({
      method: 'POST',
      url: `/api/2.0/mlflow-artifacts/mpu/complete/${directory}`,
      payload: {
        path: 'weights.bin',
        upload_id: uploadId,
        parts: etags.map((etag, index) => ({ part_number: index + 1, etag })),
      },
    });
    expect(completed.statusCode).toBe(200);
    const download = await app.inject({
      method: 'GET',
      url: `/api/2.0/mlflow-artifacts/artifacts/${directory}/weights.bin`,
    });
    expect(download.rawPayload.equals(Buffer.concat(parts))).toBe(true);

    const tooMany = await app.inject({
      method: 'POST',
      url: `/api/2.0/mlflow-artifacts/mpu/create/${directory}`,
      payload: { path: 'x.bin', num_parts: 20_000 },
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().message).toContain('num_parts');
    const traversal = await app.inject({
      method: 'POST',
      url: `/api/2.0/mlflow-artifacts/mpu/create/${directory}`,
      payload: { path: '..', num_parts: 1 },
    });
    expect(traversal.statusCode).toBe(400);
    expect(traversal.json().message).toContain('..');
    const unknownPart = await app.inject({
      method: 'PUT',
      url: `/api/2.0/mlflow-artifacts/mpu/parts/${'a'.repeat(32)}/1`,
      payload: Buffer.from('x'),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(unknownPart.statusCode).toBe(404);
    const aborted = await app.inject({
      method: 'POST',
      url: `/api/2.0/mlflow-artifacts/mpu/create/${directory}`,
      payload: { path: 'dropped.bin', num_parts: 1 },
    });
    const abort = await app.inject({
      method: 'POST',
      url: `/api/2.0/mlflow-artifacts/mpu/abort/${directory}`,
      payload: { path: 'dropped.bin', upload_id: aborted.json().upload_id },
    });
    expect(abort.statusCode).toBe(200);
    const listing = await app.inject({
      method: 'GET',
      url: `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=big`,
    });
    expect(listing.json().files.map((file: { path: string }) => file.path)).toEqual(['big/weights.bin']);
    // The proxy's own listing, and a delete that empties the directory (`files` then left out).
    const proxied = (path: string) =>
      app.inject({ url: `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(path)}` });
    expect((await proxied(directory)).json()).toEqual({
      files: [{ path: 'weights.bin', is_dir: false, file_size: 1010 }],
    });
    const deleted = await app.inject({
      method: 'DELETE',
      url: `/api/2.0/mlflow-artifacts/artifacts/${directory}/weights.bin`,
    });
    expect([deleted.statusCode, deleted.json()]).toEqual([200, {}]);
    expect((await proxied(directory)).json()).toEqual({});
  });

  it('tells an MLflow 3 client what it supports: multipart uploads on', async () => {
    const info = await app.inject({ url: '/api/3.0/mlflow/server-info' });
    expect(info.json()).toEqual({
      store_type: 'SqlStore',
      artifact_serving_enabled: true,
      multipart_uploads_enabled: true,
      multipart_downloads_enabled: false,
      workspaces_enabled: false,
    });
  });

  it('lists and serves a logged model’s artifacts under logged-models/<id>', async () => {
    const model = (await call('POST', 'logged-models', { experiment_id: experimentId, name: 'with-files' }))
      .body.model.info;
    const root = String(model.artifact_uri).replace('mlflow-artifacts:/', '');
    await app.inject({
      method: 'PUT',
      url: `/api/2.0/mlflow-artifacts/artifacts/${root}/MLmodel`,
      payload: 'flavors: {}\n',
      headers: { 'content-type': 'text/plain' },
    });
    await app.inject({
      method: 'PUT',
      url: `/api/2.0/mlflow-artifacts/artifacts/${root}/data/model.pkl`,
      payload: Buffer.from([1, 2, 3]),
      headers: { 'content-type': 'application/octet-stream' },
    });
    const listed = await call('GET', `logged-models/${model.model_id}/artifacts/directories`);
    expect(listed.body).toEqual({
      root_uri: model.artifact_uri,
      files: [
        { path: 'MLmodel', is_dir: false, file_size: 12 },
        { path: 'data', is_dir: true },
      ],
    });
    const nested = await call(
      'GET',
      `logged-models/${model.model_id}/artifacts/directories?artifact_directory_path=data`,
    );
    expect(nested.body.files).toEqual([{ path: 'data/model.pkl', is_dir: false, file_size: 3 }]);
    const file = await app.inject({
      method: 'GET',
      url: `/ajax-api/2.0/mlflow/logged-models/${model.model_id}/artifacts/files?artifact_file_path=MLmodel`,
    });
    expect(file.statusCode).toBe(200);
    expect(file.body).toBe('flavors: {}\n');
    const noPath = await app.inject({
      method: 'GET',
      url: `/ajax-api/2.0/mlflow/logged-models/${model.model_id}/artifacts/files`,
    });
    expect(noPath.statusCode).toBe(400);
    expect(noPath.json().message).toContain('artifact_file_path');
  });

  it('registers a version from models:/<model_id>, resolved to the model’s files and run', async () => {
    const model = (await call('POST', 'logged-models', { experiment_id: experimentId, source_run_id: runId }))
      .body.model.info;
    await call('POST', 'registered-models/create', { name: 'from-logged-model' });
    const created = await call('POST', 'model-versions/create', {
      name: 'from-logged-model',
      source: `models:/${model.model_id}`,
      model_id: model.model_id,
    });
    expect(created.status).toBe(200);
    expect(created.body.model_version).toMatchObject({
      version: '1',
      source: model.artifact_uri,
      run_id: runId,
      model_id: model.model_id,
    });
    const tagged = (await call('GET', `logged-models/${model.model_id}`)).body.model.info.tags;
    expect(tagged).toContainEqual({
      key: 'mlflow.modelVersions',
      value: JSON.stringify([{ name: 'from-logged-model', version: '1' }]),
    });
    const unknown = await call('POST', 'model-versions/create', {
      name: 'from-logged-model',
      source: `models:/m-${'2'.repeat(32)}`,
    });
    expect(unknown).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
  });

  it('sends a browser at /mlflow to the runs page', async () => {
    for (const url of ['/mlflow', '/mlflow/']) {
      const page = await app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      expect(page.statusCode).toBe(302);
      expect(page.headers.location).toBe('/runs');
    }
    const api = await app.inject({ method: 'GET', url: '/mlflow', headers: { accept: 'application/json' } });
    expect(api.statusCode).toBe(404);
  });
});

describe('multipart uploads with tokens on', () => {
  let platform: Platform;
  let app: App;
  let remove: () => void;

  beforeAll(async () => {
    let home: string;
    ({ home, remove } = createTestHome());
    platform = await openPlatform(
      loadConfig({
        env: { MLOPS_HOME: home, MLOPS_AUTH: 'on', MLOPS_RATE_LIMIT_PER_MINUTE: '0' },
        cwd: home,
      }),
      createLogger({ level: 'silent', format: 'json' }),
    );
    app = await buildApp(platform);
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
    remove?.();
  });

  it("hands each part URL the caller's own token, and a part without an editor's token is refused", async () => {
    const token = async (role: 'viewer' | 'editor') =>
      (await createToken(platform.database.db, { name: role, role, createdBy: 'test' })).token;
    const editor = `Bearer ${await token('editor')}`;
    const viewer = `Bearer ${await token('viewer')}`;
    const created = await app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow-artifacts/mpu/create/0/run/artifacts',
      payload: { path: 'model.bin', num_parts: 1 },
      headers: { authorization: editor },
    });
    expect(created.statusCode).toBe(200);
    const [credential] = created.json().credentials as { url: string; headers: Record<string, string> }[];
    expect(credential?.headers).toEqual({ Authorization: editor });
    const partUrl = new URL(credential?.url ?? '').pathname;
    const put = (authorization?: string) =>
      app.inject({
        method: 'PUT',
        url: partUrl,
        payload: Buffer.from('bytes'),
        headers: {
          'content-type': 'application/octet-stream',
          ...(authorization === undefined ? {} : { authorization }),
        },
      });
    expect((await put()).statusCode).toBe(401);
    expect((await put(viewer)).statusCode).toBe(403);
    const part = await put(credential?.headers.Authorization);
    expect(part.statusCode).toBe(200);
    expect(part.headers.etag).toBeTruthy();
  });
});

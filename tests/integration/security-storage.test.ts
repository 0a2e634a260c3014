import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/server/index.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';

const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';

describe('artifact names outside Latin-1 upload and download under their own name', () => {
  let test: TestPlatform;
  let app: App;
  beforeAll(async () => {
    test = await openTestPlatform();
    app = await buildApp(test.platform);
  });
  afterAll(async () => {
    await app?.close();
    await test?.dispose();
  });

  it('answers a download with an ASCII fallback and the UTF-8 name (RFC 6266), and lists it', async () => {
    const name = '名前 – ü"x.txt';
    const url = `${ARTIFACTS}/0/run/artifacts/${encodeURIComponent(name)}`;
    const put = await app.inject({
      method: 'PUT',
      url,
      headers: { 'content-type': 'text/plain' },
      payload: 'héllo',
    });
    expect(put.statusCode).toBe(200);
    const got = await app.inject({ url });
    expect(got.statusCode).toBe(200);
    expect(got.body).toBe('héllo');
    const disposition = String(got.headers['content-disposition']);
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
    expect(decodeURIComponent(disposition.split("UTF-8''")[1] ?? '')).toBe(name);
    const listed = await app.inject({ url: `${ARTIFACTS}?path=0/run/artifacts` });
    expect(listed.json().files).toEqual([{ path: name, is_dir: false, file_size: 6 }]);
  });

  it('refuses a path segment longer than a file name may be with a 400, not a 500', async () => {
    const answer = await app.inject({
      method: 'PUT',
      url: `${ARTIFACTS}/0/run/artifacts/${'9'.repeat(400)}`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: 'x',
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.json().message).toMatch(/longer than 255 bytes/);
  });

  it('reports a deleted artifact folder as down in /ready (503), not "writable"', async () => {
    expect((await app.inject({ url: '/ready' })).statusCode).toBe(200);
    const root = test.config.artifacts.type === 'local' ? test.config.artifacts.root : '';
    rmSync(root, { recursive: true, force: true });
    const ready = await app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(503);
    const artifacts = ready
      .json()
      .components.find((component: { name: string }) => component.name === 'artifacts');
    expect(artifacts).toMatchObject({ status: 'down' });
    expect(artifacts.detail).toMatch(/is gone/);
  });
});

describe('a full disk answers 507 and keeps nothing half-written', () => {
  let test: TestPlatform;
  let app: App;
  const mountPoint = mkdtempSync(path.join(tmpdir(), 'mlops-full-disk-'));
  beforeAll(async () => {
    // A real, small filesystem (the test machines run as root, as CI does).
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
    test = await openTestPlatform({ MLOPS_ARTIFACT_ROOT: mountPoint });
    app = await buildApp(test.platform);
  });
  afterAll(async () => {
    await app?.close();
    await test?.dispose();
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('refuses an upload larger than the free space with 507, leaves no file behind, and /ready says full', async () => {
    const small = await app.inject({
      method: 'PUT',
      url: `${ARTIFACTS}/0/run/artifacts/small.bin`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(1000, 1),
    });
    expect(small.statusCode).toBe(200);
    const big = await app.inject({
      method: 'PUT',
      url: `${ARTIFACTS}/0/run/artifacts/big.bin`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(4 * 1024 * 1024, 7),
    });
    expect(big.statusCode).toBe(507);
    expect(big.json()).toMatchObject({ error_code: 'RESOURCE_EXHAUSTED' });
    expect(big.json().message).toMatch(/disk .* is full: nothing of this request was kept/);
    expect((await app.inject({ url: `${ARTIFACTS}/0/run/artifacts/big.bin` })).statusCode).toBe(404);
    expect(readdirSync(path.join(mountPoint, '.mlops', 'tmp'))).toEqual([]);
    // What was acknowledged before is intact.
    const kept = await app.inject({ url: `${ARTIFACTS}/0/run/artifacts/small.bin` });
    expect(kept.rawPayload.equals(Buffer.alloc(1000, 1))).toBe(true);
    // Fill the disk: /ready reports it.
    await app.inject({
      method: 'PUT',
      url: `${ARTIFACTS}/0/run/artifacts/filler.bin`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(2 * 1024 * 1024 - 64 * 1024, 3),
    });
    const ready = await app.inject({ url: '/ready' });
    const artifacts = ready
      .json()
      .components.find((component: { name: string }) => component.name === 'artifacts');
    expect(ready.statusCode).toBe(503);
    expect(artifacts.detail).toMatch(/is full/);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { S3ArtifactStoreConfig } from '../../src/config/index.js';
import { LocalArtifactStore, S3ArtifactStore } from '../../src/storage/index.js';
import { serviceValue } from '../helpers/services.js';
import { runArtifactStoreContract } from './artifact-store.contract.js';

let localRoot = '';
runArtifactStoreContract('local', {
  async create() {
    localRoot = mkdtempSync(path.join(tmpdir(), 'mlops-artifacts-'));
    return new LocalArtifactStore({ type: 'local', root: path.join(localRoot, 'store') });
  },
  async dispose() {
    // Nothing may have been written beside the store's root, whatever keys were tried.
    expect(readdirSync(localRoot)).toEqual(['store']);
    rmSync(localRoot, { recursive: true, force: true });
  },
});

function s3Config(overrides: Partial<S3ArtifactStoreConfig> = {}): S3ArtifactStoreConfig {
  return {
    type: 's3',
    bucket: serviceValue('MLOPS_TEST_S3_BUCKET'),
    prefix: `test-${randomBytes(5).toString('hex')}`,
    endpoint: serviceValue('MLOPS_TEST_S3_ENDPOINT'),
    region: 'us-east-1',
    accessKeyId: serviceValue('MLOPS_TEST_S3_ACCESS_KEY_ID'),
    secretAccessKey: serviceValue('MLOPS_TEST_S3_SECRET_ACCESS_KEY'),
    forcePathStyle: true,
    ...overrides,
  };
}

runArtifactStoreContract('s3 (s3proxy)', { create: () => S3ArtifactStore.create(s3Config()) });

describe('local artifact store specifics', () => {
  it('refuses to read or write through a symbolic link that leads outside the store', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mlops-artifacts-'));
    const outside = mkdtempSync(path.join(tmpdir(), 'mlops-outside-'));
    writeFileSync(path.join(outside, 'secret.txt'), 'do not read');
    symlinkSync(outside, path.join(root, 'linked'));
    const store = new LocalArtifactStore({ type: 'local', root });
    const refused = { code: 'MLOPS_ERR_ARTIFACT_KEY_INVALID' };
    await expect(store.get('linked/secret.txt')).rejects.toMatchObject(refused);
    await expect(store.stream('linked/secret.txt')).rejects.toMatchObject(refused);
    await expect(store.put('linked/new.txt', 'x')).rejects.toMatchObject(refused);
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('recomputes a missing or stale hash record from the file itself', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mlops-artifacts-'));
    const store = new LocalArtifactStore({ type: 'local', root });
    await store.put('a/b.txt', 'hello');
    rmSync(path.join(root, '.mlops', 'meta'), { recursive: true });
    writeFileSync(path.join(root, 'a', 'b.txt'), 'changed by hand');
    const stat = await store.stat('a/b.txt');
    expect(stat?.size).toBe('changed by hand'.length);
    expect(stat?.sha256).toBe(createHash('sha256').update('changed by hand').digest('hex'));
    rmSync(root, { recursive: true, force: true });
  });

  it('lists files placed in the folder by hand, and removes emptied folders on delete', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mlops-artifacts-'));
    mkdirSync(path.join(root, 'imported', 'deep'), { recursive: true });
    writeFileSync(path.join(root, 'imported', 'deep', 'file.parquet'), 'PAR1');
    const store = new LocalArtifactStore({ type: 'local', root });
    expect((await store.list('imported/')).map((entry) => entry.key)).toEqual(['imported/deep/file.parquet']);
    expect(await store.delete('imported/deep/file.parquet')).toBe(true);
    expect(existsSync(path.join(root, 'imported'))).toBe(false);
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a key under another artifact with a conflict, leaving the first intact', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mlops-artifacts-'));
    const store = new LocalArtifactStore({ type: 'local', root });
    await store.put('model', 'weights');
    await expect(store.put('model/card.json', '{}')).rejects.toMatchObject({ code: 'MLOPS_ERR_CONFLICT' });
    expect((await store.get('model')).toString()).toBe('weights');
    rmSync(root, { recursive: true, force: true });
  });
});

describe('s3 artifact store specifics', () => {
  it('keeps stores with different prefixes apart in one bucket', async () => {
    const first = await S3ArtifactStore.create(s3Config());
    const second = await S3ArtifactStore.create(s3Config());
    await first.put('shared/name.txt', 'first');
    expect(await second.stat('shared/name.txt')).toBeUndefined();
    expect(await second.list()).toEqual([]);
    expect(first.location).toMatch(/^s3:\/\/mlops-test\/test-[0-9a-f]+$/);
    await first.close();
    await second.close();
  });

  it('names S3_BUCKET when the bucket does not exist', async () => {
    const store = await S3ArtifactStore.create(s3Config({ bucket: 'no-such-bucket-here' }));
    await expect(store.ping()).rejects.toMatchObject({
      code: 'MLOPS_ERR_CONFIG_INVALID',
      field: 'S3_BUCKET',
    });
    await store.close();
  });

  it('reports an unreachable endpoint as unavailable, naming S3_ENDPOINT_URL', async () => {
    const store = await S3ArtifactStore.create(s3Config({ endpoint: 'http://127.0.0.1:9' }));
    await expect(store.ping()).rejects.toMatchObject({
      code: 'MLOPS_ERR_STORAGE_UNAVAILABLE',
      field: 'S3_ENDPOINT_URL',
    });
    await store.close();
  });

  it('rejects wrong credentials with a clear error', async () => {
    const store = await S3ArtifactStore.create(s3Config({ secretAccessKey: 'wrong-secret' }));
    await expect(store.put('x.txt', 'x')).rejects.toMatchObject({ code: 'MLOPS_ERR_STORAGE_UNAVAILABLE' });
    await store.close();
  });
});

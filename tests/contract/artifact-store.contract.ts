import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../src/storage/index.js';

export interface ArtifactStoreHarness {
  /** A store over an empty, private namespace. */
  create(): Promise<ArtifactStore>;
  dispose?(): Promise<void>;
}

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A stream that yields `size` pseudo-random bytes in 64 KiB chunks, optionally failing midway. */
function generatedStream(size: number, failAfter?: number): { stream: Readable; expected: Buffer } {
  const expected = Buffer.alloc(size);
  for (let i = 0; i < size; i++) expected[i] = (i * 2654435761) >>> 24;
  let offset = 0;
  const stream = new Readable({
    read() {
      if (failAfter !== undefined && offset >= failAfter) {
        this.destroy(new Error('source failed midway'));
        return;
      }
      if (offset >= size) {
        this.push(null);
        return;
      }
      const end = Math.min(size, offset + 65536);
      this.push(expected.subarray(offset, end));
      offset = end;
    },
  });
  return { stream, expected };
}

const BAD_KEYS: [string, string][] = [
  ['', 'empty'],
  ['/etc/passwd', 'absolute'],
  ['../outside', 'parent segment'],
  ['models/../../outside', 'parent segment inside'],
  ['a//b', 'empty segment'],
  ['a/./b', 'dot segment'],
  ['a\\b', 'backslash'],
  ['.mlops/tmp/x', 'reserved folder'],
  ['bad\u0000key', 'NUL byte'],
  ['x'.repeat(1025), 'too long'],
  ['trailing/', 'trailing slash'],
];

/** The behaviour every artifact store must show, run against each backend. */
export function runArtifactStoreContract(backend: string, harness: ArtifactStoreHarness): void {
  describe(`artifact store contract: ${backend}`, () => {
    let store: ArtifactStore;

    beforeAll(async () => {
      store = await harness.create();
    });
    afterAll(async () => {
      await store?.close();
      await harness.dispose?.();
    });

    it('answers a ping', async () => {
      expect(await store.ping()).toBeGreaterThanOrEqual(0);
    });

    it('stores a buffer and gives back the same bytes, size and SHA-256', async () => {
      const body = Buffer.from('user_id,content_id\n1,2\n');
      const info = await store.put('datasets/watch-log.csv', body, { contentType: 'text/csv' });
      expect(info).toMatchObject({ key: 'datasets/watch-log.csv', size: body.length, sha256: sha(body) });
      expect(await store.get('datasets/watch-log.csv')).toEqual(body);
      const stat = await store.stat('datasets/watch-log.csv');
      expect(stat).toMatchObject({ size: body.length, sha256: sha(body), contentType: 'text/csv' });
      expect(stat?.lastModified).toBeInstanceOf(Date);
    });

    it('stores a string as UTF-8, with a non-ASCII key', async () => {
      const key = 'reports/영화 보고서 é.json';
      const text = '{"title":"기생충"}';
      const info = await store.put(key, text);
      expect(info.sha256).toBe(sha(Buffer.from(text, 'utf8')));
      expect((await store.get(key)).toString('utf8')).toBe(text);
    });

    it('streams a large body in and out without changing a byte', async () => {
      const { stream, expected } = generatedStream(3 * 1024 * 1024 + 17);
      const info = await store.put('models/big.bin', stream);
      expect(info.size).toBe(expected.length);
      expect(info.sha256).toBe(sha(expected));
      expect(sha(await readAll(await store.stream('models/big.bin')))).toBe(sha(expected));
    });

    it('replaces content on a second put, and the hash follows', async () => {
      await store.put('models/current.json', 'v1');
      const second = await store.put('models/current.json', 'version two');
      expect(second.sha256).toBe(sha('version two'));
      expect((await store.get('models/current.json')).toString()).toBe('version two');
      expect((await store.stat('models/current.json'))?.sha256).toBe(sha('version two'));
    });

    it('keeps the previous content when a streamed write fails midway', async () => {
      await store.put('models/safe.bin', 'previous content');
      const { stream } = generatedStream(1024 * 1024, 256 * 1024);
      await expect(store.put('models/safe.bin', stream)).rejects.toThrow(/source failed midway/);
      expect((await store.get('models/safe.bin')).toString()).toBe('previous content');
      expect((await store.list('models/safe')).map((entry) => entry.key)).toEqual(['models/safe.bin']);
    });

    it('reports a missing key: stat undefined, get and stream rejected with ARTIFACT_NOT_FOUND', async () => {
      expect(await store.stat('nothing/here')).toBeUndefined();
      await expect(store.get('nothing/here')).rejects.toMatchObject({ code: 'MLOPS_ERR_ARTIFACT_NOT_FOUND' });
      await expect(store.stream('nothing/here')).rejects.toMatchObject({
        code: 'MLOPS_ERR_ARTIFACT_NOT_FOUND',
      });
    });

    it('lists by prefix, sorted by key, with sizes', async () => {
      await store.put('list/b/2.txt', 'bb');
      await store.put('list/a.txt', 'a');
      await store.put('list/b/1.txt', 'b');
      await store.put('listing-other.txt', 'x');
      const listed = await store.list('list/');
      expect(listed.map((entry) => [entry.key, entry.size])).toEqual([
        ['list/a.txt', 1],
        ['list/b/1.txt', 1],
        ['list/b/2.txt', 2],
      ]);
      expect((await store.list('list/b/')).map((entry) => entry.key)).toEqual([
        'list/b/1.txt',
        'list/b/2.txt',
      ]);
      expect((await store.list('list')).map((entry) => entry.key)).toContain('listing-other.txt');
      expect((await store.list()).map((entry) => entry.key)).toEqual(
        expect.arrayContaining(['list/a.txt', 'listing-other.txt']),
      );
      expect(await store.list('no-such-prefix/')).toEqual([]);
    });

    it('never shows its own reserved files in a listing', async () => {
      await store.put('visible.txt', 'v');
      const keys = (await store.list()).map((entry) => entry.key);
      expect(keys.some((key) => key.startsWith('.mlops'))).toBe(false);
    });

    it('deletes: true once, then false, and the key is gone', async () => {
      await store.put('trash/item.txt', 'x');
      expect(await store.delete('trash/item.txt')).toBe(true);
      expect(await store.delete('trash/item.txt')).toBe(false);
      expect(await store.stat('trash/item.txt')).toBeUndefined();
      expect(await store.list('trash/')).toEqual([]);
    });

    it('writes a large object in parts, in any order, appearing whole only once completed', async () => {
      const first = generatedStream(5 * 1024 * 1024 + 3).expected;
      const second = Buffer.from('the last part may be small');
      const uploadId = await store.multipart.create('models/big/weights.bin');
      const etag2 = await store.multipart.uploadPart(
        'models/big/weights.bin',
        uploadId,
        2,
        Readable.from([second]),
        second.length,
      );
      const etag1 = await store.multipart.uploadPart(
        'models/big/weights.bin',
        uploadId,
        1,
        Readable.from([first]),
      );
      expect(await store.stat('models/big/weights.bin')).toBeUndefined();
      await store.multipart.complete('models/big/weights.bin', uploadId, [
        { partNumber: 2, etag: etag2 },
        { partNumber: 1, etag: etag1 },
      ]);
      const whole = Buffer.concat([first, second]);
      // Buffer.equals: a deep equality over 5 MB element by element would take a minute.
      expect((await store.get('models/big/weights.bin')).equals(whole)).toBe(true);
      expect(await store.stat('models/big/weights.bin')).toMatchObject({
        size: whole.length,
        sha256: sha(whole),
      });
      expect((await store.list('models/big/')).map((entry) => entry.key)).toEqual(['models/big/weights.bin']);
    });

    it('drops an aborted multipart upload: nothing written, the upload id no longer takes parts', async () => {
      const uploadId = await store.multipart.create('models/aborted/weights.bin');
      await store.multipart.uploadPart(
        'models/aborted/weights.bin',
        uploadId,
        1,
        Readable.from([Buffer.from('x')]),
        1,
      );
      await store.multipart.abort('models/aborted/weights.bin', uploadId);
      expect(await store.list('models/aborted/')).toEqual([]);
      await expect(
        store.multipart.complete('models/aborted/weights.bin', uploadId, [{ partNumber: 1, etag: 'x' }]),
      ).rejects.toThrow();
      await expect(store.multipart.create('../outside')).rejects.toMatchObject({
        code: 'MLOPS_ERR_ARTIFACT_KEY_INVALID',
      });
    });

    describe('rejects keys that could escape the store or are malformed', () => {
      for (const [key, why] of BAD_KEYS) {
        it(`rejects ${why}: ${JSON.stringify(key.slice(0, 24))}`, async () => {
          const invalid = { code: 'MLOPS_ERR_ARTIFACT_KEY_INVALID', field: 'key' };
          await expect(store.put(key, 'x')).rejects.toMatchObject(invalid);
          await expect(store.get(key)).rejects.toMatchObject(invalid);
          await expect(store.stat(key)).rejects.toMatchObject(invalid);
          await expect(store.delete(key)).rejects.toMatchObject(invalid);
        });
      }
      it('rejects a listing prefix with a parent segment', async () => {
        await expect(store.list('../')).rejects.toMatchObject({
          code: 'MLOPS_ERR_ARTIFACT_KEY_INVALID',
          field: 'prefix',
        });
      });
    });
  });
}

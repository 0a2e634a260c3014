import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import {
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rmdir,
  stat,
  statfs,
  unlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { LocalArtifactStoreConfig } from '../../config/index.js';
import { ConflictError, MlopsError } from '../../errors/index.js';
import {
  artifactNotFound,
  RESERVED_PREFIX,
  validateArtifactKey,
  validateArtifactPrefix,
} from './artifact-key.js';
import type {
  ArtifactBody,
  ArtifactInfo,
  ArtifactListing,
  ArtifactStore,
  PutOptions,
} from './artifact-store.js';
import { hashStream, writeHashed } from './hashing.js';
import { LocalMultipartUploads } from './local-multipart-uploads.js';
import type { MultipartUploads } from './multipart-uploads.js';

interface SidecarMeta {
  sha256: string;
  size: number;
  mtime_ms: number;
  content_type?: string;
}

/**
 * Artifacts as files under one folder: `<root>/<key>`. Content is written to `<root>/.mlops/tmp` and
 * renamed into place; hashes are kept beside, in `<root>/.mlops/meta/<key>.json`, and recomputed when
 * that record is missing or stale (the file is the truth; the record is a cache).
 */
/** Below this much free space the disk counts as full (`/ready` says so). */
const MIN_FREE_BYTES = 1024 * 1024;

export class LocalArtifactStore implements ArtifactStore {
  readonly backend = 'local' as const;
  readonly location: string;
  readonly multipart: MultipartUploads;
  private readonly root: string;
  private hasCreatedRoot = false;

  constructor(config: LocalArtifactStoreConfig) {
    this.root = path.resolve(config.root);
    this.location = this.root;
    this.multipart = new LocalMultipartUploads(this.root, (key, body, options) =>
      this.put(key, body, options),
    );
  }

  async put(key: string, body: ArtifactBody, options: PutOptions = {}): Promise<ArtifactInfo> {
    validateArtifactKey(key);
    const target = this.objectPath(key);
    await this.assertNoEscape(target);
    const tmpDir = path.join(this.root, RESERVED_PREFIX, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmpFile = path.join(tmpDir, randomUUID());
    try {
      const { size, sha256 } = await writeHashed(body, tmpFile);
      await this.mkdirFor(key, target);
      await rename(tmpFile, target).catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'EISDIR' || error.code === 'ENOTEMPTY' || error.code === 'EEXIST'
          ? new ConflictError(`artifact key "${key}" is a folder of other artifacts in the local store`, {
              field: 'key',
            })
          : error;
      });
      const { mtime } = await stat(target);
      await this.writeMeta(key, {
        sha256,
        size,
        mtime_ms: mtime.getTime(),
        content_type: options.contentType,
      });
      return { key, size, sha256, lastModified: mtime, contentType: options.contentType };
    } finally {
      await unlink(tmpFile).catch(() => {});
    }
  }

  async get(key: string): Promise<Buffer> {
    validateArtifactKey(key);
    await this.assertNoEscape(this.objectPath(key));
    try {
      return await readFile(this.objectPath(key));
    } catch (error) {
      throw this.mapMissing(error, key);
    }
  }

  async stream(key: string): Promise<Readable> {
    validateArtifactKey(key);
    await this.assertNoEscape(this.objectPath(key));
    try {
      const handle = await open(this.objectPath(key), 'r');
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw artifactNotFound(key);
      }
      return handle.createReadStream();
    } catch (error) {
      throw this.mapMissing(error, key);
    }
  }

  async stat(key: string): Promise<ArtifactInfo | undefined> {
    validateArtifactKey(key);
    const file = this.objectPath(key);
    const fileStat = await stat(file).catch(() => undefined);
    if (fileStat === undefined || !fileStat.isFile()) return undefined;
    let meta = await this.readMeta(key);
    if (meta === undefined || meta.size !== fileStat.size || meta.mtime_ms !== fileStat.mtime.getTime()) {
      meta = { sha256: await hashStream(file), size: fileStat.size, mtime_ms: fileStat.mtime.getTime() };
      await this.writeMeta(key, meta);
    }
    return {
      key,
      size: fileStat.size,
      sha256: meta.sha256,
      lastModified: fileStat.mtime,
      contentType: meta.content_type,
    };
  }

  async list(prefix = ''): Promise<ArtifactListing[]> {
    validateArtifactPrefix(prefix);
    // Walk only the deepest folder the prefix fixes, not the whole store.
    const fixedFolder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = fixedFolder === '' ? this.root : this.objectPath(fixedFolder);
    let entries: Dirent[];
    try {
      entries = await readdir(start, { recursive: true, withFileTypes: true });
    } catch {
      return [];
    }
    const listings: ArtifactListing[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const key = path.relative(this.root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
      if (key.startsWith(`${RESERVED_PREFIX}/`) || !key.startsWith(prefix)) continue;
      const fileStat = await stat(path.join(entry.parentPath, entry.name)).catch(() => undefined);
      if (fileStat !== undefined) listings.push({ key, size: fileStat.size, lastModified: fileStat.mtime });
    }
    return listings.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<boolean> {
    validateArtifactKey(key);
    const file = this.objectPath(key);
    const fileStat = await stat(file).catch(() => undefined);
    if (fileStat === undefined || !fileStat.isFile()) return false;
    await unlink(file);
    await unlink(this.metaPath(key)).catch(() => {});
    await this.removeEmptyParents(path.dirname(file), this.root);
    await this.removeEmptyParents(
      path.dirname(this.metaPath(key)),
      path.join(this.root, RESERVED_PREFIX, 'meta'),
    );
    return true;
  }

  /**
   * Creates the folder at the first ping (the platform pings at start); afterwards a folder that has gone
   * (deleted under a running platform) or a full disk is reported, not papered over by re-creating it.
   */
  async ping(): Promise<number> {
    const startedAt = performance.now();
    if (!this.hasCreatedRoot) {
      await mkdir(this.root, { recursive: true });
      this.hasCreatedRoot = true;
    } else if (
      !(await stat(this.root).then(
        (info) => info.isDirectory(),
        () => false,
      ))
    )
      throw new MlopsError(
        'MLOPS_ERR_STORAGE_UNAVAILABLE',
        `the artifact folder ${this.root} is gone (deleted under the running platform): restore it from a backup, or restart to start an empty one`,
      );
    const space = await statfs(this.root);
    const free = space.bavail * space.bsize;
    if (free < MIN_FREE_BYTES)
      throw new MlopsError(
        'MLOPS_ERR_STORAGE_FULL',
        `the disk of the artifact folder ${this.root} is full (${free} bytes free): uploads answer 507 until space is freed`,
      );
    const probe = path.join(this.root, RESERVED_PREFIX, 'ping');
    await mkdir(path.dirname(probe), { recursive: true });
    await writeFile(probe, String(Date.now()));
    return performance.now() - startedAt;
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }

  /** The file of `key`; refuses (as a last line of defence) any path outside the root. */
  private objectPath(key: string): string {
    const file = path.resolve(this.root, ...key.split('/'));
    const relative = path.relative(this.root, file);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) validateArtifactKey('..');
    return file;
  }

  /**
   * Refuses a path that a symbolic link inside the store leads outside the root (someone else put the
   * link there: the store never makes links). Checks the deepest part of the path that exists.
   */
  private async assertNoEscape(file: string): Promise<void> {
    let existing = file;
    for (;;) {
      try {
        const real = await realpath(existing);
        const root = await realpath(this.root).catch(() => this.root);
        if (real !== root && !real.startsWith(`${root}${path.sep}`)) {
          throw new MlopsError(
            'MLOPS_ERR_ARTIFACT_KEY_INVALID',
            'artifact key leads outside the store through a symbolic link',
            { field: 'key' },
          );
        }
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
        const parent = path.dirname(existing);
        if (parent === existing || !parent.startsWith(this.root)) return;
        existing = parent;
      }
    }
  }

  private metaPath(key: string): string {
    return `${path.join(this.root, RESERVED_PREFIX, 'meta', ...key.split('/'))}.json`;
  }

  private async mkdirFor(key: string, target: string): Promise<void> {
    try {
      await mkdir(path.dirname(target), { recursive: true });
    } catch (error) {
      if (
        (error as NodeJS.ErrnoException).code === 'ENOTDIR' ||
        (error as NodeJS.ErrnoException).code === 'EEXIST'
      ) {
        throw new ConflictError(
          `artifact key "${key}" lies under another artifact's key in the local store`,
          {
            field: 'key',
          },
        );
      }
      throw error;
    }
  }

  private async readMeta(key: string): Promise<SidecarMeta | undefined> {
    try {
      return JSON.parse(await readFile(this.metaPath(key), 'utf8')) as SidecarMeta;
    } catch {
      return undefined;
    }
  }

  private async writeMeta(key: string, meta: SidecarMeta): Promise<void> {
    const file = this.metaPath(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify(meta));
    await rename(tmp, file);
  }

  private async removeEmptyParents(folder: string, stopAt: string): Promise<void> {
    let current = folder;
    while (current.startsWith(stopAt) && current !== stopAt) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty, or gone
      }
      current = path.dirname(current);
    }
  }

  private mapMissing(error: unknown, key: string): unknown {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR' ? artifactNotFound(key) : error;
  }
}

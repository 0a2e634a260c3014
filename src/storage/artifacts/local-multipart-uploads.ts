import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import { RESERVED_PREFIX, validateArtifactKey } from './artifact-key.js';
import type { ArtifactBody, ArtifactInfo, PutOptions } from './artifact-store.js';
import { writeHashed } from './hashing.js';
import type { MultipartUploads, UploadedPart } from './multipart-uploads.js';

/** Multipart uploads of the local store: parts wait in `<root>/.mlops/mpu/<upload id>/`, then one `put`. */
export class LocalMultipartUploads implements MultipartUploads {
  constructor(
    private readonly root: string,
    private readonly put: (key: string, body: ArtifactBody, options?: PutOptions) => Promise<ArtifactInfo>,
  ) {}

  async create(key: string): Promise<string> {
    validateArtifactKey(key);
    const uploadId = randomBytes(16).toString('hex');
    await mkdir(this.folder(uploadId), { recursive: true });
    return uploadId;
  }

  async uploadPart(_key: string, uploadId: string, partNumber: number, body: Readable): Promise<string> {
    await this.requireUpload(uploadId);
    const { sha256 } = await writeHashed(body, path.join(this.folder(uploadId), String(partNumber)));
    return `"${sha256}"`;
  }

  async complete(key: string, uploadId: string, parts: UploadedPart[]): Promise<void> {
    validateArtifactKey(key);
    await this.requireUpload(uploadId);
    const stored = new Set(await readdir(this.folder(uploadId)));
    const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const missingPart = ordered.find((part) => !stored.has(String(part.partNumber)));
    if (missingPart !== undefined || ordered.length === 0)
      throw new ValidationError(
        `part ${missingPart?.partNumber ?? 1} of upload ${uploadId} was never uploaded`,
        { field: 'parts' },
      );
    const files = ordered.map((part) => path.join(this.folder(uploadId), String(part.partNumber)));
    await this.put(key, Readable.from(concatenate(files)));
    await rm(this.folder(uploadId), { recursive: true, force: true });
  }

  async abort(_key: string, uploadId: string): Promise<void> {
    await this.requireUpload(uploadId);
    await rm(this.folder(uploadId), { recursive: true, force: true });
  }

  private folder(uploadId: string): string {
    if (!/^[0-9a-f]{32}$/.test(uploadId))
      throw new ValidationError(`invalid upload id '${uploadId.slice(0, 40)}'`, { field: 'upload_id' });
    return path.join(this.root, RESERVED_PREFIX, 'mpu', uploadId);
  }

  private async requireUpload(uploadId: string): Promise<void> {
    const found = await stat(this.folder(uploadId)).catch(() => undefined);
    if (found === undefined || !found.isDirectory())
      throw new NotFoundError(`no multipart upload ${uploadId} under way`, { field: 'upload_id' });
  }
}

async function* concatenate(files: string[]): AsyncGenerator<Buffer> {
  for (const file of files) for await (const chunk of createReadStream(file)) yield chunk as Buffer;
}

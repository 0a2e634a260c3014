import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { validateArtifactKey } from './artifact-key.js';
import type { MultipartUploads, UploadedPart } from './multipart-uploads.js';

type S3Module = typeof import('@aws-sdk/client-s3');

/** S3's own multipart upload: each part goes to the bucket as it arrives, nothing is spooled but an unsized part. */
export class S3MultipartUploads implements MultipartUploads {
  constructor(
    private readonly s3: S3Module,
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly objectKey: (key: string) => string,
    private readonly mapError: (error: unknown, key: string) => unknown,
  ) {}

  async create(key: string, options: { contentType?: string } = {}): Promise<string> {
    validateArtifactKey(key);
    const answer = await this.guarded(key, () =>
      this.client.send(
        new this.s3.CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          ContentType: options.contentType,
        }),
      ),
    );
    if (answer.UploadId === undefined) throw this.mapError(new Error('S3 gave no upload id'), key);
    return answer.UploadId;
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable,
    size?: number,
  ): Promise<string> {
    // A single request needs its length up front: a part of unknown size is read into memory first.
    const sized = size === undefined ? await collect(body) : body;
    const answer = await this.guarded(key, () =>
      this.client.send(
        new this.s3.UploadPartCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: sized,
          ContentLength: size ?? (sized as Buffer).length,
        }),
      ),
    );
    return answer.ETag ?? '';
  }

  async complete(key: string, uploadId: string, parts: UploadedPart[]): Promise<void> {
    await this.guarded(key, () =>
      this.client.send(
        new this.s3.CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          UploadId: uploadId,
          MultipartUpload: {
            Parts: [...parts]
              .sort((a, b) => a.partNumber - b.partNumber)
              .map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })),
          },
        }),
      ),
    );
  }

  async abort(key: string, uploadId: string): Promise<void> {
    await this.guarded(key, () =>
      this.client.send(
        new this.s3.AbortMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          UploadId: uploadId,
        }),
      ),
    );
  }

  private async guarded<T>(key: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.mapError(error, key);
    }
  }
}

async function collect(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

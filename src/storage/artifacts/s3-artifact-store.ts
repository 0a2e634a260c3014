import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3ArtifactStoreConfig } from '../../config/index.js';
import { ConfigError, describeError, UnavailableError } from '../../errors/index.js';
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
import { hashStream, isInMemoryBody, sha256Hex, toBuffer, writeHashed } from './hashing.js';
import type { MultipartUploads } from './multipart-uploads.js';
import { S3MultipartUploads } from './s3-multipart-uploads.js';

type S3Module = typeof import('@aws-sdk/client-s3');

/**
 * Artifacts as objects in an S3-compatible bucket, under an optional key prefix. The SHA-256 is computed
 * before upload and kept in the object's metadata (`x-amz-meta-sha256`); streams of unknown length are
 * spooled to a temporary file first, since a single PUT needs its length up front.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly backend = 's3' as const;
  readonly location: string;
  readonly multipart: MultipartUploads;

  private constructor(
    private readonly s3: S3Module,
    private readonly client: S3Client,
    private readonly config: S3ArtifactStoreConfig,
  ) {
    this.location = `s3://${config.bucket}${config.prefix === '' ? '' : `/${config.prefix}`}`;
    this.multipart = new S3MultipartUploads(
      s3,
      client,
      config.bucket,
      (key) => this.objectKey(key),
      (error, key) => this.mapError(error, key),
    );
  }

  /** Loads the AWS SDK (only now, so the embedded path never does) and builds the client. */
  static async create(config: S3ArtifactStoreConfig): Promise<S3ArtifactStore> {
    // The SDK warns on every start that releases from 2027 will need Node 22; the version we pin runs on
    // Node 20, so the notice is noise for our users (who can still turn it back on by setting the variable).
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const s3 = await import('@aws-sdk/client-s3');
    const client = new s3.S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      maxAttempts: 3,
      // Many S3-compatible servers reject the SDK's newer default checksum headers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(config.accessKeyId !== undefined && config.secretAccessKey !== undefined
        ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
        : {}),
    });
    return new S3ArtifactStore(s3, client, config);
  }

  async put(key: string, body: ArtifactBody, options: PutOptions = {}): Promise<ArtifactInfo> {
    validateArtifactKey(key);
    if (isInMemoryBody(body)) {
      const buffer = toBuffer(body);
      return this.upload(key, buffer, buffer.length, sha256Hex(buffer), options);
    }
    const spoolDir = await mkdtemp(path.join(tmpdir(), 'mlops-s3-'));
    try {
      const spooled = path.join(spoolDir, 'body');
      const { size, sha256 } = await writeHashed(body, spooled);
      return await this.upload(key, createReadStream(spooled), size, sha256, options);
    } finally {
      await rm(spoolDir, { recursive: true, force: true });
    }
  }

  async get(key: string): Promise<Buffer> {
    const stream = await this.stream(key);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async stream(key: string): Promise<Readable> {
    validateArtifactKey(key);
    try {
      const answer = await this.client.send(
        new this.s3.GetObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }),
      );
      if (!(answer.Body instanceof Readable)) throw new Error('the S3 response has no readable body');
      return answer.Body;
    } catch (error) {
      throw this.mapError(error, key);
    }
  }

  async stat(key: string): Promise<ArtifactInfo | undefined> {
    validateArtifactKey(key);
    try {
      const head = await this.client.send(
        new this.s3.HeadObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }),
      );
      // Objects written by other tools carry no hash: compute it from the content.
      const sha256 = head.Metadata?.sha256 ?? (await hashStream(await this.stream(key)));
      return {
        key,
        size: head.ContentLength ?? 0,
        sha256,
        lastModified: head.LastModified ?? new Date(0),
        contentType: head.ContentType,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.mapError(error, key);
    }
  }

  async list(prefix = ''): Promise<ArtifactListing[]> {
    validateArtifactPrefix(prefix);
    const listings: ArtifactListing[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.client
        .send(
          new this.s3.ListObjectsV2Command({
            Bucket: this.config.bucket,
            Prefix: this.objectKey(prefix),
            ContinuationToken: continuationToken,
          }),
        )
        .catch((error: unknown) => {
          throw this.mapError(error, prefix);
        });
      for (const object of page.Contents ?? []) {
        const key = this.keyOf(object.Key ?? '');
        // Keys ending in '/' are folder markers (S3 consoles, filesystem-backed servers), not artifacts.
        if (key === undefined || key.endsWith('/') || key.startsWith(`${RESERVED_PREFIX}/`)) continue;
        listings.push({ key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) });
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
    return listings.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<boolean> {
    // S3 answers a delete of a missing key with success, so ask first to report what happened.
    if ((await this.headExists(key)) === false) return false;
    try {
      await this.client.send(
        new this.s3.DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }),
      );
      return true;
    } catch (error) {
      throw this.mapError(error, key);
    }
  }

  async ping(): Promise<number> {
    const startedAt = performance.now();
    try {
      await this.client.send(new this.s3.HeadBucketCommand({ Bucket: this.config.bucket }));
    } catch (error) {
      if (isNotFound(error)) {
        throw new ConfigError(
          `S3_BUCKET: bucket "${this.config.bucket}" does not exist at ${this.endpointName()}`,
          {
            field: 'S3_BUCKET',
          },
        );
      }
      throw new UnavailableError(
        `cannot reach the S3 artifact store at ${this.endpointName()}: ${describeS3Error(error)}`,
        {
          field: this.config.endpoint === undefined ? 'S3_BUCKET' : 'S3_ENDPOINT_URL',
          cause: error,
        },
      );
    }
    return performance.now() - startedAt;
  }

  /** Releases the client's sockets. */
  async close(): Promise<void> {
    this.client.destroy();
  }

  private async upload(
    key: string,
    body: Buffer | Readable,
    size: number,
    sha256: string,
    options: PutOptions,
  ): Promise<ArtifactInfo> {
    try {
      await this.client.send(
        new this.s3.PutObjectCommand({
          Bucket: this.config.bucket,
          Key: this.objectKey(key),
          Body: body,
          ContentLength: size,
          ContentType: options.contentType,
          Metadata: { sha256 },
        }),
      );
    } catch (error) {
      throw this.mapError(error, key);
    }
    const info = await this.stat(key);
    return info ?? { key, size, sha256, lastModified: new Date(), contentType: options.contentType };
  }

  private async headExists(key: string): Promise<boolean> {
    validateArtifactKey(key);
    try {
      await this.client.send(
        new this.s3.HeadObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }),
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.mapError(error, key);
    }
  }

  private objectKey(key: string): string {
    return this.config.prefix === '' ? key : `${this.config.prefix}/${key}`;
  }

  private keyOf(objectKey: string): string | undefined {
    if (this.config.prefix === '') return objectKey;
    const start = `${this.config.prefix}/`;
    return objectKey.startsWith(start) ? objectKey.slice(start.length) : undefined;
  }

  private endpointName(): string {
    return this.config.endpoint ?? `AWS S3 (${this.config.region})`;
  }

  private mapError(error: unknown, key: string): unknown {
    if (isNotFound(error)) return artifactNotFound(key);
    return new UnavailableError(
      `S3 artifact store at ${this.endpointName()} failed: ${describeS3Error(error)}`,
      {
        cause: error,
      },
    );
  }
}

function isNotFound(error: unknown): boolean {
  const candidate = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    candidate?.name === 'NoSuchKey' ||
    candidate?.name === 'NotFound' ||
    candidate?.name === 'NoSuchBucket' ||
    candidate?.$metadata?.httpStatusCode === 404
  );
}

function describeS3Error(error: unknown): string {
  const candidate = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = candidate?.$metadata?.httpStatusCode;
  return `${describeError(error)}${status === undefined ? '' : ` (HTTP ${status})`}`;
}

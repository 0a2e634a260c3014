import type { Readable } from 'node:stream';
import type { MultipartUploads } from './multipart-uploads.js';

/** What a store knows of one stored object. */
export interface ArtifactInfo {
  key: string;
  /** Size in bytes. */
  size: number;
  /** Hex SHA-256 of the content, computed while it was written. */
  sha256: string;
  lastModified: Date;
  contentType: string | undefined;
}

/** One row of a listing: cheaper than `ArtifactInfo`, so it carries no hash. */
export interface ArtifactListing {
  key: string;
  size: number;
  lastModified: Date;
}

export type ArtifactBody = Buffer | Uint8Array | string | Readable;

export interface PutOptions {
  contentType?: string;
}

/**
 * Where datasets, models and reports are kept: a local folder or an S3 bucket. Keys are relative
 * '/'-separated paths (see `validateArtifactKey`); a bad key is rejected with
 * `MLOPS_ERR_ARTIFACT_KEY_INVALID`, a missing one with `MLOPS_ERR_ARTIFACT_NOT_FOUND`. Writes are atomic:
 * a reader sees the old content or the new, never part of it.
 */
export interface ArtifactStore {
  /** `local` or `s3`. */
  readonly backend: 'local' | 's3';
  /** Where objects live, safe to show (no credentials), e.g. `/home/me/.mlops/artifacts` or `s3://bucket/prefix`. */
  readonly location: string;
  /** Stores `body` under `key`, replacing what was there; resolves with its size and SHA-256. */
  put(key: string, body: ArtifactBody, options?: PutOptions): Promise<ArtifactInfo>;
  /** The whole content of `key`, in memory: for small objects. */
  get(key: string): Promise<Buffer>;
  /** The content of `key` as a stream: for large objects. */
  stream(key: string): Promise<Readable>;
  /** Size, hash and date of `key`, or undefined when it does not exist. */
  stat(key: string): Promise<ArtifactInfo | undefined>;
  /** Every object whose key starts with `prefix` ('' for all), sorted by key. */
  list(prefix?: string): Promise<ArtifactListing[]>;
  /** Removes `key`; resolves false when there was nothing to remove. */
  delete(key: string): Promise<boolean>;
  /** Large objects written in parts (MLflow's multipart artifact upload). */
  readonly multipart: MultipartUploads;
  /** Checks the store answers; resolves with the round-trip time in milliseconds. */
  ping(): Promise<number>;
  /** Releases connections; the store is not used afterwards. */
  close(): Promise<void>;
}

import type { Readable } from 'node:stream';

/** One uploaded part, as `complete` needs it back. */
export interface UploadedPart {
  partNumber: number;
  etag: string;
}

/**
 * Large objects written in parts (the capability behind MLflow's `mpu/create|complete|abort`): parts
 * arrive in any order, each streamed to the backend as it comes, and `complete` makes the object appear
 * whole and at once. S3 uses its own multipart upload; the local store keeps parts aside, then renames
 * their concatenation into place.
 */
export interface MultipartUploads {
  /** Starts an upload that will become `key`; resolves with the backend's upload id. */
  create(key: string, options?: { contentType?: string }): Promise<string>;
  /** Stores part `partNumber` (1-based); `size` is its byte length when known. Resolves with its ETag. */
  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable,
    size?: number,
  ): Promise<string>;
  /** Joins the parts, in part-number order, into `key`. An unknown upload or part is refused. */
  complete(key: string, uploadId: string, parts: UploadedPart[]): Promise<void>;
  /** Drops the parts of an upload; nothing is written to `key`. */
  abort(key: string, uploadId: string): Promise<void>;
}

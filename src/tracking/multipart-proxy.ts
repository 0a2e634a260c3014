import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ArtifactStore, MetadataDb } from '../storage/index.js';
import { proxyKey } from './artifact-proxy.js';
import { invalid, missing } from './tracking-errors.js';

/** MLflow's upper bound on parts (S3's too). */
export const MAX_UPLOAD_PARTS = 10_000;

/** Where the client sends part N of an upload: MLflow calls it a credential (URL and headers). */
export interface PartCredential {
  url: string;
  part_number: number;
  headers: Record<string, string>;
}

/**
 * Starts a multipart upload of `<directory>/<file name>` through MLflow's artifact proxy
 * (`mpu/create`). The upload id the client holds is ours: it maps, in the database, to the object and
 * the backend's own id, so any replica can take the parts.
 */
export async function createProxiedUpload(
  db: MetadataDb,
  store: ArtifactStore,
  input: { directory: string; fileName: string; numParts: number },
  credentialOf: (uploadId: string, partNumber: number) => PartCredential,
  now = Date.now(),
): Promise<{ upload_id: string; credentials: PartCredential[] }> {
  const key = uploadKey(input.directory, input.fileName);
  if (!Number.isSafeInteger(input.numParts) || input.numParts < 1 || input.numParts > MAX_UPLOAD_PARTS)
    throw invalid(`num_parts must be between 1 and ${MAX_UPLOAD_PARTS}`, 'num_parts');
  const backendUploadId = await store.multipart.create(key);
  const uploadId = randomBytes(16).toString('hex');
  await db
    .insertInto('artifact_multipart_uploads')
    .values({ upload_id: uploadId, artifact_key: key, backend_upload_id: backendUploadId, created_at: now })
    .execute();
  return {
    upload_id: uploadId,
    credentials: Array.from({ length: input.numParts }, (_, index) => credentialOf(uploadId, index + 1)),
  };
}

/** Streams one part to the backend; resolves with its ETag, which the client hands back on completion. */
export async function uploadProxiedPart(
  db: MetadataDb,
  store: ArtifactStore,
  uploadId: string,
  partNumber: number,
  body: Readable,
  size: number | undefined,
): Promise<string> {
  if (!Number.isSafeInteger(partNumber) || partNumber < 1 || partNumber > MAX_UPLOAD_PARTS)
    throw invalid(`part_number must be between 1 and ${MAX_UPLOAD_PARTS}`, 'part_number');
  const upload = await findUpload(db, uploadId);
  return store.multipart.uploadPart(upload.artifact_key, upload.backend_upload_id, partNumber, body, size);
}

/** Joins the parts into the artifact (`mpu/complete`); the path must be the one the upload started for. */
export async function completeProxiedUpload(
  db: MetadataDb,
  store: ArtifactStore,
  input: {
    directory: string;
    fileName: string;
    uploadId: string;
    parts: { part_number: number; etag: string }[];
  },
): Promise<void> {
  const upload = await findUpload(db, input.uploadId, uploadKey(input.directory, input.fileName));
  if (input.parts.length === 0) throw invalid('parts must list the uploaded parts', 'parts');
  await store.multipart.complete(
    upload.artifact_key,
    upload.backend_upload_id,
    input.parts.map((part) => ({ partNumber: part.part_number, etag: part.etag })),
  );
  await db.deleteFrom('artifact_multipart_uploads').where('upload_id', '=', input.uploadId).execute();
}

/** Drops an upload and its parts (`mpu/abort`). */
export async function abortProxiedUpload(
  db: MetadataDb,
  store: ArtifactStore,
  input: { directory: string; fileName: string; uploadId: string },
): Promise<void> {
  const upload = await findUpload(db, input.uploadId, uploadKey(input.directory, input.fileName));
  await store.multipart.abort(upload.artifact_key, upload.backend_upload_id);
  await db.deleteFrom('artifact_multipart_uploads').where('upload_id', '=', input.uploadId).execute();
}

/** The key of `<directory>/<file name>`; older clients send the whole local path as the name. */
function uploadKey(directory: string, fileName: string): string {
  const name = fileName.split(/[\\/]/).at(-1) ?? '';
  if (name === '' || name === '.' || name === '..') throw invalid(`invalid file name '${fileName}'`, 'path');
  const folder = directory.replace(/\/+$/, '');
  return proxyKey(folder === '' ? name : `${folder}/${name}`);
}

async function findUpload(db: MetadataDb, uploadId: string, key?: string) {
  const upload = await db
    .selectFrom('artifact_multipart_uploads')
    .selectAll()
    .where('upload_id', '=', uploadId)
    .executeTakeFirst();
  if (upload === undefined || (key !== undefined && upload.artifact_key !== key))
    throw missing(`No multipart upload ${uploadId} under way for this path`, 'upload_id');
  return upload;
}

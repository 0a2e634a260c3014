import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { MlopsError } from '../errors/index.js';
import type { ArtifactStore, MetadataDb } from '../storage/index.js';
import { proxyPathOf } from './artifact-proxy.js';
import { getRun } from './run-store.js';

/** Where `mlflow-artifacts:/<path>` objects live in the artifact store (as in artifact-proxy.ts). */
const ROOT = 'mlflow-artifacts';

/** One file of a registered version, as hashed at registration. */
export interface RecordedArtifact {
  /** Relative to the version's artifact root. */
  path: string;
  sha256: string;
  size: number;
}

/**
 * The folder of the MLflow artifact proxy a version source names: `mlflow-artifacts:/1/abc/artifacts/model`
 * → `1/abc/artifacts/model`; `runs:/<run_id>/model` through the run's artifact URI; `models:/<name>/<version>`
 * through that version. Undefined when the source is outside the proxy (nothing to protect or hash).
 */
export async function resolveArtifactRoot(
  db: MetadataDb,
  source: string,
  depth = 0,
): Promise<string | undefined> {
  const trimmed = source.replace(/\/+$/, '');
  if (trimmed.startsWith('mlflow-artifacts:')) return proxyPathOf(trimmed);
  const run = /^runs:\/([\w-]+)(?:\/(.*))?$/.exec(trimmed);
  if (run !== null) {
    const found = await getRun(db, run[1] as string).catch(() => undefined);
    if (found === undefined || !found.info.artifact_uri.startsWith('mlflow-artifacts:')) return undefined;
    return joinPath(proxyPathOf(found.info.artifact_uri), run[2]);
  }
  const model = /^models:\/([^/]+)\/(\d+)(?:\/(.*))?$/.exec(trimmed);
  if (model !== null && depth < 3) {
    const row = await db
      .selectFrom('model_versions')
      .select(['source', 'artifact_root'])
      .where('name', '=', model[1] as string)
      .where('version', '=', Number(model[2]))
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const base = row.artifact_root ?? (await resolveArtifactRoot(db, row.source, depth + 1));
    return base === undefined ? undefined : joinPath(base, model[3]);
  }
  return undefined;
}

/** Every file under an artifact-proxy folder with the SHA-256 of its current content (read, not trusted from metadata). */
export async function hashArtifactFolder(store: ArtifactStore, root: string): Promise<RecordedArtifact[]> {
  const prefix = root === '' ? `${ROOT}/` : `${ROOT}/${root}/`;
  const files: RecordedArtifact[] = [];
  for (const listing of await store.list(prefix)) {
    const hash = createHash('sha256');
    for await (const chunk of await store.stream(listing.key)) hash.update(chunk as Buffer);
    files.push({ path: listing.key.slice(prefix.length), sha256: hash.digest('hex'), size: listing.size });
  }
  return files;
}

/** Stores a version's root and file hashes (replacing any), in `db` (a transaction when called from one). */
export async function saveRecordedArtifacts(
  db: MetadataDb,
  name: string,
  version: number,
  root: string,
  files: readonly RecordedArtifact[],
): Promise<void> {
  await db
    .updateTable('model_versions')
    .set({ artifact_root: root })
    .where('name', '=', name)
    .where('version', '=', version)
    .execute();
  await db
    .deleteFrom('model_version_artifacts')
    .where('name', '=', name)
    .where('version', '=', version)
    .execute();
  for (let start = 0; start < files.length; start += 500)
    await db
      .insertInto('model_version_artifacts')
      .values(
        files.slice(start, start + 500).map((file) => ({
          name,
          version,
          path: file.path,
          sha256: file.sha256,
          size_bytes: file.size,
        })),
      )
      .execute();
}

/**
 * Refuses a write (upload, delete, multipart) at an MLflow artifact-proxy path that is, contains or lies
 * under a registered model version's files: those are immutable whoever asks, so what was registered (and
 * hashed) is what serving loads. Route handlers call this before writing; `path` is the proxy path
 * (`1/abc/artifacts/model/model.safetensors`), '' for the whole store.
 */
export async function assertArtifactWritable(db: MetadataDb, path: string): Promise<void> {
  const target = path.replace(/^\/+/, '').replace(/\/+$/, '');
  let query = db
    .selectFrom('model_versions')
    .select(['name', 'version', 'artifact_root'])
    .where('artifact_root', 'is not', null);
  if (target !== '')
    query = query.where((eb) =>
      eb.or([
        eb('artifact_root', '=', target),
        eb(sql`left(${target}, length(artifact_root) + 1)`, '=', sql`artifact_root || '/'`),
        eb(sql`left(artifact_root, ${target.length + 1})`, '=', `${target}/`),
      ]),
    );
  const registered = await query.limit(1).executeTakeFirst();
  if (registered === undefined) return;
  throw new MlopsError(
    'MLOPS_ERR_ARTIFACT_IMMUTABLE',
    `artifact path '${target}' holds files of registered model ${registered.name} version ${registered.version} (${registered.artifact_root}): a registered version's artifacts cannot be changed; register a new version instead`,
    { field: 'path' },
  );
}

/**
 * Reads files of a registered version and checks each against the SHA-256 recorded in the database at
 * registration. A file whose content changed since, or that was not there at registration, is refused
 * with `MLOPS_ERR_MODEL_ARTIFACT_TAMPERED`. A version registered before hashes were recorded (migration
 * 0013) has its current files recorded now (`recordedNow` true), and is protected from then on.
 */
export async function readVerifiedVersionFiles(
  db: MetadataDb,
  store: ArtifactStore,
  version: { name: string; version: string; source: string },
  files: readonly string[],
): Promise<{ contents: Buffer[]; recordedNow: boolean }> {
  const number = Number(version.version);
  const label = `model ${version.name} version ${version.version}`;
  const row = await db
    .selectFrom('model_versions')
    .select('artifact_root')
    .where('name', '=', version.name)
    .where('version', '=', number)
    .executeTakeFirst();
  let root = row?.artifact_root ?? (await resolveArtifactRoot(db, version.source));
  if (root === undefined || root === null)
    throw new MlopsError(
      'MLOPS_ERR_MODEL_ARTIFACT_INVALID',
      `${label}: source ${version.source} is not in the artifact store`,
    );
  let recorded = await recordedArtifacts(db, version.name, number);
  let recordedNow = false;
  if (recorded.size === 0) {
    await saveRecordedArtifacts(db, version.name, number, root, await hashArtifactFolder(store, root));
    recorded = await recordedArtifacts(db, version.name, number);
    recordedNow = true;
  }
  root = root.replace(/\/+$/, '');
  const contents: Buffer[] = [];
  for (const file of files) {
    const expected = recorded.get(file);
    if (expected === undefined)
      throw tampered(`${label}: ${file} was not among its files when it was registered`);
    const content = await store.get(`${ROOT}/${joinPath(root, file)}`);
    const actual = createHash('sha256').update(content).digest('hex');
    if (actual !== expected)
      throw tampered(
        `${label}: ${file} changed since registration (SHA-256 ${actual.slice(0, 12)}…, registered ${expected.slice(0, 12)}…); refusing to load it`,
      );
    contents.push(content);
  }
  return { contents, recordedNow };
}

/** The recorded files of a version: path → SHA-256. */
export async function recordedArtifacts(
  db: MetadataDb,
  name: string,
  version: number,
): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('model_version_artifacts')
    .select(['path', 'sha256'])
    .where('name', '=', name)
    .where('version', '=', version)
    .execute();
  return new Map(rows.map((row) => [row.path, row.sha256]));
}

function tampered(message: string): MlopsError {
  return new MlopsError('MLOPS_ERR_MODEL_ARTIFACT_TAMPERED', message);
}

function joinPath(base: string, rest: string | undefined): string {
  const tail = (rest ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
  if (tail === '') return base;
  return base === '' ? tail : `${base}/${tail}`;
}

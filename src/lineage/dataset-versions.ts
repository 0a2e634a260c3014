import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ConflictError, NotFoundError } from '../errors/index.js';
import type { ArtifactStore, MetadataDb } from '../storage/index.js';
import { codeRevision } from './code-revision.js';
import { hashFile } from './hash-file.js';

/** A stored dataset version as the CLI and API show it. */
export interface DatasetVersion {
  version_id: string;
  dataset: string;
  format: string;
  artifact_key: string;
  size_bytes: number;
  row_count: number | null;
  source: string;
  params: Record<string, unknown>;
  code_revision: string;
  is_valid: boolean | null;
  validation: unknown;
  created_at: Date;
  updated_at: Date;
}

export interface LineageDependencies {
  db: MetadataDb;
  artifacts: ArtifactStore;
}

export interface RecordDatasetInput {
  /** Dataset name, e.g. `movies`, `watch_log`, `tmdb_popular_raw`. */
  dataset: string;
  /** The file to version; it is copied into the artifact store. */
  file: string;
  /** File format, also the artifact's extension: `parquet`, `json`, `csv`. */
  format: string;
  source: string;
  params: Record<string, unknown>;
  rowCount: number | null;
  /** Versions this one was made from. */
  parents?: { kind: string; id: string }[];
}

/**
 * Records `file` as a version of `input.dataset`, identified by the SHA-256 of its content. Writing the
 * same content again makes no new version: the existing one is returned (`isNew: false`) and becomes the
 * latest. The artifact is stored before the row, so a crash never leaves a version without its file.
 */
export async function recordDatasetVersion(
  deps: LineageDependencies,
  input: RecordDatasetInput,
): Promise<{ version: DatasetVersion; isNew: boolean }> {
  const versionId = await hashFile(input.file);
  const existing = await findVersion(deps.db, versionId);
  if (existing !== undefined) {
    await deps.db
      .updateTable('dataset_versions')
      .set({ updated_at: new Date() })
      .where('version_id', '=', versionId)
      .execute();
    await linkParents(deps.db, versionId, input.parents ?? []);
    return { version: (await findVersion(deps.db, versionId)) as DatasetVersion, isNew: false };
  }
  const artifactKey = `datasets/${input.dataset}/${versionId}.${input.format}`;
  const { size } = await stat(input.file);
  await deps.artifacts.put(artifactKey, createReadStream(input.file), {
    contentType: contentTypeOf(input.format),
  });
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('dataset_versions')
      .values({
        version_id: versionId,
        dataset: input.dataset,
        format: input.format,
        artifact_key: artifactKey,
        size_bytes: size,
        row_count: input.rowCount,
        source: input.source,
        params: JSON.stringify(input.params),
        code_revision: codeRevision(),
      })
      .onConflict((conflict) => conflict.column('version_id').doNothing())
      .execute();
    await linkParents(trx, versionId, input.parents ?? []);
  });
  return { version: (await findVersion(deps.db, versionId)) as DatasetVersion, isNew: true };
}

async function linkParents(
  db: MetadataDb,
  versionId: string,
  parents: { kind: string; id: string }[],
): Promise<void> {
  await linkLineage(db, parents, { kind: 'dataset', id: versionId });
}

/**
 * Records that `child` was made from each of `parents` (kinds: `dataset`, `run`, `model_version` as
 * `name/version`, ...). Linking twice is harmless.
 */
export async function linkLineage(
  db: MetadataDb,
  parents: { kind: string; id: string }[],
  child: { kind: string; id: string },
): Promise<void> {
  if (parents.length === 0) return;
  await db
    .insertInto('lineage_edges')
    .values(
      parents.map((parent) => ({
        parent_kind: parent.kind,
        parent_id: parent.id,
        child_kind: child.kind,
        child_id: child.id,
      })),
    )
    .onConflict((conflict) => conflict.doNothing())
    .execute();
}

async function findVersion(db: MetadataDb, versionId: string): Promise<DatasetVersion | undefined> {
  const row = await db
    .selectFrom('dataset_versions')
    .selectAll()
    .where('version_id', '=', versionId)
    .executeTakeFirst();
  return row as DatasetVersion | undefined;
}

/** Versions, newest first; optionally of one dataset. */
export async function listDatasetVersions(
  db: MetadataDb,
  options: { dataset?: string; limit?: number } = {},
): Promise<DatasetVersion[]> {
  let query = db
    .selectFrom('dataset_versions')
    .selectAll()
    .orderBy('updated_at', 'desc')
    .orderBy('version_id');
  if (options.dataset !== undefined) query = query.where('dataset', '=', options.dataset);
  return (await query.limit(options.limit ?? 1000).execute()) as DatasetVersion[];
}

/** The most recently written version of a dataset, if any. */
export async function latestDatasetVersion(
  db: MetadataDb,
  dataset: string,
): Promise<DatasetVersion | undefined> {
  return (await listDatasetVersions(db, { dataset, limit: 1 }))[0];
}

/**
 * A version by its id or an unambiguous prefix of at least 6 characters (like git), or the latest version
 * of a dataset when given a dataset name.
 */
export async function resolveDatasetVersion(db: MetadataDb, reference: string): Promise<DatasetVersion> {
  const byName = await latestDatasetVersion(db, reference);
  if (byName !== undefined) return byName;
  if (!/^[0-9a-f]{6,64}$/.test(reference)) {
    throw new NotFoundError(
      `no dataset or version "${reference}": give a dataset name or at least 6 hex characters of a version id`,
      {
        field: 'version',
      },
    );
  }
  const matches = (await db
    .selectFrom('dataset_versions')
    .selectAll()
    .where('version_id', 'like', `${reference}%`)
    .limit(2)
    .execute()) as DatasetVersion[];
  if (matches.length === 0)
    throw new NotFoundError(`no dataset version starts with ${reference}`, { field: 'version' });
  if (matches.length > 1)
    throw new ConflictError(`version prefix ${reference} is ambiguous: give more characters`, {
      field: 'version',
    });
  return matches[0] as DatasetVersion;
}

export interface Lineage {
  /** What this version was made from, transitively, nearest first. */
  ancestors: { kind: string; id: string; depth: number }[];
  /** What was made from it directly. */
  children: { kind: string; id: string }[];
}

export async function lineageOf(db: MetadataDb, kind: string, id: string): Promise<Lineage> {
  const ancestors: Lineage['ancestors'] = [];
  const visited = new Set<string>([`${kind}:${id}`]);
  let frontier = [{ kind, id }];
  for (let depth = 1; frontier.length > 0 && depth <= 20; depth++) {
    const next: { kind: string; id: string }[] = [];
    for (const node of frontier) {
      const parents = await db
        .selectFrom('lineage_edges')
        .select(['parent_kind', 'parent_id'])
        .where('child_kind', '=', node.kind)
        .where('child_id', '=', node.id)
        .execute();
      for (const parent of parents) {
        const key = `${parent.parent_kind}:${parent.parent_id}`;
        if (visited.has(key)) continue;
        visited.add(key);
        ancestors.push({ kind: parent.parent_kind, id: parent.parent_id, depth });
        next.push({ kind: parent.parent_kind, id: parent.parent_id });
      }
    }
    frontier = next;
  }
  const children = await db
    .selectFrom('lineage_edges')
    .select(['child_kind as kind', 'child_id as id'])
    .where('parent_kind', '=', kind)
    .where('parent_id', '=', id)
    .execute();
  return { ancestors, children };
}

/** Stores the validation report of a version. */
export async function saveValidation(
  db: MetadataDb,
  versionId: string,
  report: { passed: boolean },
): Promise<void> {
  await db
    .updateTable('dataset_versions')
    .set({ validation: JSON.stringify(report), is_valid: report.passed })
    .where('version_id', '=', versionId)
    .execute();
}

/**
 * Copies a version's file into `dir` as `<dataset>.<format>` with a `<dataset>.version.json` manifest,
 * verifying its SHA-256 on the way; an existing file is replaced only once the copy is verified.
 */
export async function checkoutDatasetVersion(
  deps: LineageDependencies,
  version: DatasetVersion,
  dir: string,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const target = path.join(dir, `${version.dataset}.${version.format}`);
  // Unique per call: two checkouts of one version in a process must not write or rename each other's file.
  const tmp = `${target}.tmp-${process.pid}-${randomUUID()}`;
  try {
    await pipeline(await deps.artifacts.stream(version.artifact_key), createWriteStream(tmp));
    const actual = await hashFile(tmp);
    if (actual !== version.version_id) {
      throw new ConflictError(
        `stored artifact ${version.artifact_key} is damaged: its SHA-256 is ${actual}, expected ${version.version_id}`,
      );
    }
    await rename(tmp, target);
  } finally {
    await rm(tmp, { force: true });
  }
  const manifest = { ...version, created_at: version.created_at, updated_at: version.updated_at };
  await writeFile(
    path.join(dir, `${version.dataset}.version.json`),
    `${JSON.stringify(manifest, null, 2)}\n`,
  );
  return target;
}

/** Where a dataset version's verified local copy and what is derived from it live (content-addressed). */
export function datasetCacheDir(home: string, version: Pick<DatasetVersion, 'version_id'>): string {
  return path.join(home, 'cache', 'datasets', version.version_id);
}

/** A dataset version's file on local disk: checked out into the cache under MLOPS_HOME and verified once. */
export async function localDatasetFile(
  deps: LineageDependencies & { home: string },
  version: DatasetVersion,
): Promise<string> {
  const dir = datasetCacheDir(deps.home, version);
  const file = path.join(dir, `${version.dataset}.${version.format}`);
  if (existsSync(file)) return file;
  // Callers that ask at once (serving's loader and the first training) share one checkout.
  let checkout = checkoutsUnderWay.get(file);
  if (checkout === undefined) {
    checkout = checkoutDatasetVersion(deps, version, dir).finally(() => checkoutsUnderWay.delete(file));
    checkoutsUnderWay.set(file, checkout);
  }
  await checkout;
  return file;
}

const checkoutsUnderWay = new Map<string, Promise<string>>();

function contentTypeOf(format: string): string {
  return (
    { parquet: 'application/vnd.apache.parquet', json: 'application/json', csv: 'text/csv' }[format] ??
    'application/octet-stream'
  );
}

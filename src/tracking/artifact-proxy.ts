import type { Readable } from 'node:stream';
import type { ArtifactStore } from '../storage/index.js';
import { validateArtifactKey, validateArtifactPrefix } from '../storage/index.js';
import { invalid, missing } from './tracking-errors.js';

/** Where `mlflow-artifacts:/<path>` objects live in the artifact store. */
const ROOT = 'mlflow-artifacts';

export interface ArtifactFileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/**
 * Checks a path of the MLflow artifact proxy (already URL-decoded once) and returns its store key.
 * Refuses what MLflow's path-traversal CVEs used: `..`, absolute paths, backslashes, NUL and control
 * characters, and percent-encoded dots or slashes that would decode into them later.
 */
export function proxyKey(path: string, isDirectory = false): string {
  if (/%(2e|2f|5c|00)/i.test(path))
    throw invalid(`Invalid artifact path '${path}': encoded path separators are not allowed`, 'path');
  const trimmed = path.replace(/^\/+/, '') === path ? path : undefined;
  if (trimmed === undefined) throw invalid(`Invalid artifact path '${path}': it must be relative`, 'path');
  const cleaned = isDirectory ? path.replace(/\/+$/, '') : path;
  if (cleaned === '') return `${ROOT}/`;
  try {
    if (isDirectory) validateArtifactPrefix(`${ROOT}/${cleaned}/`, 'path');
    else validateArtifactKey(`${ROOT}/${cleaned}`, 'path');
  } catch (error) {
    throw invalid(
      `Invalid artifact path '${path}': ${(error as Error).message.replace(/^artifact path ".*?" /, '')}`,
      'path',
    );
  }
  return `${ROOT}/${cleaned}`;
}

export async function putProxiedArtifact(
  store: ArtifactStore,
  path: string,
  body: Readable | Buffer,
  contentType?: string,
): Promise<void> {
  await store.put(proxyKey(path), body, contentType === undefined ? {} : { contentType });
}

export async function streamProxiedArtifact(
  store: ArtifactStore,
  path: string,
): Promise<{ stream: Readable; size: number; contentType: string | undefined }> {
  const key = proxyKey(path);
  const info = await store.stat(key);
  if (info === undefined) throw missing(`Artifact '${path}' does not exist`, 'path');
  return { stream: await store.stream(key), size: info.size, contentType: info.contentType };
}

export async function deleteProxiedArtifact(store: ArtifactStore, path: string): Promise<void> {
  const key = proxyKey(path);
  if (await store.delete(key)) return;
  // A "directory": delete everything under it.
  const children = await store.list(`${key}/`);
  if (children.length === 0) throw missing(`Artifact '${path}' does not exist`, 'path');
  for (const child of children) await store.delete(child.key);
}

/**
 * The immediate children of a directory: files with their size, sub-directories once each. `relativeTo`
 * decides how paths are shown: the proxy shows base names, `artifacts/list` paths relative to the run root.
 */
export async function listProxiedArtifacts(
  store: ArtifactStore,
  directory: string,
  relativeTo: string,
): Promise<ArtifactFileInfo[]> {
  const prefix = proxyKey(directory, true);
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const entries = new Map<string, ArtifactFileInfo>();
  for (const listing of await store.list(base)) {
    const rest = listing.key.slice(base.length);
    const [first, ...more] = rest.split('/');
    if (first === undefined || first === '') continue;
    const shown = relativeTo === '' ? first : `${relativeTo}/${first}`;
    if (more.length > 0) entries.set(shown, { path: shown, is_dir: true });
    else entries.set(shown, { path: shown, is_dir: false, file_size: listing.size });
  }
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** `mlflow-artifacts:/1/abc/artifacts` → `1/abc/artifacts`; other schemes are not served by the proxy. */
export function proxyPathOf(artifactUri: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(artifactUri);
  if (match === null)
    throw invalid(
      `artifact URI '${artifactUri}' is not served by this server's artifact proxy`,
      'artifact_uri',
    );
  return (match[1] ?? '').replace(/\/+$/, '');
}

/** The content of one artifact file given its full `mlflow-artifacts:` URI (e.g. a model version's source + a file). */
export async function readArtifactByUri(store: ArtifactStore, uri: string): Promise<Buffer> {
  return store.get(proxyKey(proxyPathOf(uri)));
}

import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MlopsError } from '../errors/index.js';
import { ALGORITHM_SPECS } from './algorithms/index.js';
import { IdMap } from './interactions.js';
import { ALGORITHMS, type AlgorithmName, i32, type Recommender, type Tensor } from './model.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

export const MANIFEST_FILE = 'manifest.json';
export const TENSORS_FILE = 'model.safetensors';
const FORMAT = 'movie-mlops-model';
const FORMAT_VERSION = 1;

/** What a model artifact says about itself; `model.safetensors` holds the numbers. */
export interface ModelManifest {
  format: typeof FORMAT;
  format_version: number;
  algorithm: AlgorithmName;
  hyperparameters: Record<string, unknown>;
  users: number;
  items: number;
  /** Tensor names of the id maps (dense index → user_id / movie_id) inside the safetensors file. */
  id_maps: { users: 'user_ids'; items: 'item_ids' };
  /** Every other tensor: name → dtype and shape, checked on load. */
  tensors: Record<string, { dtype: string; shape: number[] }>;
  tensors_sha256: string;
  dataset_version: string;
  split: Record<string, unknown>;
  metrics: Record<string, number>;
  code_revision: string;
  created_at: string;
}

/** A recommender with its id maps and manifest: everything needed to serve or evaluate it. */
export interface TrainedModel {
  manifest: ModelManifest;
  model: Recommender;
  users: IdMap;
  items: IdMap;
}

/** Serializes a model: the manifest as JSON and every tensor (plus id maps) as safetensors. */
export function encodeModel(
  model: Recommender,
  users: IdMap,
  items: IdMap,
  info: Omit<
    ModelManifest,
    'format' | 'format_version' | 'algorithm' | 'users' | 'items' | 'id_maps' | 'tensors' | 'tensors_sha256'
  >,
): { manifest: ModelManifest; tensors: Buffer } {
  const learned = model.tensors();
  const tensors = encodeSafetensors(
    { ...learned, user_ids: i32([users.size], users.ids), item_ids: i32([items.size], items.ids) },
    { format: FORMAT, algorithm: model.algorithm },
  );
  const manifest: ModelManifest = {
    format: FORMAT,
    format_version: FORMAT_VERSION,
    algorithm: model.algorithm,
    users: users.size,
    items: items.size,
    id_maps: { users: 'user_ids', items: 'item_ids' },
    tensors: Object.fromEntries(
      Object.entries(learned).map(([name, tensor]) => [name, { dtype: tensor.dtype, shape: tensor.shape }]),
    ),
    tensors_sha256: createHash('sha256').update(tensors).digest('hex'),
    ...info,
  };
  return { manifest, tensors };
}

/** Rebuilds a model from its manifest and tensors, checking that they belong together. */
export function decodeModel(manifestBytes: Buffer, tensorBytes: Buffer, source: string): TrainedModel {
  const fail = (reason: string) => new MlopsError('MLOPS_ERR_MODEL_ARTIFACT_INVALID', `${source}: ${reason}`);
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as ModelManifest;
  } catch {
    throw fail(`${MANIFEST_FILE} is not JSON`);
  }
  if (manifest.format !== FORMAT) throw fail(`${MANIFEST_FILE} is not a ${FORMAT} manifest`);
  if (manifest.format_version > FORMAT_VERSION)
    throw fail(
      `format version ${manifest.format_version} is newer than this movie-mlops reads (${FORMAT_VERSION}); upgrade`,
    );
  if (!ALGORITHMS.includes(manifest.algorithm)) throw fail(`unknown algorithm "${manifest.algorithm}"`);
  const digest = createHash('sha256').update(tensorBytes).digest('hex');
  if (digest !== manifest.tensors_sha256)
    throw fail(
      `${TENSORS_FILE} does not match the manifest (SHA-256 ${digest.slice(0, 12)}…, expected ${manifest.tensors_sha256.slice(0, 12)}…)`,
    );
  const { tensors } = decodeSafetensors(tensorBytes, `${source}/${TENSORS_FILE}`);
  for (const [name, expected] of Object.entries(manifest.tensors)) {
    const tensor = tensors[name];
    if (
      tensor === undefined ||
      tensor.dtype !== expected.dtype ||
      tensor.shape.join() !== expected.shape.join()
    )
      throw fail(`tensor ${name} is missing or not ${expected.dtype}[${expected.shape}]`);
  }
  const users = idMapOf(tensors.user_ids, manifest.users, 'user_ids', fail);
  const items = idMapOf(tensors.item_ids, manifest.items, 'item_ids', fail);
  const model = ALGORITHM_SPECS[manifest.algorithm].load(tensors, manifest.hyperparameters);
  if (model.itemCount !== items.size)
    throw fail(`the model scores ${model.itemCount} items but the id map has ${items.size}`);
  return { manifest, model, users, items };
}

function idMapOf(
  tensor: Tensor | undefined,
  size: number,
  name: string,
  fail: (reason: string) => Error,
): IdMap {
  if (tensor?.dtype !== 'I32' || tensor.data.length !== size)
    throw fail(`id map ${name} is missing or not I32[${size}]`);
  return new IdMap(tensor.data);
}

/** Writes `manifest.json` and `model.safetensors` into `dir` (each via a temporary name, then renamed). */
export async function writeModelFiles(
  dir: string,
  encoded: { manifest: ModelManifest; tensors: Buffer },
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files: [string, Buffer | string][] = [
    [TENSORS_FILE, encoded.tensors],
    [MANIFEST_FILE, `${JSON.stringify(encoded.manifest, null, 2)}\n`],
  ];
  for (const [name, content] of files) {
    const target = path.join(dir, name);
    await writeFile(`${target}.tmp`, content);
    await rename(`${target}.tmp`, target);
  }
}

export async function readModelFiles(dir: string): Promise<TrainedModel> {
  return decodeModel(
    await readFile(path.join(dir, MANIFEST_FILE)),
    await readFile(path.join(dir, TENSORS_FILE)),
    dir,
  );
}

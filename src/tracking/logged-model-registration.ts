import type { MetadataDb } from '../storage/index.js';
import { getLoggedModel, isLoggedModelId, setLoggedModelTags } from './logged-model-store.js';

/**
 * Where a model version registered from a logged model really lives: `models:/<model_id>` (what MLflow 3's
 * `register_model` sends) resolves to the model's artifact location, and the version takes the model's
 * source run. Other sources pass through unchanged.
 */
export async function resolveVersionSource(
  db: MetadataDb,
  input: { source: string; runId?: string | undefined; modelId?: string | undefined },
): Promise<{ source: string; runId?: string; modelId?: string }> {
  const fromUri = /^models:\/([^/@]+)\/?$/.exec(input.source)?.[1];
  const modelId = input.modelId || (fromUri !== undefined && isLoggedModelId(fromUri) ? fromUri : undefined);
  if (modelId === undefined) return { source: input.source, ...(input.runId ? { runId: input.runId } : {}) };
  const model = await getLoggedModel(db, modelId);
  const runId = input.runId || model.info.source_run_id;
  return {
    source: fromUri === modelId ? model.info.artifact_uri : input.source,
    modelId,
    ...(runId ? { runId } : {}),
  };
}

/** Notes on a logged model which registered versions were made from it (MLflow's `mlflow.modelVersions` tag). */
export async function recordModelVersion(
  db: MetadataDb,
  modelId: string,
  version: { name: string; version: string },
): Promise<void> {
  const tag = await db
    .selectFrom('logged_model_tags')
    .select('value')
    .where('model_id', '=', modelId)
    .where('key', '=', MODEL_VERSIONS_TAG)
    .executeTakeFirst();
  let versions: { name: string; version: string }[] = [];
  try {
    versions = tag === undefined ? [] : (JSON.parse(tag.value) as typeof versions);
  } catch {
    versions = [];
  }
  if (!versions.some((entry) => entry.name === version.name && entry.version === version.version))
    versions.push(version);
  await setLoggedModelTags(db, modelId, [{ key: MODEL_VERSIONS_TAG, value: JSON.stringify(versions) }]);
}

const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';

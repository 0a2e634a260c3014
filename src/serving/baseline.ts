import { codeRevision } from '../lineage/index.js';
import { encodeModel, IdMap, PopularityModel, type TrainedModel } from '../models/index.js';
import type { ModelVersion } from '../tracking/index.js';
import type { ServingCatalogue } from './catalogue.js';
import { ServedModel } from './served-model.js';

/** The name answers give the stand-in: `model.version` and `model.variant` both say what it is. */
export const BASELINE = 'baseline';

/** What the baseline ranks by: watchers in the published watch log, or, before one exists, the catalogue's score. */
export interface BaselineSource {
  dataset: 'watch log' | 'catalogue';
  datasetVersion: string;
  /** movie id → score (watchers, or the catalogue's popularity). */
  scores: ReadonlyMap<number, number>;
}

/**
 * The popularity baseline served while a fresh install trains its first model: every watched movie
 * scored by its number of watchers in the published watch log — or, in the seconds before the watch log
 * is published, every catalogued movie by the catalogue's own popularity. Built in memory in milliseconds
 * and never registered: the registry holds only trained versions, and the first promoted one replaces this.
 */
export function popularityBaseline(
  modelName: string,
  source: BaselineSource,
  catalogue: ServingCatalogue,
): ServedModel {
  const { datasetVersion, scores: watchers } = source;
  const started = performance.now();
  const ids = Int32Array.from(watchers.keys()).sort();
  const model = new PopularityModel(Float32Array.from(ids, (movie) => watchers.get(movie) ?? 0));
  const users = new IdMap(new Int32Array(0));
  const items = new IdMap(ids);
  const now = new Date();
  const { manifest } = encodeModel(model, users, items, {
    hyperparameters: {},
    dataset_version: datasetVersion,
    split: {},
    metrics: {},
    code_revision: codeRevision(),
    created_at: now.toISOString(),
  });
  const trained: TrainedModel = { manifest, model, users, items };
  const version: ModelVersion = {
    name: modelName,
    version: BASELINE,
    creation_timestamp: now.getTime(),
    last_updated_timestamp: now.getTime(),
    user_id: 'movie-mlops',
    current_stage: 'None',
    description: `popularity in ${source.dataset} ${datasetVersion.slice(0, 12)}, served until a first model is promoted`,
    source: '',
    run_id: '',
    status: 'READY',
    status_message: '',
    run_link: '',
    tags: [],
    aliases: [],
  };
  return new ServedModel(version, trained, now, (performance.now() - started) / 1000, watchers, catalogue);
}

import { type ArtifactStore, bindDatabase, type HoldsDatabase } from '../storage/index.js';
import {
  checkoutDatasetVersion,
  type DatasetVersion,
  latestDatasetVersion,
  lineageOf,
  listDatasetVersions,
  resolveDatasetVersion,
} from './dataset-versions.js';

/** Dataset versions and their lineage, as the dataset routes, `mlops data` and the UI read them. */
export function lineageService(holder: HoldsDatabase & { readonly artifacts: ArtifactStore }) {
  return {
    ...bindDatabase(holder, { listDatasetVersions, latestDatasetVersion, resolveDatasetVersion, lineageOf }),
    /** Copies a version's stored file into `dir`; resolves with the file's path. */
    checkoutDatasetVersion: (version: DatasetVersion, dir: string) =>
      checkoutDatasetVersion({ db: holder.database.db, artifacts: holder.artifacts }, version, dir),
  };
}

export type LineageService = ReturnType<typeof lineageService>;

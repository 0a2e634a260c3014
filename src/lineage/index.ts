export { codeRevision } from './code-revision.js';
export {
  checkoutDatasetVersion,
  type DatasetVersion,
  datasetCacheDir,
  type Lineage,
  type LineageDependencies,
  latestDatasetVersion,
  lineageOf,
  linkLineage,
  listDatasetVersions,
  localDatasetFile,
  type RecordDatasetInput,
  recordDatasetVersion,
  resolveDatasetVersion,
  saveValidation,
} from './dataset-versions.js';
export { hashFile } from './hash-file.js';
export { type LineageService, lineageService } from './lineage-service.js';

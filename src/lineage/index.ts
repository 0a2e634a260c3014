export { codeRevision } from './code-revision.js';
export {
  checkoutDatasetVersion,
  type DatasetVersion,
  type Lineage,
  type LineageDependencies,
  latestDatasetVersion,
  lineageOf,
  linkLineage,
  listDatasetVersions,
  type RecordDatasetInput,
  recordDatasetVersion,
  resolveDatasetVersion,
  saveValidation,
} from './dataset-versions.js';
export { hashFile } from './hash-file.js';
export { type LineageService, lineageService } from './lineage-service.js';

export {
  RESERVED_PREFIX,
  validateArtifactKey,
  validateArtifactPrefix,
} from './artifacts/artifact-key.js';
export type {
  ArtifactBody,
  ArtifactInfo,
  ArtifactListing,
  ArtifactStore,
  PutOptions,
} from './artifacts/artifact-store.js';
export { LocalArtifactStore } from './artifacts/local-artifact-store.js';
export type { MultipartUploads, UploadedPart } from './artifacts/multipart-uploads.js';
export { openArtifactStore } from './artifacts/open-artifact-store.js';
export { S3ArtifactStore } from './artifacts/s3-artifact-store.js';
export { type BoundToDatabase, bindDatabase, type HoldsDatabase } from './database/bind-database.js';
export type { MetadataDatabase, MetadataDb } from './database/metadata-database.js';
export {
  currentSchemaVersion,
  LATEST_SCHEMA_VERSION,
  listMigrations,
  type MigrationState,
  migrateToLatest,
  schemaMigrations,
} from './database/migrate.js';
export { openDatabase } from './database/open-database.js';
export type { DatabaseSchema } from './database/schema.js';

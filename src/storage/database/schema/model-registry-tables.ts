import type { ColumnType, Generated } from 'kysely';
import type { KeyValueTable } from './column-types.js';

/** Tables owned by tracking/ model registry (registered models, versions, aliases, transitions): other capabilities go through its service, not these tables. */
export interface ModelRegistryTables {
  registered_models: RegisteredModelsTable;
  registered_model_tags: KeyValueTable & { name: string };
  model_versions: ModelVersionsTable;
  model_version_tags: KeyValueTable & { name: string; version: number };
  model_version_artifacts: ModelVersionArtifactsTable;
  registered_model_aliases: { name: string; alias: string; version: number };
  model_transitions: ModelTransitionsTable;
}

export interface RegisteredModelsTable {
  name: string;
  description: string;
  user_id: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

export interface ModelVersionsTable {
  name: string;
  version: number;
  description: string;
  user_id: string;
  current_stage: string;
  source: string;
  run_id: string | null;
  run_link: string;
  status: string;
  status_message: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  /** The MLflow 3 logged model the version was registered from, if any. */
  model_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The folder of the version's files in the MLflow artifact proxy, fixed at registration (null before migration 0013). */
  artifact_root: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One file of a registered model version, hashed at registration. */
export interface ModelVersionArtifactsTable {
  name: string;
  version: number;
  /** Relative to the version's `artifact_root`. */
  path: string;
  sha256: string;
  size_bytes: ColumnType<string | number, number, number>;
}

export interface ModelTransitionsTable {
  transition_id: Generated<number>;
  name: string;
  version: number;
  /** `stage` or `alias:<name>`. */
  change: string;
  from_value: string | null;
  to_value: string | null;
  actor: string;
  reason: string;
  created_at: number;
}

import type { ColumnType } from 'kysely';
import type { CreatedAt, Json } from './column-types.js';

/** Tables owned by lineage/ (dataset versions and the links between versions): other capabilities go through its service, not these tables. */
export interface LineageTables {
  dataset_versions: DatasetVersionsTable;
  lineage_edges: LineageEdgesTable;
}

/** One content-addressed version of a dataset (the id is the SHA-256 of its file). */
export interface DatasetVersionsTable {
  version_id: string;
  dataset: string;
  format: string;
  artifact_key: string;
  size_bytes: number;
  row_count: number | null;
  source: string;
  params: Json<Record<string, unknown>>;
  code_revision: string;
  validation: ColumnType<unknown | null, string | null | undefined, string | null>;
  is_valid: boolean | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** "parent was used to make child": dataset → dataset, dataset → features → run → model version. */
export interface LineageEdgesTable {
  parent_kind: string;
  parent_id: string;
  child_kind: string;
  child_id: string;
  created_at: CreatedAt;
}

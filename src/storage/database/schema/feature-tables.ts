import type { ColumnType } from 'kysely';

/** Tables owned by features/ (feature registry, offline builds, materializations, embedded online store): other capabilities go through its service, not these tables. */
export interface FeatureTables {
  feature_definitions: FeatureDefinitionsTable;
  feature_builds: FeatureBuildsTable;
  feature_materializations: FeatureMaterializationsTable;
  online_features: OnlineFeaturesTable;
}

/** One version of one feature-registry object (entity, feature view, on-demand view, feature service). */
export interface FeatureDefinitionsTable {
  kind: string;
  name: string;
  version: number;
  spec: unknown;
  spec_hash: string;
  applied_at: ColumnType<Date, Date | undefined, never>;
  removed_at: Date | null;
}

/** A feature view computed into the offline store: its Parquet dataset version and statistics. */
export interface FeatureBuildsTable {
  build_id: string;
  feature_view: string;
  definition_version: number;
  dataset_version_id: string;
  row_count: ColumnType<number, number, number>;
  inputs: unknown;
  statistics: unknown;
  validation: unknown;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** One copy of a view's latest values into an online store. */
export interface FeatureMaterializationsTable {
  materialization_id: string;
  feature_view: string;
  build_id: string;
  online_store: string;
  mode: string;
  start_ts: Date | null;
  end_ts: Date;
  row_count: ColumnType<number, number, number>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** The embedded online store: the latest values of each entity of each view. */
export interface OnlineFeaturesTable {
  feature_view: string;
  entity_key: string;
  feature_values: unknown;
  event_timestamp: Date;
  seq: ColumnType<number, number | undefined, never>;
}

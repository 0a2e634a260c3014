/**
 * Feature definitions as TypeScript values: entities, feature views, on-demand feature views and feature
 * services, with Feast's meanings (see docs/features.md). Definitions are plain data except the
 * transformation of an on-demand view, which is code and stays in code: the registry stores its inputs and
 * outputs, and the server runs the function it finds under the same name.
 */

/** Value types of features and entity keys. Lists hold values of one type. */
export const FEATURE_TYPES = [
  'int64',
  'float64',
  'string',
  'bool',
  'timestamp',
  'int64[]',
  'float64[]',
  'string[]',
] as const;
export type FeatureType = (typeof FEATURE_TYPES)[number];

/** What features are about: a movie, a user. Its join key is the column that identifies one. */
export interface Entity {
  name: string;
  joinKey: string;
  valueType: 'int64' | 'string';
  description: string;
}

export interface Field {
  name: string;
  dtype: FeatureType;
  description?: string;
}

/**
 * Where a view's rows come from: a DuckDB query over versioned datasets, each available to the query as a
 * table of its name (`watch_log`, `movies`, or any dataset recorded with `mlops data`). The query returns
 * the entities' join keys, the timestamp field and every feature of the schema.
 */
export interface BatchSource {
  inputs: string[];
  query: string;
  /** The column saying when each row's values became true (point-in-time joins use it). */
  timestampField: string;
  /**
   * Declares that an entity's rows come only from the rows of `input` whose `column` holds its join key
   * (e.g. a user's activity from the watch log's rows of that user). A large build may then run the query
   * in passes over ranges of that column, each needing a fraction of the memory, with the same result.
   * Single-entity views only; the other inputs are read whole in every pass.
   */
  partitionBy?: { input: string; column: string };
}

export interface FeatureView {
  name: string;
  /** Entity names; their join keys identify a row. */
  entities: string[];
  schema: Field[];
  source: BatchSource;
  /** How long a value stays valid after its timestamp; 0 means forever. */
  ttlSeconds: number;
  /** Materialized into the online store. */
  online: boolean;
  /**
   * The name of the push source that feeds this view (Feast's `PushSource`): `POST /push` with this name
   * writes rows straight to the online store, the offline store or both. Several views may share one.
   */
  pushSource?: string;
  tags: Record<string, string>;
  description: string;
}

/** Values an on-demand transformation reads: `inputs[view][feature]`, plus the request's own data. */
export interface OnDemandInput {
  inputs: Record<string, Record<string, unknown>>;
  request: Record<string, unknown>;
  /** When the features are asked for: request time online. */
  now: Date;
}

/** Features computed when they are read, from other views' features and request data. */
export interface OnDemandFeatureView {
  name: string;
  /** Feature references (`view:feature`) the transformation reads. */
  sources: string[];
  /** Fields the request must carry (as entity columns), if any. */
  requestSchema: Field[];
  schema: Field[];
  transform: (input: OnDemandInput) => Record<string, unknown>;
  tags: Record<string, string>;
  description: string;
}

/** A named set of features one model uses: `view:feature` references, or `view` for all of its features. */
export interface FeatureService {
  name: string;
  features: string[];
  tags: Record<string, string>;
  description: string;
}

/** Everything `mlops features apply` records. */
export interface FeatureDefinitions {
  entities: Entity[];
  featureViews: FeatureView[];
  onDemandFeatureViews: OnDemandFeatureView[];
  featureServices: FeatureService[];
}

/** The kinds of registry objects, as stored and shown. */
export type DefinitionKind = 'entity' | 'feature_view' | 'on_demand_feature_view' | 'feature_service';

/**
 * Helpers that fill in defaults, for definition files:
 * `export default defineFeatures({ featureViews: [featureView({...})] })`.
 */
export function entity(input: Omit<Entity, 'description' | 'valueType'> & Partial<Entity>): Entity {
  return { valueType: 'int64', description: '', ...input };
}

export function featureView(
  input: Omit<FeatureView, 'online' | 'tags' | 'description' | 'ttlSeconds'> & Partial<FeatureView>,
): FeatureView {
  return { ttlSeconds: 0, online: true, tags: {}, description: '', ...input };
}

export function onDemandFeatureView(
  input: Omit<OnDemandFeatureView, 'tags' | 'description' | 'requestSchema'> & Partial<OnDemandFeatureView>,
): OnDemandFeatureView {
  return { requestSchema: [], tags: {}, description: '', ...input };
}

export function featureService(
  input: Omit<FeatureService, 'tags' | 'description'> & Partial<FeatureService>,
): FeatureService {
  return { tags: {}, description: '', ...input };
}

export function defineFeatures(input: Partial<FeatureDefinitions>): FeatureDefinitions {
  return {
    entities: input.entities ?? [],
    featureViews: input.featureViews ?? [],
    onDemandFeatureViews: input.onDemandFeatureViews ?? [],
    featureServices: input.featureServices ?? [],
  };
}

import { createHash } from 'node:crypto';
import { MlopsError } from '../errors/index.js';
import type { MetadataDb } from '../storage/index.js';
import type {
  DefinitionKind,
  Entity,
  FeatureDefinitions,
  FeatureService,
  FeatureView,
  Field,
  OnDemandFeatureView,
} from './definitions/types.js';
import { validateDefinitions } from './definitions/validate.js';

/** A registry object as stored and served: snake_case JSON, as every HTTP field is. */
export type Spec = Record<string, unknown> & { name: string };

export interface RegistryObject {
  kind: DefinitionKind;
  name: string;
  version: number;
  spec: Spec;
  applied_at: Date;
}

/** What the registry holds now: the latest version of each object not removed. */
export interface ActiveRegistry {
  objects: RegistryObject[];
  entities: Entity[];
  featureViews: (FeatureView & { version: number })[];
  /** On-demand views as recorded: inputs and outputs (their transformation is code, found by name). */
  onDemandFeatureViews: (Omit<OnDemandFeatureView, 'transform'> & { version: number })[];
  featureServices: FeatureService[];
}

export interface PlannedChange {
  kind: DefinitionKind;
  name: string;
  change: 'added' | 'changed' | 'removed' | 'unchanged';
  from_version: number | null;
  to_version: number | null;
  /** `- path: old` / `+ path: new` lines for a changed object. */
  diff: string[];
}

const KINDS: DefinitionKind[] = ['entity', 'feature_view', 'on_demand_feature_view', 'feature_service'];

const fieldSpec = (field: Field) => ({
  name: field.name,
  dtype: field.dtype,
  ...(field.description === undefined ? {} : { description: field.description }),
});

/** Every object of a definition set as its stored spec. */
export function specsOf(definitions: FeatureDefinitions): { kind: DefinitionKind; spec: Spec }[] {
  return [
    ...definitions.entities.map((item) => ({
      kind: 'entity' as const,
      spec: {
        name: item.name,
        join_key: item.joinKey,
        value_type: item.valueType,
        description: item.description,
      },
    })),
    ...definitions.featureViews.map((item) => ({
      kind: 'feature_view' as const,
      spec: {
        name: item.name,
        entities: item.entities,
        schema: item.schema.map(fieldSpec),
        source: {
          inputs: item.source.inputs,
          query: item.source.query,
          timestamp_field: item.source.timestampField,
          ...(item.source.partitionBy === undefined ? {} : { partition_by: item.source.partitionBy }),
        },
        ttl_seconds: item.ttlSeconds,
        online: item.online,
        ...(item.pushSource === undefined ? {} : { push_source: item.pushSource }),
        tags: item.tags,
        description: item.description,
      },
    })),
    ...definitions.onDemandFeatureViews.map((item) => ({
      kind: 'on_demand_feature_view' as const,
      spec: {
        name: item.name,
        sources: item.sources,
        request_schema: item.requestSchema.map(fieldSpec),
        schema: item.schema.map(fieldSpec),
        // The code is recorded so a changed transformation shows in the diff.
        transform_source: item.transform.toString(),
        tags: item.tags,
        description: item.description,
      },
    })),
    ...definitions.featureServices.map((item) => ({
      kind: 'feature_service' as const,
      spec: { name: item.name, features: item.features, tags: item.tags, description: item.description },
    })),
  ];
}

/** The registry's current objects, and the definitions they describe. */
export async function activeRegistry(db: MetadataDb): Promise<ActiveRegistry> {
  const rows = await db
    .selectFrom('feature_definitions')
    .selectAll()
    .orderBy('kind')
    .orderBy('name')
    .orderBy('version', 'desc')
    .execute();
  const objects: RegistryObject[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const key = `${row.kind}/${row.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (row.removed_at !== null) continue;
    const spec = (typeof row.spec === 'string' ? JSON.parse(row.spec) : row.spec) as Spec;
    objects.push({
      kind: row.kind as DefinitionKind,
      name: row.name,
      version: row.version,
      spec,
      applied_at: row.applied_at,
    });
  }
  return toDefinitions(objects);
}

function toDefinitions(objects: RegistryObject[]): ActiveRegistry {
  const of = (kind: DefinitionKind) => objects.filter((object) => object.kind === kind);
  const fields = (value: unknown) =>
    (value as { name: string; dtype: Field['dtype']; description?: string }[]).map((field) => ({ ...field }));
  return {
    objects,
    entities: of('entity').map(({ spec }) => ({
      name: spec.name,
      joinKey: String(spec.join_key),
      valueType: spec.value_type as Entity['valueType'],
      description: String(spec.description ?? ''),
    })),
    featureViews: of('feature_view').map(({ spec, version }) => {
      const source = spec.source as {
        inputs: string[];
        query: string;
        timestamp_field: string;
        partition_by?: { input: string; column: string };
      };
      return {
        name: spec.name,
        version,
        entities: spec.entities as string[],
        schema: fields(spec.schema),
        source: {
          inputs: source.inputs,
          query: source.query,
          timestampField: source.timestamp_field,
          ...(source.partition_by === undefined ? {} : { partitionBy: source.partition_by }),
        },
        ttlSeconds: Number(spec.ttl_seconds),
        online: spec.online === true,
        ...(typeof spec.push_source === 'string' ? { pushSource: spec.push_source } : {}),
        tags: (spec.tags ?? {}) as Record<string, string>,
        description: String(spec.description ?? ''),
      };
    }),
    onDemandFeatureViews: of('on_demand_feature_view').map(({ spec, version }) => ({
      name: spec.name,
      version,
      sources: spec.sources as string[],
      requestSchema: fields(spec.request_schema),
      schema: fields(spec.schema),
      tags: (spec.tags ?? {}) as Record<string, string>,
      description: String(spec.description ?? ''),
    })),
    featureServices: of('feature_service').map(({ spec }) => ({
      name: spec.name,
      features: spec.features as string[],
      tags: (spec.tags ?? {}) as Record<string, string>,
      description: String(spec.description ?? ''),
    })),
  };
}

/**
 * Records a definition set as the registry's new state: new objects get version 1, changed ones their next
 * version, objects no longer defined are marked removed. Refused as a whole, with nothing changed, when the
 * definitions are invalid or would remove a feature view a feature service still uses. With `dryRun` only
 * the plan is returned.
 */
export async function applyDefinitions(
  db: MetadataDb,
  definitions: FeatureDefinitions,
  options: { dryRun?: boolean } = {},
): Promise<PlannedChange[]> {
  const current = await activeRegistry(db);
  refuseRemovingViewsInUse(current, definitions);
  validateDefinitions(definitions);
  const wanted = specsOf(definitions);
  const plan: PlannedChange[] = [];
  const inserts: { kind: DefinitionKind; name: string; version: number; spec: Spec }[] = [];
  const latestVersions = await latestVersionsOf(db);
  for (const { kind, spec } of wanted) {
    const existing = current.objects.find((object) => object.kind === kind && object.name === spec.name);
    const nextVersion = (latestVersions.get(`${kind}/${spec.name}`) ?? 0) + 1;
    if (existing === undefined) {
      plan.push({
        kind,
        name: spec.name,
        change: 'added',
        from_version: null,
        to_version: nextVersion,
        diff: [],
      });
      inserts.push({ kind, name: spec.name, version: nextVersion, spec });
    } else if (hashOf(existing.spec) !== hashOf(spec)) {
      plan.push({
        kind,
        name: spec.name,
        change: 'changed',
        from_version: existing.version,
        to_version: nextVersion,
        diff: diffSpecs(existing.spec, spec),
      });
      inserts.push({ kind, name: spec.name, version: nextVersion, spec });
    } else {
      plan.push({
        kind,
        name: spec.name,
        change: 'unchanged',
        from_version: existing.version,
        to_version: existing.version,
        diff: [],
      });
    }
  }
  const removed = current.objects.filter(
    (object) => !wanted.some(({ kind, spec }) => kind === object.kind && spec.name === object.name),
  );
  for (const object of removed) {
    plan.push({
      kind: object.kind,
      name: object.name,
      change: 'removed',
      from_version: object.version,
      to_version: null,
      diff: [],
    });
  }
  plan.sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) || a.name.localeCompare(b.name));
  if (options.dryRun === true || (inserts.length === 0 && removed.length === 0)) return plan;

  await db.transaction().execute(async (trx) => {
    if (inserts.length > 0) {
      await trx
        .insertInto('feature_definitions')
        .values(
          inserts.map((insert) => ({
            kind: insert.kind,
            name: insert.name,
            version: insert.version,
            spec: JSON.stringify(insert.spec),
            spec_hash: hashOf(insert.spec),
          })),
        )
        .execute();
    }
    for (const object of removed) {
      await trx
        .updateTable('feature_definitions')
        .set({ removed_at: new Date() })
        .where('kind', '=', object.kind)
        .where('name', '=', object.name)
        .where('version', '=', object.version)
        .execute();
    }
  });
  return plan;
}

function refuseRemovingViewsInUse(current: ActiveRegistry, next: FeatureDefinitions): void {
  const nextViews = new Set([
    ...next.featureViews.map((view) => view.name),
    ...next.onDemandFeatureViews.map((view) => view.name),
  ]);
  const removedViews = [...current.featureViews, ...current.onDemandFeatureViews]
    .map((view) => view.name)
    .filter((name) => !nextViews.has(name));
  const uses: string[] = [];
  for (const view of removedViews) {
    for (const service of next.featureServices) {
      if (service.features.some((ref) => ref.split(':')[0] === view))
        uses.push(`feature service ${service.name} uses feature view ${view}`);
    }
    for (const onDemand of next.onDemandFeatureViews) {
      if (onDemand.sources.some((ref) => ref.split(':')[0] === view))
        uses.push(`on-demand feature view ${onDemand.name} reads feature view ${view}`);
    }
  }
  if (uses.length > 0) {
    throw new MlopsError(
      'MLOPS_ERR_FEATURE_VIEW_IN_USE',
      `cannot remove ${[...new Set(removedViews)].join(', ')}: ${uses.join('; ')}. Remove or change those first; nothing was applied`,
      { field: 'featureViews' },
    );
  }
}

async function latestVersionsOf(db: MetadataDb): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('feature_definitions')
    .select(['kind', 'name', (eb) => eb.fn.max('version').as('version')])
    .groupBy(['kind', 'name'])
    .execute();
  return new Map(rows.map((row) => [`${row.kind}/${row.name}`, Number(row.version)]));
}

/** Every version of one object, newest first (for `describe`). */
export async function definitionHistory(
  db: MetadataDb,
  name: string,
): Promise<(RegistryObject & { removed_at: Date | null })[]> {
  const rows = await db
    .selectFrom('feature_definitions')
    .selectAll()
    .where('name', '=', name)
    .orderBy('version', 'desc')
    .execute();
  return rows.map((row) => ({
    kind: row.kind as DefinitionKind,
    name: row.name,
    version: row.version,
    spec: (typeof row.spec === 'string' ? JSON.parse(row.spec) : row.spec) as Spec,
    applied_at: row.applied_at,
    removed_at: row.removed_at,
  }));
}

function hashOf(spec: Spec): string {
  const comparable =
    typeof spec.transform_source === 'string'
      ? { ...spec, transform_source: comparableSource(spec.transform_source) }
      : spec;
  return createHash('sha256').update(canonicalJson(comparable)).digest('hex');
}

/**
 * A transformation's source as compilers leave it alike: tsc and tsx print the same function with other
 * whitespace, quotes and semicolons, which must not count as a change.
 */
function comparableSource(source: string): string {
  return source.replace(/[\s;'"`]/g, '').replace(/,([)\]}])/g, '$1');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `- path: old` and `+ path: new` for every leaf that differs. */
export function diffSpecs(before: Spec, after: Spec): string[] {
  const left = flatten(before);
  const right = flatten(after);
  const lines: string[] = [];
  for (const key of [...new Set([...left.keys(), ...right.keys()])].sort()) {
    const a = left.get(key);
    const b = right.get(key);
    if (a === b) continue;
    if (a !== undefined) lines.push(`- ${key}: ${a}`);
    if (b !== undefined) lines.push(`+ ${key}: ${b}`);
  }
  return lines;
}

function flatten(value: unknown, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (
    Array.isArray(value) &&
    value.every((item) => typeof item === 'object' && item !== null && 'name' in item)
  ) {
    // Lists of named things (schema fields) are compared by name, not position.
    for (const item of value as { name: string }[]) flatten(item, `${prefix}[${item.name}]`, into);
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value))
      flatten(item, prefix === '' ? key : `${prefix}.${key}`, into);
  } else {
    const text =
      prefix === 'transform_source' && typeof value === 'string'
        ? comparableSource(value)
        : typeof value === 'string'
          ? value.replace(/\s+/g, ' ').trim()
          : JSON.stringify(value);
    into.set(prefix, text);
  }
  return into;
}

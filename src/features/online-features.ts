import { MlopsError, ValidationError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { PlatformMetrics } from '../monitoring/index.js';
import type { MetadataDb } from '../storage/index.js';
import { loadFeatureDefinitions } from './definitions/load.js';
import type { Entity, OnDemandFeatureView } from './definitions/types.js';
import { entityKeyOf, type OnlineStore } from './online/online-store.js';
import { type ActiveRegistry, activeRegistry } from './registry.js';
import { int64KeyOf } from './write-path.js';

/** Feast's per-value statuses. */
export type FeatureStatus = 'PRESENT' | 'NULL_VALUE' | 'NOT_FOUND' | 'OUTSIDE_MAX_AGE' | 'INVALID';

export interface OnlineFeaturesRequest {
  /** `view:feature` or `view` references; or `featureService`. */
  features?: string[];
  featureService?: string;
  /** Column-wise entity rows: join key (or request field) → one value per row. */
  entities: Record<string, unknown[]>;
  fullFeatureNames?: boolean;
}

/** Feast's response: column-major, join keys first, one result per name. */
export interface OnlineFeaturesResponse {
  metadata: { feature_names: string[] };
  results: { values: unknown[]; statuses: FeatureStatus[]; event_timestamps: string[] }[];
}

interface Wanted {
  view: string;
  feature: string;
  onDemand: boolean;
}

const EPOCH = '1970-01-01T00:00:00Z';
const REGISTRY_REFRESH_MS = 2000;

/**
 * Reads features for serving: resolves references against the applied registry (refreshed every 2 s),
 * reads each view's values from the online store, marks stale ones OUTSIDE_MAX_AGE and absent ones
 * NOT_FOUND, and runs on-demand transformations on what was read.
 */
export class OnlineFeatureServer {
  private registry: ActiveRegistry | undefined;
  private registryAt = 0;
  private refreshing: Promise<ActiveRegistry> | undefined;
  private transforms: Promise<Map<string, OnDemandFeatureView['transform']>> | undefined;

  constructor(
    private readonly db: MetadataDb,
    readonly store: OnlineStore,
    private readonly options: {
      maxEntities: number;
      repoFile?: string | undefined;
      logger: Logger;
      metrics?: PlatformMetrics;
    },
  ) {}

  /** The applied registry, at most 2 s old. */
  async currentRegistry(): Promise<ActiveRegistry> {
    const stale = Date.now() - this.registryAt > REGISTRY_REFRESH_MS;
    if (this.registry === undefined || stale) {
      if (this.refreshing === undefined) {
        const refreshing = activeRegistry(this.db)
          .then((registry) => {
            this.registry = registry;
            this.registryAt = Date.now();
            return registry;
          })
          .finally(() => {
            this.refreshing = undefined;
          });
        // Nobody awaits a refresh behind a stale copy: its failure (the database restarting, a full pool)
        // is logged and the next read tries again; left unhandled it would end the process.
        refreshing.catch((error: unknown) => {
          if (this.registry !== undefined)
            this.options.logger.warn(
              { component: 'FEATURE_STORE', action: 'REGISTRY_REFRESH_FAILED', err: error },
              `reading the feature registry failed (${String(error)}): serving the copy read ${Math.round((Date.now() - this.registryAt) / 1000)} s ago`,
            );
        });
        this.refreshing = refreshing;
      }
      // A stale copy serves while the new one loads; only the first read waits.
      if (this.registry === undefined) return this.refreshing as Promise<ActiveRegistry>;
    }
    return this.registry;
  }

  /** Forget the cached registry (after an apply in this process). */
  invalidate(): void {
    this.registryAt = 0;
    this.registry = undefined;
  }

  async getOnlineFeatures(asked: OnlineFeaturesRequest, now = new Date()): Promise<OnlineFeaturesResponse> {
    const startedAt = performance.now();
    const registry = await this.currentRegistry();
    if (registry.featureViews.length === 0) {
      throw new MlopsError(
        'MLOPS_ERR_FEATURES_NOT_BUILT',
        'no feature views are applied yet: run `mlops features apply`, `build` and `materialize`',
      );
    }
    // Feast accepts an int64 join key's digits (`"1"`) as well as the number.
    const request = { ...asked, entities: withInt64Keys(registry, asked.entities) };
    const wanted = resolveReferences(registry, request);
    const entityColumns = Object.keys(request.entities);
    const rowCount = validateEntities(registry, request, wanted, this.options.maxEntities);

    // Every feature view to read: asked directly or feeding an on-demand view.
    const reads = new Map<string, Set<string>>();
    const need = (view: string, feature: string) =>
      reads.set(view, (reads.get(view) ?? new Set()).add(feature));
    const onDemandViews = new Map<string, ActiveRegistry['onDemandFeatureViews'][number]>();
    for (const item of wanted) {
      if (!item.onDemand) need(item.view, item.feature);
      else {
        const view = registry.onDemandFeatureViews.find((candidate) => candidate.name === item.view);
        if (view === undefined) continue;
        onDemandViews.set(view.name, view);
        for (const source of view.sources) {
          const [sourceView = '', sourceFeature] = source.split(':');
          const fv = registry.featureViews.find((candidate) => candidate.name === sourceView);
          for (const field of fv?.schema ?? [])
            if (sourceFeature === undefined || sourceFeature === field.name) need(sourceView, field.name);
        }
      }
    }
    for (const viewName of reads.keys()) {
      const view = registry.featureViews.find((candidate) => candidate.name === viewName);
      for (const key of joinKeys(registry, view?.entities ?? [])) {
        if (!entityColumns.includes(key.joinKey)) {
          throw new ValidationError(`feature view ${viewName} needs the entity column "${key.joinKey}"`, {
            field: 'entities',
          });
        }
      }
    }

    // view → feature → per-row value and status; one store read per view.
    const read = new Map<
      string,
      Map<string, { values: unknown[]; statuses: FeatureStatus[]; timestamps: string[] }>
    >();
    await Promise.all(
      [...reads].map(async ([viewName, featureSet]) => {
        const view = registry.featureViews.find((candidate) => candidate.name === viewName);
        if (view === undefined) return;
        const keys = joinKeys(registry, view.entities).map((entity) => entity.joinKey);
        const entityKeys = Array.from({ length: rowCount }, (_, row) =>
          entityKeyOf(keys.map((key) => request.entities[key]?.[row] as string | number)),
        );
        const features = [...featureSet];
        const hits = await this.store.read(viewName, entityKeys, features);
        const columns = new Map(
          features.map((feature) => [
            feature,
            { values: [] as unknown[], statuses: [] as FeatureStatus[], timestamps: [] as string[] },
          ]),
        );
        hits.forEach((hit) => {
          const isStale =
            hit !== undefined &&
            view.ttlSeconds > 0 &&
            now.getTime() - hit.eventTimestamp > view.ttlSeconds * 1000;
          features.forEach((feature, index) => {
            const column = columns.get(feature);
            if (column === undefined) return;
            if (hit === undefined) {
              column.values.push(null);
              column.statuses.push('NOT_FOUND');
              column.timestamps.push(EPOCH);
              return;
            }
            const value = hit.values[index] ?? null;
            column.values.push(isStale ? null : value);
            column.statuses.push(isStale ? 'OUTSIDE_MAX_AGE' : value === null ? 'NULL_VALUE' : 'PRESENT');
            column.timestamps.push(new Date(hit.eventTimestamp).toISOString());
          });
        });
        read.set(viewName, columns);
      }),
    );

    const computed = await this.runOnDemand([...onDemandViews.values()], read, request, rowCount, now);
    const names = entityColumns.slice();
    const results: OnlineFeaturesResponse['results'] = entityColumns.map((column) => ({
      values: request.entities[column] ?? [],
      statuses: new Array<FeatureStatus>(rowCount).fill('PRESENT'),
      event_timestamps: new Array<string>(rowCount).fill(EPOCH),
    }));
    for (const item of wanted) {
      const column = (item.onDemand ? computed : read).get(item.view)?.get(item.feature);
      names.push(request.fullFeatureNames === true ? `${item.view}__${item.feature}` : item.feature);
      results.push({
        values: column?.values ?? [],
        statuses: column?.statuses ?? [],
        event_timestamps: column?.timestamps ?? [],
      });
      if (this.options.metrics !== undefined && column !== undefined) {
        for (const status of column.statuses)
          this.options.metrics.featureValues.inc({ feature_view: item.view, status });
      }
    }
    this.options.metrics?.featureReadDuration.observe(
      { store: this.store.backend },
      (performance.now() - startedAt) / 1000,
    );
    return { metadata: { feature_names: names }, results };
  }

  private async runOnDemand(
    views: ActiveRegistry['onDemandFeatureViews'],
    read: Map<string, Map<string, { values: unknown[]; statuses: FeatureStatus[]; timestamps: string[] }>>,
    request: OnlineFeaturesRequest,
    rowCount: number,
    now: Date,
  ): Promise<
    Map<string, Map<string, { values: unknown[]; statuses: FeatureStatus[]; timestamps: string[] }>>
  > {
    const computed = new Map<
      string,
      Map<string, { values: unknown[]; statuses: FeatureStatus[]; timestamps: string[] }>
    >();
    if (views.length === 0) return computed;
    this.transforms ??= loadFeatureDefinitions(this.options.repoFile).then(
      (definitions) => new Map(definitions.onDemandFeatureViews.map((view) => [view.name, view.transform])),
    );
    const transforms = await this.transforms;
    const stamp = now.toISOString();
    for (const view of views) {
      const transform = transforms.get(view.name);
      if (transform === undefined) {
        throw new MlopsError(
          'MLOPS_ERR_FEATURES_NOT_BUILT',
          `on-demand feature view ${view.name} is in the registry but its code is not loaded: set MLOPS_FEATURE_REPO to the file that defines it`,
          { field: 'features' },
        );
      }
      const columns = new Map(
        view.schema.map((field) => [
          field.name,
          { values: [] as unknown[], statuses: [] as FeatureStatus[], timestamps: [] as string[] },
        ]),
      );
      for (let row = 0; row < rowCount; row++) {
        const inputs: Record<string, Record<string, unknown>> = {};
        for (const [viewName, features] of read) {
          const values: Record<string, unknown> = {};
          for (const [feature, column] of features) values[feature] = column.values[row] ?? null;
          inputs[viewName] = values;
        }
        const requestData = Object.fromEntries(
          view.requestSchema.map((field) => [field.name, request.entities[field.name]?.[row] ?? null]),
        );
        let output: Record<string, unknown> | undefined;
        try {
          output = transform({ inputs, request: requestData, now });
        } catch (error) {
          this.options.logger.warn(
            { component: 'FEATURE_STORE', action: 'ON_DEMAND', feature_view: view.name, err: error },
            `on-demand feature view ${view.name} failed for row ${row}`,
          );
        }
        for (const field of view.schema) {
          const column = columns.get(field.name);
          if (column === undefined) continue;
          const value = output?.[field.name] ?? null;
          column.values.push(value);
          column.statuses.push(output === undefined ? 'INVALID' : value === null ? 'NULL_VALUE' : 'PRESENT');
          column.timestamps.push(stamp);
        }
      }
      computed.set(view.name, columns);
    }
    return computed;
  }
}

/** The features a request names, in order: from its list or its feature service; `view` means all. */
export function resolveReferences(
  registry: ActiveRegistry,
  request: Pick<OnlineFeaturesRequest, 'features' | 'featureService'>,
): Wanted[] {
  let refs: string[];
  if (request.featureService !== undefined) {
    const service = registry.featureServices.find((item) => item.name === request.featureService);
    if (service === undefined) {
      throw new ValidationError(
        `unknown feature service "${request.featureService}" (known: ${registry.featureServices.map((item) => item.name).join(', ') || 'none'})`,
        { field: 'feature_service' },
      );
    }
    refs = service.features;
  } else {
    refs = request.features ?? [];
  }
  if (refs.length === 0) throw new ValidationError('ask for at least one feature', { field: 'features' });
  const wanted: Wanted[] = [];
  const unknown: string[] = [];
  for (const ref of refs) {
    const [viewName = '', featureName] = ref.split(':');
    const view =
      registry.featureViews.find((item) => item.name === viewName) ??
      registry.onDemandFeatureViews.find((item) => item.name === viewName);
    if (view === undefined) {
      unknown.push(ref);
      continue;
    }
    const onDemand = !registry.featureViews.includes(view as ActiveRegistry['featureViews'][number]);
    const features = featureName === undefined ? view.schema.map((field) => field.name) : [featureName];
    for (const feature of features) {
      if (!view.schema.some((field) => field.name === feature)) unknown.push(`${viewName}:${feature}`);
      else if (!wanted.some((item) => item.view === viewName && item.feature === feature))
        wanted.push({ view: viewName, feature, onDemand });
    }
  }
  if (unknown.length > 0) {
    throw new ValidationError(`unknown features: ${unknown.join(', ')} (see GET /api/v1/features/registry)`, {
      field: 'features',
    });
  }
  return wanted;
}

function withInt64Keys(
  registry: ActiveRegistry,
  entities: Record<string, unknown[]>,
): Record<string, unknown[]> {
  let result = entities;
  for (const [name, values] of Object.entries(entities)) {
    const entity = registry.entities.find((item) => item.joinKey === name);
    if (entity?.valueType !== 'int64' || !values.some((value) => typeof value === 'string')) continue;
    result = { ...result, [name]: values.map((value) => int64KeyOf(value) ?? value) };
  }
  return result;
}

function joinKeys(registry: ActiveRegistry, entityNames: readonly string[]): Entity[] {
  return entityNames.flatMap((name) => registry.entities.filter((entity) => entity.name === name));
}

/** Checks entity columns: known names, equal lengths, the size limit and key types. Returns the row count. */
function validateEntities(
  registry: ActiveRegistry,
  request: OnlineFeaturesRequest,
  wanted: Wanted[],
  maxEntities: number,
): number {
  const columns = Object.entries(request.entities);
  if (columns.length === 0)
    throw new ValidationError('give at least one entity column', { field: 'entities' });
  const requestFields = new Set(
    registry.onDemandFeatureViews
      .filter((view) => wanted.some((item) => item.onDemand && item.view === view.name))
      .flatMap((view) => view.requestSchema.map((field) => field.name)),
  );
  const unknown = columns
    .map(([name]) => name)
    .filter(
      (name) => !registry.entities.some((entity) => entity.joinKey === name) && !requestFields.has(name),
    );
  if (unknown.length > 0) {
    throw new ValidationError(
      `unknown entity columns: ${unknown.join(', ')} (join keys: ${registry.entities.map((entity) => entity.joinKey).join(', ')})`,
      { field: 'entities' },
    );
  }
  const rowCount = columns[0]?.[1].length ?? 0;
  for (const [name, values] of columns) {
    if (values.length !== rowCount) {
      throw new ValidationError(
        `entity columns must have the same length: ${columns[0]?.[0]} has ${rowCount} values, ${name} has ${values.length}`,
        { field: `entities.${name}` },
      );
    }
  }
  if (rowCount === 0) throw new ValidationError('give at least one entity row', { field: 'entities' });
  if (rowCount > maxEntities) {
    throw new ValidationError(
      `${rowCount} entity rows is over the limit of ${maxEntities} per request (MLOPS_FEATURES_MAX_ENTITIES): split the batch`,
      { field: 'entities' },
    );
  }
  for (const [name, values] of columns) {
    const entity = registry.entities.find((item) => item.joinKey === name);
    if (entity === undefined) continue;
    values.forEach((value, index) => {
      const ok = entity.valueType === 'int64' ? Number.isSafeInteger(value) : typeof value === 'string';
      if (!ok) {
        throw new ValidationError(
          `entities.${name}[${index}] must be ${entity.valueType === 'int64' ? 'an integer' : 'a string'} (got ${JSON.stringify(value)})`,
          { field: `entities.${name}[${index}]` },
        );
      }
    });
  }
  return rowCount;
}

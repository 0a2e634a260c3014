import type { FeaturesConfig } from '../config/index.js';
import type { DataContext } from '../data/index.js';
import { NotFoundError } from '../errors/index.js';
import { latestDatasetVersion } from '../lineage/index.js';
import type { PlatformMetrics } from '../monitoring/index.js';
import { loadFeatureDefinitions } from './definitions/load.js';
import type { FeatureDefinitions } from './definitions/types.js';
import { readEntityFeatures } from './entity-features.js';
import { type FeatureBuild, latestBuild, listBuilds } from './feature-builds.js';
import { buildFeatureView } from './feature-view-build.js';
import {
  getHistoricalFeatures,
  type HistoricalRequest,
  type HistoricalResult,
} from './historical-features.js';
import {
  type MaterializeOptions,
  type MaterializeResult,
  materializationState,
  materialize,
} from './materialize.js';
import { appendToOfflineStore } from './offline-push.js';
import type { OnlineStore } from './online/online-store.js';
import { openOnlineStore } from './online/open-online-store.js';
import {
  OnlineFeatureServer,
  type OnlineFeaturesRequest,
  type OnlineFeaturesResponse,
} from './online-features.js';
import {
  type ActiveRegistry,
  activeRegistry,
  applyDefinitions,
  definitionHistory,
  type PlannedChange,
} from './registry.js';
import {
  type ColumnarFrame,
  onlineRowsOf,
  type PreparedWrite,
  type PushTarget,
  prepareWrite,
  viewsOfPushSource,
} from './write-path.js';

export interface FeatureStoreContext extends DataContext {
  config: FeaturesConfig;
  metrics?: PlatformMetrics;
}

/** Most rows per push or online write (as many as one JSON column may hold): writes are not latency-bound. */
const MAX_WRITE_ROWS = 100_000;

/** What a push or an online write did, per view. */
export interface WriteResult {
  feature_view: string;
  rows: number;
  /** Entities whose online values changed (an older row never replaces a newer one). */
  written_online: number;
  /** The offline build that now holds the rows, for offline pushes. */
  offline_build_id: string | null;
}

/**
 * The feature store of a platform: registry, offline store (DuckDB over Parquet dataset versions) and the
 * configured online store, with the operations the CLI, the server and pipelines call.
 */
export class FeatureStore {
  private closing: Promise<void> | undefined;
  // Offline pushes append to one dataset per view: one at a time, so none is lost to a race.
  private offlineWrites: Promise<unknown> = Promise.resolve();
  readonly online: OnlineFeatureServer;

  private constructor(
    private readonly context: FeatureStoreContext,
    readonly onlineStore: OnlineStore,
  ) {
    this.online = new OnlineFeatureServer(context.db, onlineStore, {
      maxEntities: context.config.maxEntities,
      repoFile: context.config.repoFile,
      logger: context.logger,
      ...(context.metrics === undefined ? {} : { metrics: context.metrics }),
    });
  }

  static async open(context: FeatureStoreContext): Promise<FeatureStore> {
    return new FeatureStore(context, await openOnlineStore(context.config, context.db));
  }

  registry(): Promise<ActiveRegistry> {
    return activeRegistry(this.context.db);
  }

  /** Every applied version of a registry object, newest first (with when each was removed, if it was). */
  definitionHistory(name: string) {
    return definitionHistory(this.context.db, name);
  }

  /** A view's newest build that passed validation, or its newest whatever it gave with `validOnly: false`. */
  latestBuild(view: string, options: { validOnly?: boolean } = {}): Promise<FeatureBuild | undefined> {
    return latestBuild(this.context, view, options);
  }

  /** A view's builds, newest first. */
  builds(view: string, limit = 20): Promise<FeatureBuild[]> {
    return listBuilds(this.context, view, limit);
  }

  /** What the online store holds per view: up to when, how many rows, by which mode. */
  materializationState() {
    return materializationState(this.context, this.onlineStore.backend);
  }

  /**
   * Each applied feature view with its newest build (valid or not) and its materialization: the summary
   * `mlops features list` prints and the UI's registry page shows.
   */
  async featureViewSummaries() {
    const [registry, materialized] = await Promise.all([this.registry(), this.materializationState()]);
    return Promise.all(
      registry.objects
        .filter((object) => object.kind === 'feature_view')
        .map(async (object) => ({
          object,
          build: await this.latestBuild(object.name, { validOnly: false }),
          materialization: materialized.find((item) => item.feature_view === object.name),
        })),
    );
  }

  /** The definitions in code: built-ins plus MLOPS_FEATURE_REPO (or the given file). */
  definitionsInCode(file = this.context.config.repoFile): Promise<FeatureDefinitions> {
    return loadFeatureDefinitions(file);
  }

  /**
   * Records the definitions in the registry (see `applyDefinitions`) and drops the online values of removed
   * views. Returns the plan: what was added, changed (with a diff), removed or left as it was.
   */
  async apply(definitions: FeatureDefinitions, options: { dryRun?: boolean } = {}): Promise<PlannedChange[]> {
    const plan = await applyDefinitions(this.context.db, definitions, options);
    if (options.dryRun !== true) {
      for (const change of plan)
        if (change.kind === 'feature_view' && change.change === 'removed')
          await this.onlineStore.deleteView(change.name);
      this.online.invalidate();
    }
    return plan;
  }

  /**
   * Builds the given views from the latest data, one after another. Without names: every view whose input
   * datasets exist (a view fed by another pipeline, like user_recommendations, waits for its data).
   */
  async build(
    options: {
      views?: string[];
      onView?: (view: string, index: number, total: number) => void;
      /** Called as each pass of a view built in passes starts (MLOPS_FEATURES_BUILD_ROWS_PER_PASS). */
      onPass?: (view: string, pass: number, passes: number) => void;
      /** Overrides MLOPS_FEATURES_BUILD_ROWS_PER_PASS for this build. */
      rowsPerPass?: number;
    } = {},
  ): Promise<FeatureBuild[]> {
    const registry = await this.registry();
    const names = options.views ?? (await this.buildableViews(registry));
    if (names.length === 0)
      throw new NotFoundError('no feature views are applied: run `mlops features apply` first');
    const builds: FeatureBuild[] = [];
    for (const [index, name] of names.entries()) {
      options.onView?.(name, index, names.length);
      builds.push(
        await buildFeatureView(this.context, registry, name, {
          rowsPerPass: options.rowsPerPass ?? this.context.config.buildRowsPerPass,
          onPass: (pass, passes) => options.onPass?.(name, pass, passes),
        }),
      );
    }
    return builds;
  }

  private async buildableViews(registry: ActiveRegistry): Promise<string[]> {
    const names: string[] = [];
    for (const view of registry.featureViews) {
      let hasInputs = true;
      for (const input of view.source.inputs)
        if ((await latestDatasetVersion(this.context.db, input)) === undefined) hasInputs = false;
      if (hasInputs) names.push(view.name);
    }
    return names;
  }

  /** Materializes the given views (default: every online view that has a valid build). */
  async materialize(options: MaterializeOptions = {}): Promise<MaterializeResult[]> {
    const registry = await this.registry();
    let views = options.views;
    const unknown = (views ?? []).filter((name) => !registry.featureViews.some((view) => view.name === name));
    if (unknown.length > 0) {
      throw new NotFoundError(
        `no feature view named ${unknown.join(', ')} in the registry (applied: ${registry.featureViews.map((view) => view.name).join(', ') || 'none'})`,
        { field: 'feature_views' },
      );
    }
    if (views === undefined) {
      views = [];
      for (const view of registry.featureViews)
        if (view.online && (await latestBuild(this.context, view.name)) !== undefined) views.push(view.name);
    }
    return materialize(this.context, registry, this.onlineStore, { ...options, views });
  }

  /**
   * Feast's push: rows for the views a push source feeds, to the online store, the offline store or both.
   * Every view's rows are checked before anything is written, so a refused request changes nothing.
   */
  async push(request: {
    pushSourceName: string;
    df: ColumnarFrame;
    to: PushTarget;
    allowRegistryCache?: boolean;
  }): Promise<WriteResult[]> {
    const registry = await this.registryFor(request.allowRegistryCache);
    const writes = viewsOfPushSource(registry, request.pushSourceName).map((view) =>
      prepareWrite(registry, view, request.df, MAX_WRITE_ROWS),
    );
    const results = await this.writeOnline(request.to === 'offline' ? [] : writes);
    if (request.to === 'online') return results;
    const appended = this.offlineWrites.then(async () => {
      const builds: FeatureBuild[] = [];
      for (const write of writes) builds.push(await appendToOfflineStore(this.context, registry, write));
      return builds;
    });
    this.offlineWrites = appended.catch(() => undefined);
    const builds = await appended;
    for (const write of writes)
      this.context.metrics?.featureRowsWritten.inc(
        { feature_view: write.view.name, target: 'offline' },
        write.rows.length,
      );
    return writes.map((write, index) => ({
      feature_view: write.view.name,
      rows: write.rows.length,
      written_online: results.find((result) => result.feature_view === write.view.name)?.written_online ?? 0,
      offline_build_id: builds[index]?.build_id ?? null,
    }));
  }

  /** Feast's write-to-online-store: rows of one view straight into the online store, checked first. */
  async writeToOnlineStore(request: {
    featureViewName: string;
    df: ColumnarFrame;
    allowRegistryCache?: boolean;
  }): Promise<WriteResult> {
    const registry = await this.registryFor(request.allowRegistryCache);
    const view = registry.featureViews.find((item) => item.name === request.featureViewName);
    if (view === undefined) {
      throw new NotFoundError(
        `no feature view named ${request.featureViewName} in the registry (applied: ${registry.featureViews.map((item) => item.name).join(', ') || 'none'})`,
        { field: 'feature_view_name' },
      );
    }
    const [result] = await this.writeOnline([prepareWrite(registry, view, request.df, MAX_WRITE_ROWS)]);
    if (result === undefined) throw new Error('no write result');
    return result;
  }

  private registryFor(allowCache = true): Promise<ActiveRegistry> {
    return allowCache ? this.online.currentRegistry() : this.registry();
  }

  private async writeOnline(writes: PreparedWrite[]): Promise<WriteResult[]> {
    const results: WriteResult[] = [];
    for (const write of writes) {
      const written = await this.onlineStore.write(write.view.name, onlineRowsOf(write));
      this.context.metrics?.featureRowsWritten.inc(
        { feature_view: write.view.name, target: 'online' },
        write.rows.length,
      );
      results.push({
        feature_view: write.view.name,
        rows: write.rows.length,
        written_online: written,
        offline_build_id: null,
      });
    }
    return results;
  }

  async historical(request: HistoricalRequest): Promise<HistoricalResult> {
    return getHistoricalFeatures(this.context, await this.registry(), request);
  }

  getOnlineFeatures(request: OnlineFeaturesRequest, now?: Date): Promise<OnlineFeaturesResponse> {
    return this.online.getOnlineFeatures(request, now);
  }

  /**
   * The online features of entities of one type (`movie`, `user`): every feature of the views keyed by that
   * entity alone, or the named ones (`popularity` or `movie_catalogue:popularity`).
   */
  entityFeatures(entityType: string, ids: (number | string)[], features?: string[]) {
    return readEntityFeatures(this.online, entityType, ids, features);
  }

  /** Makes what pipeline tasks or other processes applied and materialized visible to reads now. */
  async catchUp(): Promise<void> {
    this.online.invalidate();
    await this.onlineStore.catchUp();
  }

  /** Closes the online store; safe to call again (the app's close and the runtime's both do). */
  close(): Promise<void> {
    this.closing ??= this.onlineStore.close();
    return this.closing;
  }
}

/**
 * First start: when a watch log exists but no feature view was ever built, apply the definitions in code,
 * build every view and materialize them, so the feature endpoints answer at once. Resolves with whether it
 * did anything.
 */
export async function bootstrapFeatures(store: FeatureStore, context: FeatureStoreContext): Promise<boolean> {
  if ((await latestDatasetVersion(context.db, 'watch_log')) === undefined) return false;
  const built = await context.db.selectFrom('feature_builds').select('build_id').limit(1).executeTakeFirst();
  if (built !== undefined) return false;
  const log = context.logger.child({ component: 'FEATURE_STORE' });
  const startedAt = performance.now();
  log.info(
    { action: 'BOOTSTRAP' },
    'no features built yet: applying, building and materializing them (first start only)',
  );
  const registry = await store.registry();
  if (registry.featureViews.length === 0) await store.apply(await store.definitionsInCode());
  await store.build();
  await store.materialize();
  log.info(
    { action: 'BOOTSTRAP', duration_ms: Math.round(performance.now() - startedAt) },
    'features ready: built and materialized',
  );
  return true;
}

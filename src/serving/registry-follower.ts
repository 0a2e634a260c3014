import { APPROXIMATE_FROM_ITEMS, type ServingConfig } from '../config/index.js';
import { MlopsError } from '../errors/index.js';
import { latestDatasetVersion } from '../lineage/index.js';
import type { Logger } from '../logging/index.js';
import {
  type DotProductForm,
  loadModelVersion,
  type ModelsContext,
  readDatasetPairs,
  type TrainedModel,
} from '../models/index.js';
import type { PlatformMetrics } from '../monitoring/index.js';
import type { HealthCheck } from '../platform/index.js';
import {
  getModelVersion,
  getRegisteredModel,
  listTransitions,
  type ModelVersion,
} from '../tracking/index.js';
import { type BaselineSource, popularityBaseline } from './baseline.js';
import { ServingCatalogue } from './catalogue.js';
import { allFeedback } from './feedback-log.js';
import { type CalibrationQuery, ItemIndex } from './item-index.js';
import { type ApproximateTopK, ServedModel, type Variant } from './served-model.js';
import { UserHistories } from './user-histories.js';

/** How often a first start looks for data to serve the baseline from, until the watch log's serves. */
const BASELINE_POLL_MS = 500;
/** Users whose vectors calibrate an approximate index against exact scoring. */
const CALIBRATION_USERS = 256;
const NO_HISTORY = { items: new Int32Array(0), counts: new Float32Array(0) };

/** The models being served, by A/B arm. */
export interface ServedModels {
  champion?: ServedModel;
  challenger?: ServedModel;
}

/**
 * Follows the registry: loads the `champion` (and `challenger`) versions promoted now, with the catalogue
 * and the users' histories they score against, and swaps them in atomically when a promotion changes them.
 */
export class RegistryFollower {
  private current: ServedModels = {};
  /** The popularity stand-in while no champion exists (only when asked: see `serveBaselineUntilChampion`). */
  private standIn: ServedModel | undefined;
  private baselineTimer: NodeJS.Timeout | undefined;
  /** What the stand-in ranks by: the watch log is the better source, the catalogue the earlier one. */
  private standInFrom: BaselineSource['dataset'] | undefined;
  private isBaselineWanted = false;
  private loadedCatalogue: ServingCatalogue | undefined;
  private loadedHistories: UserHistories = UserHistories.fromPairs(undefined, undefined);
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  /** Versions that failed to load, so a broken artifact is not retried every poll. */
  private readonly failed = new Set<string>();
  private problem = 'starting: no model loaded yet';
  /** Promoted versions that could not be loaded while an older one keeps serving, by variant: shown by `/ready`. */
  private readonly refused = new Map<Variant, string>();

  constructor(
    private readonly context: ModelsContext,
    private readonly config: ServingConfig,
    private readonly log: Logger,
    private readonly metrics: PlatformMetrics | undefined,
    /** Called when the served models (or the baseline) change: cached answers are stale. */
    private readonly onSwap: () => void,
  ) {}

  /** The loaded models; replaced whole on a swap, so a request keeps the one it read. */
  get models(): ServedModels {
    return this.current;
  }

  get baseline(): ServedModel | undefined {
    return this.standIn;
  }

  get catalogue(): ServingCatalogue | undefined {
    return this.loadedCatalogue;
  }

  get histories(): UserHistories {
    return this.loadedHistories;
  }

  /** Why no model is served (or the last load failure). */
  get lastProblem(): string {
    return this.problem;
  }

  /** Loads what is promoted now (in the background) and starts following the registry. */
  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.pollIntervalMs);
    this.timer.unref();
  }

  /** Until a champion is promoted, serve the watch log's popularity (see `ServingService`). */
  serveBaselineUntilChampion(): void {
    this.isBaselineWanted = true;
    // Now, and then twice a second until the watch log's baseline or a champion serves: the catalogue and
    // the watch log appear seconds apart on a first start, and each is worth answering from at once.
    void this.refresh();
    clearInterval(this.baselineTimer);
    this.baselineTimer = setInterval(() => {
      if (this.standInFrom === 'watch log' || this.current.champion !== undefined) {
        clearInterval(this.baselineTimer);
        return;
      }
      void this.refresh();
    }, BASELINE_POLL_MS);
    this.baselineTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.baselineTimer);
    this.timer = undefined;
    await this.refreshing;
  }

  /** The `model` component of `/ready`: down until a champion is loaded. */
  healthCheck(): HealthCheck {
    const follower = this;
    return {
      name: 'model',
      get backend() {
        return follower.current.champion?.algorithm ?? 'none';
      },
      get location() {
        const champion = follower.current.champion;
        return champion === undefined
          ? follower.config.modelName
          : `${champion.name} v${champion.version.version}`;
      },
      async check() {
        const { champion, challenger } = follower.current;
        if (champion === undefined) throw new Error(follower.problem);
        const refused = [...follower.refused.values()].map((problem) => `; NOT LOADED: ${problem}`).join('');
        return `champion v${champion.version.version} (${champion.algorithm})${challenger ? `, challenger v${challenger.version.version} for ${follower.config.challengerPercent}% of users` : ''}${refused}`;
      },
    };
  }

  /**
   * Checks the registry and loads any version that changed. Concurrent calls share one refresh. Resolves
   * when done; failures are logged and reported by `/ready`, never thrown.
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    try {
      const wanted = await this.promotedVersions();
      if (wanted.champion === undefined) {
        this.problem = `no model to serve: ${this.config.modelName} has no champion version yet (train one with \`mlops train\` and promote it with \`mlops models promote\`)`;
        if (this.isBaselineWanted && this.current.champion === undefined && this.standInFrom !== 'watch log')
          await this.loadBaseline();
        return;
      }
      const changed = (['champion', 'challenger'] as const).filter(
        (variant) => wanted[variant]?.version !== this.current[variant]?.version.version,
      );
      if (changed.length === 0) return;
      // The artifacts are read while the watch log and the catalogue load: neither needs the other.
      const fetched = new Map(
        changed.flatMap((variant) => {
          const version = wanted[variant];
          return version === undefined ? [] : [[variant, this.fetch(version)] as const];
        }),
      );
      await this.loadData();
      const next = { ...this.current };
      for (const variant of changed) {
        const version = wanted[variant];
        if (version === undefined) {
          delete next[variant];
          continue;
        }
        const loaded = await this.load(version, variant, fetched.get(variant));
        if (loaded !== undefined) {
          next[variant] = loaded;
          this.refused.delete(variant);
        } else {
          const problem = this.problem;
          if (variant === 'champion' && next.champion === undefined) {
            const earlier = await this.loadEarlierChampion(version.version);
            if (earlier !== undefined) next.champion = earlier;
          }
          const kept = next[variant];
          if (kept !== undefined)
            this.refused.set(
              variant,
              `${variant} v${version.version} (${problem}); still serving v${kept.version.version}`,
            );
        }
      }
      // The swap: one assignment. Requests hold their own reference to the model they started with.
      this.current = next;
      if (next.champion !== undefined) {
        this.standIn = undefined;
        this.standInFrom = undefined;
      }
      this.onSwap();
      this.metrics?.modelLoaded.reset();
      for (const variant of ['champion', 'challenger'] as const) {
        const model = next[variant];
        if (model !== undefined)
          this.metrics?.modelLoaded.set(
            { model: model.name, version: model.version.version, variant, algorithm: model.algorithm },
            1,
          );
      }
    } catch (error) {
      this.problem = `cannot read the registry: ${String(error)}`;
      this.log.warn({ action: 'REFRESH_FAILED', err: error }, this.problem);
    }
  }

  /** The watch log's popularity once one is published; until then the catalogue's, once there is one. */
  private async loadBaseline(): Promise<void> {
    let source: BaselineSource | undefined;
    let catalogue: ServingCatalogue;
    if ((await latestDatasetVersion(this.context.db, 'watch_log')) !== undefined) {
      await this.loadData();
      const dataset = this.loadedHistories.datasetVersion;
      catalogue = this.loadedCatalogue as ServingCatalogue;
      if (dataset !== undefined && this.loadedHistories.watchers.size > 0)
        source = { dataset: 'watch log', datasetVersion: dataset, scores: this.loadedHistories.watchers };
    } else {
      if (this.standInFrom === 'catalogue') return;
      catalogue = await ServingCatalogue.load(this.context.db);
      this.loadedCatalogue = catalogue; // answers describe its movies
      if (catalogue.datasetVersion !== undefined && catalogue.size > 0)
        source = {
          dataset: 'catalogue',
          datasetVersion: catalogue.datasetVersion,
          scores: catalogue.popularity,
        };
    }
    if (source === undefined) return;
    this.standIn = popularityBaseline(this.config.modelName, source, catalogue);
    this.standInFrom = source.dataset;
    this.onSwap();
    this.log.info(
      { action: 'BASELINE_SERVED', model: this.config.modelName, dataset_version: source.datasetVersion },
      `no ${this.config.modelName} champion yet: serving the popularity baseline of ${source.dataset} ${source.datasetVersion.slice(0, 12)} until one is promoted`,
    );
  }

  /**
   * After a restart nothing is loaded yet: when the champion cannot load (a damaged or tampered artifact),
   * serve the newest earlier champion that loads, from the registry's alias history, rather than nothing.
   */
  private async loadEarlierChampion(refused: string): Promise<ServedModel | undefined> {
    const history = await listTransitions(this.context.db, this.config.modelName);
    const earlier = [
      ...new Set(
        history
          .filter((change) => change.change === 'alias:champion' && change.from_value !== null)
          .map((change) => change.from_value as string),
      ),
    ].filter((version) => version !== refused);
    for (const number of earlier) {
      const version = await getModelVersion(this.context.db, this.config.modelName, number).catch(
        () => undefined,
      );
      const loaded = version === undefined ? undefined : await this.load(version, 'champion');
      if (loaded !== undefined) {
        this.log.warn(
          { action: 'MODEL_FALLBACK', model: loaded.name, version: number, refused },
          `champion v${refused} cannot be loaded: serving the earlier champion v${number} until it is fixed`,
        );
        return loaded;
      }
    }
    return undefined;
  }

  private async promotedVersions(): Promise<{ champion?: ModelVersion; challenger?: ModelVersion }> {
    const model = await getRegisteredModel(this.context.db, this.config.modelName).catch((error: unknown) => {
      if (error instanceof MlopsError && error.code === 'MLOPS_ERR_NOT_FOUND') return undefined;
      throw error;
    });
    if (model === undefined) return {};
    const aliasOf = (alias: string) => model.aliases.find((entry) => entry.alias === alias)?.version;
    // Without a champion alias, the newest Production version (for MLflow stage users).
    const championVersion =
      aliasOf('champion') ??
      model.latest_versions.find((version) => version.current_stage === 'Production')?.version;
    const challengerVersion = aliasOf('challenger');
    const get = (version: string | undefined) =>
      version === undefined ? undefined : getModelVersion(this.context.db, this.config.modelName, version);
    const [champion, challenger] = await Promise.all([get(championVersion), get(challengerVersion)]);
    return {
      ...(champion === undefined ? {} : { champion }),
      ...(challenger === undefined || challenger.version === champion?.version ? {} : { challenger }),
    };
  }

  /** The catalogue and the users' histories (the latest watch log plus stored feedback). */
  private async loadData(): Promise<void> {
    const latest = await latestDatasetVersion(this.context.db, 'watch_log');
    if (this.loadedCatalogue === undefined || latest?.version_id !== this.loadedHistories.datasetVersion) {
      const catalogue = await ServingCatalogue.load(this.context.db);
      const pairs = latest === undefined ? undefined : await readDatasetPairs(this.context, latest);
      const histories = UserHistories.fromPairs(pairs, latest?.version_id);
      for (const row of await allFeedback(this.context.db))
        histories.record(row.user_id, row.movie_id, row.interaction_type, row.rating);
      this.loadedCatalogue = catalogue;
      this.loadedHistories = histories;
    }
  }

  /** Reads a version's artifact and readies its scoring; settles to the error instead of rejecting. */
  private fetch(
    version: ModelVersion,
  ): Promise<{ trained: TrainedModel; started: number } | { error: unknown }> {
    const started = performance.now();
    if (this.failed.has(`${version.name}/${version.version}`)) return Promise.resolve({ error: undefined });
    const ready = async () => {
      const trained = await loadModelVersion(this.context, version);
      await trained.model.prepareFastScoring?.();
      return { trained, started };
    };
    return ready().catch((error: unknown) => ({ error }));
  }

  private async load(
    version: ModelVersion,
    variant: Variant,
    fetched = this.fetch(version),
  ): Promise<ServedModel | undefined> {
    const key = `${version.name}/${version.version}`;
    if (this.failed.has(key)) return undefined;
    let started = performance.now();
    try {
      const artifact = await fetched;
      if ('error' in artifact) throw artifact.error;
      const { trained } = artifact;
      started = artifact.started;
      const approximate = await this.approximateTopK(trained, version);
      const seconds = (performance.now() - started) / 1000;
      this.metrics?.modelLoadDuration.observe({ model: version.name }, seconds);
      const served = new ServedModel(
        version,
        trained,
        new Date(),
        seconds,
        this.loadedHistories.watchers,
        this.loadedCatalogue as ServingCatalogue,
        approximate,
      );
      this.log.info(
        {
          action: 'MODEL_LOADED',
          model: version.name,
          version: version.version,
          variant,
          algorithm: served.algorithm,
          load_seconds: seconds,
          item_index: approximate?.index.summary ?? null,
        },
        `serving ${version.name} version ${version.version} (${served.algorithm}) as ${variant}`,
      );
      return served;
    } catch (error) {
      this.failed.add(key);
      this.problem = `${key} could not be loaded: ${String(error)}`;
      if (error instanceof MlopsError && error.code === 'MLOPS_ERR_MODEL_ARTIFACT_TAMPERED')
        this.metrics?.modelIntegrityFailures.inc({ model: version.name, version: version.version });
      this.log.error(
        { action: 'MODEL_LOAD_FAILED', model: version.name, version: version.version, err: error },
        this.problem,
      );
      return undefined;
    }
  }

  /**
   * The approximate index a factor model is served from, built when the index mode asks for one (`auto`:
   * from APPROXIMATE_FROM_ITEMS movies); none when the model has no dot-product form or calibration could
   * not reach the recall target without scanning most of the catalogue (then exact scoring is as cheap).
   */
  private async approximateTopK(
    trained: TrainedModel,
    version: ModelVersion,
  ): Promise<ApproximateTopK | undefined> {
    const { mode, recallTarget } = this.config.index;
    const itemCount = trained.model.itemCount;
    if (mode === 'exact' || (mode === 'auto' && itemCount < APPROXIMATE_FROM_ITEMS)) return undefined;
    const form = trained.model.dotProductForm?.();
    if (form === undefined) return undefined;
    const index = await ItemIndex.build(form.itemRows, form.width, {
      recallTarget,
      sampleQueries: this.calibrationQueries(trained, form),
    });
    if (index === undefined) {
      this.log.warn(
        {
          action: 'ITEM_INDEX_SKIPPED',
          model: version.name,
          version: version.version,
          recall_target: recallTarget,
        },
        `${version.name} version ${version.version} is scored exactly: no approximate index over its ${itemCount} movies reached recall ${recallTarget} while scanning under half of them`,
      );
      return undefined;
    }
    const { lists, probes, recall_at_10, build_seconds } = index.summary;
    this.log.info(
      {
        action: 'ITEM_INDEX_BUILT',
        model: version.name,
        version: version.version,
        item_index: index.summary,
      },
      `${version.name} version ${version.version}: top-k from an index of ${lists} clusters, ${probes} scanned for a top 10 (recall ${recall_at_10.toFixed(3)} on ${index.summary.calibration_users} users), built in ${build_seconds.toFixed(1)} s`,
    );
    return { form, index };
  }

  /** Training users spread over the model's user list, each with the movies serving would not show them. */
  private calibrationQueries(trained: TrainedModel, form: DotProductForm): CalibrationQuery[] {
    const taken = Math.min(form.userCount, CALIBRATION_USERS);
    return Array.from({ length: taken }, (_, slot) => {
      const user = Math.floor((slot * form.userCount) / taken);
      const watched = this.loadedHistories.watched(trained.users.ids[user] as number);
      const excluded: number[] = [];
      for (const movie of watched.movies) {
        const item = trained.items.index(movie);
        if (item !== undefined) excluded.push(item);
      }
      return { vector: form.query(user, NO_HISTORY), excluded };
    });
  }
}

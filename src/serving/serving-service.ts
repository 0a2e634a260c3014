import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ServingConfig } from '../config/index.js';
import { MlopsError, NotFoundError, ValidationError } from '../errors/index.js';
import { type ExternalUserId, UNKNOWN_USER_KEY, UserIdentities } from '../identity/index.js';
import { latestDatasetVersion } from '../lineage/index.js';
import type { Logger } from '../logging/index.js';
import { loadModelVersion, type ModelsContext, readDatasetPairs } from '../models/index.js';
import type { PlatformMetrics } from '../monitoring/index.js';
import type { HealthCheck } from '../platform/index.js';
import {
  getModelVersion,
  getRegisteredModel,
  listTransitions,
  type ModelVersion,
} from '../tracking/index.js';
import { BASELINE, popularityBaseline } from './baseline.js';
import { type MovieDetails, ServingCatalogue } from './catalogue.js';
import { ServedModel, type Strategy, type Variant } from './served-model.js';
import { type InteractionType, isPositive, UserHistories } from './user-histories.js';

export interface RecommendRequest {
  /** The user's integer key (UNKNOWN_USER_KEY for a user never seen). */
  userId: number;
  /** The id the caller gave (echoed in the answer, and what the A/B split hashes); null: anonymous. */
  externalId?: ExternalUserId | null;
  k: number;
  excludeSeen: boolean;
  genres?: string[];
}

export interface Recommendation extends MovieDetails {
  score: number;
}

export interface ServedBy {
  name: string;
  version: string;
  /** `baseline`: no model is promoted yet and the first start's popularity stand-in answered. */
  variant: Variant | typeof BASELINE;
  algorithm: string;
}

export interface RecommendResponse {
  user_id: ExternalUserId | null;
  recommendations: Recommendation[];
  count: number;
  model: ServedBy;
  /** How the list was made: the model's user vector, ALS fold-in, history, or popularity. */
  strategy: Strategy;
  cached: boolean;
}

interface VariantStats {
  requests: number;
  users: Set<ExternalUserId>;
  feedback: Record<string, number>;
}

/** How long a retry after 503 should wait while no model is loaded. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Serves recommendations from the registry's `champion` version (and `challenger`, for a configured share
 * of users). It follows the registry: a newly promoted version is loaded in the background and swapped
 * in atomically — requests already running finish on the model they started with. Feedback goes to the
 * database and to the user's in-memory history at once, so the next answer reflects it.
 */
export class ServingService {
  private models: { champion?: ServedModel; challenger?: ServedModel } = {};
  /** The popularity stand-in while no champion exists (only when asked: see `serveBaselineUntilChampion`). */
  private baseline: ServedModel | undefined;
  private isBaselineWanted = false;
  private catalogue: ServingCatalogue | undefined;
  private histories: UserHistories = UserHistories.fromPairs(undefined, undefined);
  private readonly cache: LRUCache<string, RecommendResponse> | undefined;
  private readonly stats: Record<Variant, VariantStats> = {
    champion: emptyStats(),
    challenger: emptyStats(),
  };
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  /** Versions that failed to load, so a broken artifact is not retried every poll. */
  private readonly failed = new Set<string>();
  private lastProblem = 'starting: no model loaded yet';
  /** Promoted versions that could not be loaded while an older one keeps serving, by variant: shown by `/ready`. */
  private readonly refused = new Map<Variant, string>();
  private readonly log: Logger;

  constructor(
    private readonly context: ModelsContext,
    readonly config: ServingConfig,
    private readonly metrics?: PlatformMetrics,
    /** The identity map that turns string user ids into model keys (shared with the platform's). */
    readonly users: UserIdentities = new UserIdentities(context.db),
  ) {
    this.log = context.logger.child({ component: 'SERVING' });
    this.cache =
      config.cacheSize > 0 ? new LRUCache({ max: config.cacheSize, ttl: config.cacheTtlMs }) : undefined;
  }

  /** Loads what is promoted now (in the background) and starts following the registry. */
  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.pollIntervalMs);
    this.timer.unref();
  }

  /**
   * Until a champion is promoted, answer from the watch log's popularity rather than 503: what a fresh
   * install's first start asks for while it trains its first model in the background. `/ready` still
   * says the model is missing; the first promoted version replaces the baseline.
   */
  serveBaselineUntilChampion(): void {
    this.isBaselineWanted = true;
    // Now, not at the next poll: the first start may train for minutes before anything else refreshes.
    void this.refresh();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.refreshing;
  }

  /** The `model` component of `/ready`: down until a champion is loaded. */
  healthCheck(): HealthCheck {
    const service = this;
    return {
      name: 'model',
      get backend() {
        return service.models.champion?.algorithm ?? 'none';
      },
      get location() {
        const champion = service.models.champion;
        return champion === undefined
          ? service.config.modelName
          : `${champion.name} v${champion.version.version}`;
      },
      async check() {
        const { champion, challenger } = service.models;
        if (champion === undefined) throw new Error(service.lastProblem);
        const refused = [...service.refused.values()].map((problem) => `; NOT LOADED: ${problem}`).join('');
        return `champion v${champion.version.version} (${champion.algorithm})${challenger ? `, challenger v${challenger.version.version} for ${service.config.challengerPercent}% of users` : ''}${refused}`;
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
        this.lastProblem = `no model to serve: ${this.config.modelName} has no champion version yet (train one with \`mlops train\` and promote it with \`mlops models promote\`)`;
        if (this.isBaselineWanted && this.baseline === undefined && this.models.champion === undefined)
          await this.loadBaseline();
        return;
      }
      const changed = (['champion', 'challenger'] as const).filter(
        (variant) => wanted[variant]?.version !== this.models[variant]?.version.version,
      );
      if (changed.length === 0) return;
      await this.loadData();
      const next = { ...this.models };
      for (const variant of changed) {
        const version = wanted[variant];
        if (version === undefined) {
          delete next[variant];
          continue;
        }
        const loaded = await this.load(version, variant);
        if (loaded !== undefined) {
          next[variant] = loaded;
          this.refused.delete(variant);
        } else {
          const problem = this.lastProblem;
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
      this.models = next;
      if (next.champion !== undefined) this.baseline = undefined;
      this.cache?.clear();
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
      this.lastProblem = `cannot read the registry: ${String(error)}`;
      this.log.warn({ action: 'REFRESH_FAILED', err: error }, this.lastProblem);
    }
  }

  private async loadBaseline(): Promise<void> {
    await this.loadData();
    const dataset = this.histories.datasetVersion;
    if (dataset === undefined || this.histories.watchers.size === 0) return;
    this.baseline = popularityBaseline(
      this.config.modelName,
      dataset,
      this.histories.watchers,
      this.catalogue as ServingCatalogue,
    );
    this.cache?.clear();
    this.log.info(
      { action: 'BASELINE_SERVED', model: this.config.modelName, dataset_version: dataset },
      `no ${this.config.modelName} champion yet: serving the popularity baseline of watch log ${dataset.slice(0, 12)} until one is promoted`,
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
    if (this.catalogue === undefined || latest?.version_id !== this.histories.datasetVersion) {
      const catalogue = await ServingCatalogue.load(this.context.db);
      const pairs = latest === undefined ? undefined : await readDatasetPairs(this.context, latest);
      const histories = UserHistories.fromPairs(pairs, latest?.version_id);
      const feedback = await this.context.db
        .selectFrom('feedback')
        .select(['user_id', 'movie_id', 'interaction_type', 'rating'])
        .orderBy('created_at')
        .execute();
      for (const row of feedback)
        histories.record(row.user_id, row.movie_id, row.interaction_type as InteractionType, row.rating);
      this.catalogue = catalogue;
      this.histories = histories;
    }
  }

  private async load(version: ModelVersion, variant: Variant): Promise<ServedModel | undefined> {
    const key = `${version.name}/${version.version}`;
    if (this.failed.has(key)) return undefined;
    const started = performance.now();
    try {
      const trained = await loadModelVersion(this.context, version);
      await trained.model.prepareFastScoring?.();
      const seconds = (performance.now() - started) / 1000;
      this.metrics?.modelLoadDuration.observe({ model: version.name }, seconds);
      const served = new ServedModel(
        version,
        trained,
        new Date(),
        seconds,
        this.histories.watchers,
        this.catalogue as ServingCatalogue,
      );
      this.log.info(
        {
          action: 'MODEL_LOADED',
          model: version.name,
          version: version.version,
          variant,
          algorithm: served.algorithm,
          load_seconds: seconds,
        },
        `serving ${version.name} version ${version.version} (${served.algorithm}) as ${variant}`,
      );
      return served;
    } catch (error) {
      this.failed.add(key);
      this.lastProblem = `${key} could not be loaded: ${String(error)}`;
      if (error instanceof MlopsError && error.code === 'MLOPS_ERR_MODEL_ARTIFACT_TAMPERED')
        this.metrics?.modelIntegrityFailures.inc({ model: version.name, version: version.version });
      this.log.error(
        { action: 'MODEL_LOAD_FAILED', model: version.name, version: version.version, err: error },
        this.lastProblem,
      );
      return undefined;
    }
  }

  /** Which arm serves a user: sticky, by a hash of the id they are known by, when a challenger is loaded. */
  variantOf(user: ExternalUserId): Variant {
    if (this.models.challenger === undefined || this.config.challengerPercent === 0) return 'champion';
    return bucketOf(user) < this.config.challengerPercent ? 'challenger' : 'champion';
  }

  /**
   * The model key of a user id: numbers are their own keys, string ids are looked up (never assigned:
   * a user nobody has seen is served the cold-start list), no id at all is anonymous.
   */
  async userKey(user: ExternalUserId | null | undefined): Promise<number> {
    if (user === null || user === undefined) return UNKNOWN_USER_KEY;
    return this.users.cachedKey(user) ?? (await this.users.find(user)) ?? UNKNOWN_USER_KEY;
  }

  /** `recommend` for an external id (or none: the popular list), resolving the id first. */
  async recommendFor(
    request: Omit<RecommendRequest, 'userId' | 'externalId'> & { user: ExternalUserId | null },
  ): Promise<RecommendResponse> {
    const { user, ...rest } = request;
    const userId = await this.userKey(user);
    return this.recommend({ ...rest, userId, externalId: user });
  }

  private modelFor(
    userId: number,
    external: ExternalUserId | null = userId,
  ): { model: ServedModel; variant: ServedBy['variant'] } {
    const variant = external === null ? 'champion' : this.variantOf(external);
    const model = this.models[variant] ?? this.models.champion;
    if (model === undefined) {
      if (this.baseline !== undefined) return { model: this.baseline, variant: BASELINE };
      throw notLoaded(this.lastProblem);
    }
    return { model, variant: model === this.models.champion ? 'champion' : variant };
  }

  recommend(request: RecommendRequest): RecommendResponse {
    const external = request.externalId === undefined ? request.userId : request.externalId;
    const { model, variant } = this.modelFor(request.userId, external);
    // The baseline stands in for the champion: its traffic is the champion arm's.
    const stats = this.stats[variant === BASELINE ? 'champion' : variant];
    stats.requests++;
    if (external !== null && stats.users.size < 1_000_000) stats.users.add(external);
    const key = `${variant}:${model.version.version}:${request.userId}:${this.histories.generation(request.userId)}:${request.k}:${request.excludeSeen}:${request.genres?.join('|') ?? ''}`;
    const labels = { model: model.name, version: model.version.version, variant };
    this.metrics?.predictions.inc(labels);
    const hit = this.cache?.get(key);
    if (hit !== undefined) return { ...hit, user_id: external, cached: true };
    const started = performance.now();

    const watched = this.histories.watched(request.userId);
    const { scores, strategy } = model.score(
      request.userId,
      watched,
      this.histories.hasFreshInteractions(request.userId),
    );
    const hidden = this.histories.hiddenFrom(request.userId);
    if (hidden.size > 0) model.mask(scores, Int32Array.from(hidden));
    const ranked = model.rank(scores, request.k, request.excludeSeen ? watched.movies : [], request.genres);
    const response: RecommendResponse = {
      user_id: external,
      recommendations: ranked.map(({ movieId, score }) => ({ ...this.details(movieId), score })),
      count: ranked.length,
      model: servedBy(model, variant),
      strategy,
      cached: false,
    };
    this.cache?.set(key, response);
    this.metrics?.predictionDuration.observe(labels, (performance.now() - started) / 1000);
    return response;
  }

  /** Scores of given movies for a user; unknown movie ids are reported, the rest still scored. */
  async predict(user: ExternalUserId, movieIds: number[]) {
    const userId = await this.userKey(user);
    const { model, variant } = this.modelFor(userId, user);
    const watched = this.histories.watched(userId);
    const { scores, strategy } = model.score(userId, watched, this.histories.hasFreshInteractions(userId));
    const predictions: { movie_id: number; score: number; title: string }[] = [];
    const unknown: { movie_id: number; reason: string }[] = [];
    for (const movieId of movieIds) {
      const item = model.trained.items.index(movieId);
      if (item === undefined) {
        unknown.push({
          movie_id: movieId,
          reason:
            this.catalogue?.get(movieId) === undefined
              ? 'not in the catalogue'
              : 'not known to the served model',
        });
        continue;
      }
      predictions.push({
        movie_id: movieId,
        score: scores[item] as number,
        title: this.details(movieId).title,
      });
    }
    return { user_id: user, predictions, unknown, model: servedBy(model, variant), strategy };
  }

  similar(movieId: number, k: number) {
    const model = this.models.champion ?? this.baseline;
    if (model === undefined) throw notLoaded(this.lastProblem);
    const scores = model.similar(movieId);
    if (scores === undefined) {
      throw new NotFoundError(
        `movie ${movieId} is ${this.catalogue?.get(movieId) === undefined ? 'not in the catalogue' : 'not known to the served model (no one had watched it when it was trained)'}`,
        { field: 'body.movie_id' },
      );
    }
    const ranked = model.rank(scores, k, [movieId], undefined);
    return {
      movie_id: movieId,
      similar: ranked.map(({ movieId: id, score }) => ({ ...this.details(id), score })),
      count: ranked.length,
      model: servedBy(model, model === this.baseline ? BASELINE : 'champion'),
    };
  }

  /** Whether a movie id is in the served catalogue (true while no catalogue is loaded: nothing to check). */
  knowsMovie(movieId: number): boolean {
    return (
      this.catalogue === undefined || this.catalogue.size === 0 || this.catalogue.get(movieId) !== undefined
    );
  }

  /**
   * Stores feedback and applies it to the user's history at once (their cached answers become stale). A
   * string id seen for the first time is given its key here: the user's next list is personal, and the
   * next training run learns from them.
   */
  async feedback(input: {
    user: ExternalUserId;
    movieId: number;
    type: InteractionType;
    rating: number | null;
  }) {
    if (
      this.catalogue !== undefined &&
      this.catalogue.size > 0 &&
      this.catalogue.get(input.movieId) === undefined
    )
      throw new ValidationError(`movie ${input.movieId} is not in the catalogue`, { field: 'body.movie_id' });
    if (input.type === 'rating' && input.rating === null)
      throw new ValidationError('a rating feedback needs a rating from 0 to 10', { field: 'body.rating' });
    const userId = await this.users.assign(input.user);
    const variant = this.variantOf(input.user);
    const model = this.models[variant] ?? this.models.champion;
    const row = {
      feedback_id: `fb_${randomUUID()}`,
      user_id: userId,
      movie_id: input.movieId,
      interaction_type: input.type,
      rating: input.rating,
      variant,
      model_name: model?.name ?? this.config.modelName,
      model_version: model?.version.version ?? '',
    };
    const stored = await this.context.db
      .insertInto('feedback')
      .values(row)
      .returning('created_at')
      .executeTakeFirstOrThrow();
    this.histories.record(userId, input.movieId, input.type, input.rating);
    this.metrics?.feedback.inc({ type: input.type, variant });
    const counts = this.stats[variant].feedback;
    counts[input.type] = (counts[input.type] ?? 0) + 1;
    return {
      ...row,
      user_id: input.user,
      positive: isPositive(input.type, input.rating),
      created_at: stored.created_at,
    };
  }

  /**
   * Undoes one feedback of a user: the row leaves the feedback table (serving and the next training run
   * stop counting it at once) and is returned whole, for the caller to record the withdrawal as an event
   * (`feedback.retracted` on user-events), so the history keeps both what was said and that it was taken
   * back. The user's history is rebuilt from the feedback still standing: an undone like no longer
   * personalises, an undone dislike no longer hides the movie.
   */
  async retractFeedback(user: ExternalUserId, feedbackId: string) {
    const userId = await this.userKey(user);
    const row =
      userId === UNKNOWN_USER_KEY
        ? undefined
        : await this.context.db
            .deleteFrom('feedback')
            .where('feedback_id', '=', feedbackId)
            .where('user_id', '=', userId)
            .returningAll()
            .executeTakeFirst();
    if (row === undefined)
      throw new NotFoundError(`user ${String(user)} has no feedback ${feedbackId}`, {
        field: 'params.feedback_id',
      });
    const standing = await this.context.db
      .selectFrom('feedback')
      .select(['movie_id', 'interaction_type', 'rating'])
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    this.histories.replay(userId, standing);
    return { ...row, user_id: user, retracted_at: new Date(), status: 'retracted' as const };
  }

  /**
   * Who reacted to a movie: how many watches the watch log has of it and the latest feedback on it
   * (newest first) with each user's own id.
   */
  async movieAudience(movieId: number, limit: number) {
    const rows = await this.context.db
      .selectFrom('feedback')
      .select(['user_id', 'interaction_type', 'rating', 'created_at'])
      .where('movie_id', '=', movieId)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    const total = await this.context.db
      .selectFrom('feedback')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('movie_id', '=', movieId)
      .executeTakeFirstOrThrow();
    const external = await this.users.externalIds(rows.map((row) => row.user_id));
    return {
      movie_id: movieId,
      watches_in_log: this.histories.watchers.get(movieId) ?? 0,
      feedback_count: Number(total.n),
      feedback: rows.map((row) => ({ ...row, user_id: external.get(row.user_id) ?? row.user_id })),
    };
  }

  async feedbackHistory(user: ExternalUserId, limit: number) {
    const userId = await this.userKey(user);
    if (userId === UNKNOWN_USER_KEY) return { user_id: user, feedback_count: 0, feedback_history: [] };
    const rows = await this.context.db
      .selectFrom('feedback')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('feedback_id')
      .limit(limit)
      .execute();
    const total = await this.context.db
      .selectFrom('feedback')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return {
      user_id: user,
      feedback_count: Number(total.n),
      feedback_history: rows.map((row) => ({ ...row, user_id: user })),
    };
  }

  modelInfo() {
    const describe = (model: ServedModel | undefined) =>
      model === undefined
        ? null
        : {
            name: model.name,
            version: model.version.version,
            algorithm: model.algorithm,
            run_id: model.version.run_id,
            stage: model.version.current_stage,
            aliases: model.version.aliases,
            dataset_version: model.trained.manifest.dataset_version,
            hyperparameters: model.trained.manifest.hyperparameters,
            metrics: model.trained.manifest.metrics,
            users: model.trained.users.size,
            items: model.trained.items.size,
            loaded_at: model.loadedAt.toISOString(),
            load_seconds: model.loadSeconds,
          };
    return {
      model_name: this.config.modelName,
      champion: describe(this.models.champion),
      challenger: describe(this.models.challenger),
      challenger_percent: this.config.challengerPercent,
      status: this.models.champion === undefined ? 'not_loaded' : 'loaded',
      detail: this.models.champion === undefined ? this.lastProblem : null,
      catalogue_size: this.catalogue?.size ?? 0,
      cache:
        this.cache === undefined
          ? null
          : { size: this.cache.size, max: this.config.cacheSize, ttl_seconds: this.config.cacheTtlMs / 1000 },
    };
  }

  /** Per-variant traffic and online feedback since the process started. */
  abReport() {
    const variant = (name: Variant) => {
      const model = this.models[name];
      const stats = this.stats[name];
      const feedback = Object.values(stats.feedback).reduce((sum, count) => sum + count, 0);
      const likes = (stats.feedback.like ?? 0) + (stats.feedback.watch ?? 0) + (stats.feedback.click ?? 0);
      return {
        variant: name,
        model:
          model === undefined
            ? null
            : { name: model.name, version: model.version.version, algorithm: model.algorithm },
        requests: stats.requests,
        users: stats.users.size,
        feedback: { total: feedback, ...stats.feedback },
        feedback_rate: stats.requests === 0 ? 0 : feedback / stats.requests,
        positive_rate: feedback === 0 ? 0 : likes / feedback,
      };
    };
    return {
      enabled: this.models.challenger !== undefined && this.config.challengerPercent > 0,
      challenger_percent: this.config.challengerPercent,
      assignment: 'sticky: FNV-1a hash of user_id mod 100',
      variants: [variant('champion'), variant('challenger')],
    };
  }

  /** Whether a champion is loaded (what `/ready` reports). */
  get isReady(): boolean {
    return this.models.champion !== undefined;
  }

  private details(movieId: number): MovieDetails {
    return (
      this.catalogue?.describe(movieId) ?? {
        movie_id: movieId,
        title: `Movie ${movieId}`,
        genres: [],
        year: null,
        poster_url: null,
      }
    );
  }
}

function emptyStats(): VariantStats {
  return { requests: 0, users: new Set(), feedback: {} };
}

function servedBy(model: ServedModel, variant: ServedBy['variant']): ServedBy {
  return { name: model.name, version: model.version.version, variant, algorithm: model.algorithm };
}

/** 0–99 from the user id: FNV-1a over its characters, so the split is stable across restarts and replicas. */
export function bucketOf(user: ExternalUserId): number {
  let hash = 0x811c9dc5;
  for (const char of String(user)) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 100;
}

function notLoaded(problem: string): MlopsError {
  return new MlopsError('MLOPS_ERR_MODEL_NOT_LOADED', `no model loaded yet: ${problem}`, {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });
}

import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ServingConfig } from '../config/index.js';
import { MlopsError, NotFoundError, ValidationError } from '../errors/index.js';
import { type ExternalUserId, UNKNOWN_USER_KEY, UserIdentities } from '../identity/index.js';
import type { ModelsContext } from '../models/index.js';
import type { PlatformMetrics } from '../monitoring/index.js';
import type { HealthCheck } from '../platform/index.js';
import { AbTraffic } from './ab-traffic.js';
import { BASELINE } from './baseline.js';
import type { MovieDetails, ServingCatalogue } from './catalogue.js';
import { deleteFeedback, feedbackOfUser, feedbackOnMovie, insertFeedback } from './feedback-log.js';
import { RegistryFollower, type ServedModels } from './registry-follower.js';
import type { ServedModel, Variant } from './served-model.js';
import type { RecommendRequest, RecommendResponse, ServedBy } from './serving-types.js';
import { type InteractionType, isPositive, type UserHistories } from './user-histories.js';

/** How long a retry after 503 should wait while no model is loaded. */
const RETRY_AFTER_SECONDS = 5;
/** No hidden movies (most users): one shared empty list. */
const NONE = new Int32Array(0);

/**
 * Serves recommendations from the registry's `champion` version (and `challenger`, for a configured share
 * of users). It follows the registry: a newly promoted version is loaded in the background and swapped
 * in atomically — requests already running finish on the model they started with. Feedback goes to the
 * database and to the user's in-memory history at once, so the next answer reflects it.
 *
 * Loading and swapping is `RegistryFollower`'s, the A/B split and its counts `AbTraffic`'s, the feedback
 * table `feedback-log.ts`'s; this class answers.
 */
export class ServingService {
  private readonly follower: RegistryFollower;
  private readonly cache: LRUCache<string, RecommendResponse> | undefined;
  private readonly traffic = new AbTraffic();

  constructor(
    private readonly context: ModelsContext,
    readonly config: ServingConfig,
    private readonly metrics?: PlatformMetrics,
    /** The identity map that turns string user ids into model keys (shared with the platform's). */
    readonly users: UserIdentities = new UserIdentities(context.db),
  ) {
    const log = context.logger.child({ component: 'SERVING' });
    this.cache =
      config.cacheSize > 0 ? new LRUCache({ max: config.cacheSize, ttl: config.cacheTtlMs }) : undefined;
    this.follower = new RegistryFollower(context, config, log, metrics, () => this.cache?.clear());
  }

  private get models(): ServedModels {
    return this.follower.models;
  }

  private get histories(): UserHistories {
    return this.follower.histories;
  }

  private get catalogue(): ServingCatalogue | undefined {
    return this.follower.catalogue;
  }

  /** Loads what is promoted now (in the background) and starts following the registry. */
  start(): void {
    this.follower.start();
  }

  /**
   * Until a champion is promoted, answer from the watch log's popularity rather than 503: what a fresh
   * install's first start asks for while it trains its first model in the background. `/ready` still
   * says the model is missing; the first promoted version replaces the baseline.
   */
  serveBaselineUntilChampion(): void {
    this.follower.serveBaselineUntilChampion();
  }

  async stop(): Promise<void> {
    await this.follower.stop();
  }

  /** The `model` component of `/ready`: down until a champion is loaded. */
  healthCheck(): HealthCheck {
    return this.follower.healthCheck();
  }

  /**
   * Checks the registry and loads any version that changed. Concurrent calls share one refresh. Resolves
   * when done; failures are logged and reported by `/ready`, never thrown.
   */
  refresh(): Promise<void> {
    return this.follower.refresh();
  }

  /** Which arm serves a user: sticky, by a hash of the id they are known by, when a challenger is loaded. */
  variantOf(user: ExternalUserId): Variant {
    return AbTraffic.variantOf(user, this.models, this.config.challengerPercent);
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
      const baseline = this.follower.baseline;
      if (baseline !== undefined) return { model: baseline, variant: BASELINE };
      throw notLoaded(this.follower.lastProblem);
    }
    return { model, variant: model === this.models.champion ? 'champion' : variant };
  }

  recommend(request: RecommendRequest): RecommendResponse {
    const external = request.externalId === undefined ? request.userId : request.externalId;
    const { model, variant } = this.modelFor(request.userId, external);
    // The baseline stands in for the champion: its traffic is the champion arm's.
    this.traffic.countRequest(variant === BASELINE ? 'champion' : variant, external);
    const key = `${variant}:${model.version.version}:${request.userId}:${this.histories.generation(request.userId)}:${request.k}:${request.excludeSeen}:${request.genres?.join('|') ?? ''}`;
    const labels = { model: model.name, version: model.version.version, variant };
    this.metrics?.predictions.inc(labels);
    const hit = this.cache?.get(key);
    if (hit !== undefined) return { ...hit, user_id: external, cached: true };
    const started = performance.now();

    const watched = this.histories.watched(request.userId);
    const hidden = this.histories.hiddenFrom(request.userId);
    const { ranked, strategy } = model.recommend(
      request.userId,
      watched,
      this.histories.hasFreshInteractions(request.userId),
      {
        k: request.k,
        excluded: request.excludeSeen ? watched.movies : [],
        hidden: hidden.size > 0 ? Int32Array.from(hidden) : NONE,
        genres: request.genres,
      },
    );
    const response: RecommendResponse = {
      user_id: external,
      recommendations: ranked.map(({ movieId, score }) => this.recommendation(movieId, score)),
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
    const baseline = this.follower.baseline;
    const model = this.models.champion ?? baseline;
    if (model === undefined) throw notLoaded(this.follower.lastProblem);
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
      model: servedBy(model, model === baseline ? BASELINE : 'champion'),
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
    const stored = await insertFeedback(this.context.db, row);
    this.histories.record(userId, input.movieId, input.type, input.rating);
    this.metrics?.feedback.inc({ type: input.type, variant });
    this.traffic.countFeedback(variant, input.type);
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
    const deleted =
      userId === UNKNOWN_USER_KEY ? undefined : await deleteFeedback(this.context.db, userId, feedbackId);
    if (deleted === undefined)
      throw new NotFoundError(`user ${String(user)} has no feedback ${feedbackId}`, {
        field: 'params.feedback_id',
      });
    const { row, standing } = deleted;
    this.histories.replay(userId, standing);
    return { ...row, user_id: user, retracted_at: new Date(), status: 'retracted' as const };
  }

  /**
   * Who reacted to a movie: how many watches the watch log has of it and the latest feedback on it
   * (newest first) with each user's own id.
   */
  async movieAudience(movieId: number, limit: number) {
    const { rows, total } = await feedbackOnMovie(this.context.db, movieId, limit);
    const external = await this.users.externalIds(rows.map((row) => row.user_id));
    return {
      movie_id: movieId,
      watches_in_log: this.histories.watchers.get(movieId) ?? 0,
      feedback_count: total,
      feedback: rows.map((row) => ({ ...row, user_id: external.get(row.user_id) ?? row.user_id })),
    };
  }

  async feedbackHistory(user: ExternalUserId, limit: number) {
    const userId = await this.userKey(user);
    if (userId === UNKNOWN_USER_KEY) return { user_id: user, feedback_count: 0, feedback_history: [] };
    const { rows, total } = await feedbackOfUser(this.context.db, userId, limit);
    return {
      user_id: user,
      feedback_count: total,
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
            item_index: model.approximate?.index.summary ?? null,
          };
    return {
      model_name: this.config.modelName,
      champion: describe(this.models.champion),
      challenger: describe(this.models.challenger),
      challenger_percent: this.config.challengerPercent,
      status: this.models.champion === undefined ? 'not_loaded' : 'loaded',
      detail: this.models.champion === undefined ? this.follower.lastProblem : null,
      catalogue_size: this.catalogue?.size ?? 0,
      cache:
        this.cache === undefined
          ? null
          : { size: this.cache.size, max: this.config.cacheSize, ttl_seconds: this.config.cacheTtlMs / 1000 },
    };
  }

  /** Per-variant traffic and online feedback since the process started. */
  abReport() {
    return this.traffic.report(this.models, this.config.challengerPercent);
  }

  /** Whether a champion is loaded (what `/ready` reports). */
  get isReady(): boolean {
    return this.models.champion !== undefined;
  }

  /** A movie's details and score, built field by field: a spread per movie was 5 % of an uncached answer. */
  private recommendation(movieId: number, score: number) {
    const { movie_id, title, genres, year, poster_url } = this.details(movieId);
    return { movie_id, title, genres, year, poster_url, score };
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

function servedBy(model: ServedModel, variant: ServedBy['variant']): ServedBy {
  return { name: model.name, version: model.version.version, variant, algorithm: model.algorithm };
}

function notLoaded(problem: string): MlopsError {
  return new MlopsError('MLOPS_ERR_MODEL_NOT_LOADED', `no model loaded yet: ${problem}`, {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });
}

import { AlsModel, type DotProductForm, type TrainedModel, topK, type UserHistory } from '../models/index.js';
import type { ModelVersion } from '../tracking/index.js';
import type { ServingCatalogue } from './catalogue.js';
import type { ItemIndex } from './item-index.js';
import type { Watched } from './user-histories.js';

export type Variant = 'champion' | 'challenger';

const NO_HISTORY: UserHistory = { items: new Int32Array(0), counts: new Float32Array(0) };

/** How a user's scores were made: from their learned vector, folded in, from their history, or popular. */
export type Strategy = 'model' | 'fold-in' | 'history' | 'popular-within-taste' | 'popular';

export interface ScoredUser {
  scores: Float32Array;
  strategy: Strategy;
}

/** A factor model's dot-product form with an approximate index over its item rows. */
export interface ApproximateTopK {
  form: DotProductForm;
  index: ItemIndex;
}

export interface RankedMovie {
  movieId: number;
  score: number;
}

/** Who scores a user, and from what: the learned user (or −1) and the history to use. */
interface ScoringPlan {
  strategy: Strategy;
  user: number;
  history: UserHistory;
}

/**
 * A registered model version loaded for serving: the trained recommender plus what requests need in its
 * item space (popularity for cold starts, genres for filters and tastes).
 */
export class ServedModel {
  private readonly popularity: Float32Array;
  private readonly itemGenres: string[][];
  /** movie id → item index (−1 when unknown), as a flat array when ids are small enough: a lookup per watched movie per request. */
  private readonly itemOfMovie: Int32Array | undefined;

  constructor(
    readonly version: ModelVersion,
    readonly trained: TrainedModel,
    readonly loadedAt: Date,
    readonly loadSeconds: number,
    watchers: ReadonlyMap<number, number>,
    catalogue: ServingCatalogue,
    /** Top-k from an index instead of scoring every item (large catalogues, factor models). */
    readonly approximate?: ApproximateTopK,
  ) {
    const ids = trained.items.ids;
    this.popularity = Float32Array.from(ids, (movie) => watchers.get(movie) ?? 0);
    this.itemGenres = Array.from(ids, (movie) => catalogue.get(movie)?.genres ?? []);
    const largest = ids.reduce((max, movie) => Math.max(max, movie), -1);
    if (largest < 50_000_000) {
      this.itemOfMovie = new Int32Array(largest + 1).fill(-1);
      ids.forEach((movie, item) => {
        if (movie >= 0) (this.itemOfMovie as Int32Array)[movie] = item;
      });
    }
  }

  get name(): string {
    return this.version.name;
  }

  get algorithm(): string {
    return this.trained.manifest.algorithm;
  }

  /** The movies of `watched` this model knows, as its sorted item indices with counts. */
  history(watched: Watched): UserHistory {
    const items = new Int32Array(watched.movies.length);
    const counts = new Float32Array(watched.movies.length);
    let known = 0;
    for (let slot = 0; slot < watched.movies.length; slot++) {
      const item = this.itemOf(watched.movies[slot] as number);
      if (item < 0) continue;
      items[known] = item;
      counts[known] = watched.counts[slot] as number;
      known++;
    }
    if (known < 2) return { items: items.subarray(0, known), counts: counts.subarray(0, known) };
    // Sort by item, keeping counts aligned.
    const order = Array.from({ length: known }, (_, slot) => slot).sort(
      (a, b) => (items[a] as number) - (items[b] as number),
    );
    return {
      items: Int32Array.from(order, (slot) => items[slot] as number),
      counts: Float32Array.from(order, (slot) => counts[slot] as number),
    };
  }

  /** The model's item index of a movie, or -1. */
  itemOf(movieId: number): number {
    if (this.itemOfMovie !== undefined)
      return movieId >= 0 && movieId < this.itemOfMovie.length ? (this.itemOfMovie[movieId] as number) : -1;
    return this.trained.items.index(movieId) ?? -1;
  }

  /**
   * How a user is scored. Users the model learned are scored by it unless they have fed back since (then
   * ALS folds them in from their whole history); users it never saw get the model's answer from their
   * history where it has one, popular-within-taste otherwise, and plain popularity when there is nothing
   * to go on.
   */
  private plan(userId: number, watched: Watched, hasFreshInteractions: boolean): ScoringPlan {
    const algorithm = this.algorithm;
    if (algorithm === 'popularity') return { strategy: 'popular', user: -1, history: NO_HISTORY };
    const user = this.trained.users.index(userId) ?? -1;
    // Item-item models (item-kNN, EASE) score from the history alone, for known and new users alike.
    const isItemItem = algorithm === 'item-knn' || algorithm === 'ease';
    const learnsFromHistory = algorithm === 'als' || algorithm === 'bpr' || isItemItem;
    if (user >= 0 && !(hasFreshInteractions && learnsFromHistory))
      // Factor models score a known user from their vector alone; item-item models always need the history.
      return { strategy: 'model', user, history: isItemItem ? this.history(watched) : NO_HISTORY };
    const history = this.history(watched);
    if (history.items.length > 0 && learnsFromHistory)
      return { strategy: this.trained.model instanceof AlsModel ? 'fold-in' : 'history', user: -1, history };
    if (history.items.length > 0) return { strategy: 'popular-within-taste', user: -1, history };
    return { strategy: 'popular', user: -1, history: NO_HISTORY };
  }

  /** Scores every item for a user, as `plan` says. Never an error. */
  score(userId: number, watched: Watched, hasFreshInteractions: boolean): ScoredUser {
    const { strategy, user, history } = this.plan(userId, watched, hasFreshInteractions);
    const model = this.trained.model;
    const scores = new Float32Array(model.itemCount);
    if (strategy === 'popular-within-taste') return { scores: this.popularWithinTaste(history), strategy };
    if (strategy === 'popular' && this.algorithm !== 'popularity') scores.set(this.popularity);
    else model.scoreUser(user, history, scores);
    return { scores, strategy };
  }

  /**
   * A user's top `k` movies, skipping `excluded` and `hidden` movie ids and, with `genres`, movies of none
   * of them: from the approximate index when the model has one and the user is scored by the model (no
   * genre filter), by scoring every item otherwise.
   */
  recommend(
    userId: number,
    watched: Watched,
    hasFreshInteractions: boolean,
    request: {
      k: number;
      excluded: ArrayLike<number>;
      hidden: ArrayLike<number>;
      genres: readonly string[] | undefined;
    },
  ): { ranked: RankedMovie[]; strategy: Strategy; isApproximate: boolean } {
    const plan = this.plan(userId, watched, hasFreshInteractions);
    const byModel = plan.strategy === 'model' || plan.strategy === 'fold-in' || plan.strategy === 'history';
    if (this.approximate !== undefined && byModel && (request.genres?.length ?? 0) === 0) {
      const { form, index } = this.approximate;
      const skipped: number[] = [];
      for (const movies of [request.excluded, request.hidden])
        for (let slot = 0; slot < movies.length; slot++) {
          const item = this.itemOf(movies[slot] as number);
          if (item >= 0) skipped.push(item);
        }
      const best = index.search(form.query(plan.user, plan.history), request.k, skipped);
      if (best !== undefined) {
        const ranked = Array.from(best.indices, (item, rank) => ({
          movieId: this.trained.items.ids[item] as number,
          score: best.scores[rank] as number,
        }));
        return { ranked, strategy: plan.strategy, isApproximate: true };
      }
    }
    const { scores, strategy } = this.score(userId, watched, hasFreshInteractions);
    if (request.hidden.length > 0) this.mask(scores, request.hidden);
    return {
      ranked: this.rank(scores, request.k, request.excluded, request.genres),
      strategy,
      isApproximate: false,
    };
  }

  /** Popularity boosted by how much of the user's history shares each movie's genres. */
  private popularWithinTaste(history: UserHistory): Float32Array {
    const taste = new Map<string, number>();
    for (const item of history.items)
      for (const genre of this.itemGenres[item] ?? []) taste.set(genre, (taste.get(genre) ?? 0) + 1);
    const scores = new Float32Array(this.popularity.length);
    for (let item = 0; item < scores.length; item++) {
      let affinity = 0;
      for (const genre of this.itemGenres[item] ?? []) affinity += taste.get(genre) ?? 0;
      scores[item] = (this.popularity[item] as number) * (1 + affinity / history.items.length);
    }
    return scores;
  }

  /** The top `k` movie ids by score (which it overwrites), skipping `excluded` movie ids and, with `genres`, movies of none of them. */
  rank(
    scores: Float32Array,
    k: number,
    excluded: ArrayLike<number>,
    genres: readonly string[] | undefined,
  ): RankedMovie[] {
    // Excluded movies and, with `genres`, movies of none of them score −∞: topK skips them.
    this.mask(scores, excluded);
    if (genres !== undefined && genres.length > 0) {
      const wanted = new Set(genres.map((genre) => genre.toLowerCase()));
      this.itemGenres.forEach((movieGenres, item) => {
        if (!movieGenres.some((genre) => wanted.has(genre.toLowerCase())))
          scores[item] = Number.NEGATIVE_INFINITY;
      });
    }
    const best = topK(scores, k);
    return Array.from(best.indices, (item, rank) => ({
      movieId: this.trained.items.ids[item] as number,
      score: best.scores[rank] as number,
    }));
  }

  /** Sets the scores of these movies to −∞, so no ranking includes them. */
  mask(scores: Float32Array, movieIds: ArrayLike<number>): void {
    for (let slot = 0; slot < movieIds.length; slot++) {
      const item = this.itemOf(movieIds[slot] as number);
      if (item >= 0) scores[item] = Number.NEGATIVE_INFINITY;
    }
  }

  /** Movies like `movieId`: the model's item similarity, or shared genres by popularity when it has none. */
  similar(movieId: number): Float32Array | undefined {
    const item = this.trained.items.index(movieId);
    if (item === undefined) return undefined;
    const scores = new Float32Array(this.trained.model.itemCount);
    if (this.trained.model.similarItems !== undefined) {
      this.trained.model.similarItems(item, scores);
      return scores;
    }
    const genres = new Set(this.itemGenres[item]);
    for (let other = 0; other < scores.length; other++) {
      const shared = (this.itemGenres[other] ?? []).filter((genre) => genres.has(genre)).length;
      scores[other] =
        shared === 0 ? Number.NEGATIVE_INFINITY : shared * 1e6 + (this.popularity[other] as number);
    }
    scores[item] = Number.NEGATIVE_INFINITY;
    return scores;
  }
}

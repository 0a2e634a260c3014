import { AlsModel, type TrainedModel, topK, type UserHistory } from '../models/index.js';
import type { ModelVersion } from '../tracking/index.js';
import type { ServingCatalogue } from './catalogue.js';

export type Variant = 'champion' | 'challenger';

/** How a user's scores were made: from their learned vector, folded in, from their history, or popular. */
export type Strategy = 'model' | 'fold-in' | 'history' | 'popular-within-taste' | 'popular';

export interface ScoredUser {
  scores: Float32Array;
  strategy: Strategy;
}

/**
 * A registered model version loaded for serving: the trained recommender plus what requests need in its
 * item space (popularity for cold starts, genres for filters and tastes).
 */
export class ServedModel {
  private readonly popularity: Float32Array;
  private readonly itemGenres: string[][];

  constructor(
    readonly version: ModelVersion,
    readonly trained: TrainedModel,
    readonly loadedAt: Date,
    readonly loadSeconds: number,
    watchers: ReadonlyMap<number, number>,
    catalogue: ServingCatalogue,
  ) {
    const ids = trained.items.ids;
    this.popularity = Float32Array.from(ids, (movie) => watchers.get(movie) ?? 0);
    this.itemGenres = Array.from(ids, (movie) => catalogue.get(movie)?.genres ?? []);
  }

  get name(): string {
    return this.version.name;
  }

  get algorithm(): string {
    return this.trained.manifest.algorithm;
  }

  /** The movies of `watched` this model knows, as its sorted item indices with counts. */
  history(watched: ReadonlyMap<number, number>): UserHistory {
    const known: [number, number][] = [];
    for (const [movie, count] of watched) {
      const item = this.trained.items.index(movie);
      if (item !== undefined) known.push([item, count]);
    }
    known.sort((a, b) => a[0] - b[0]);
    return {
      items: Int32Array.from(known, (entry) => entry[0]),
      counts: Float32Array.from(known, (entry) => entry[1]),
    };
  }

  /**
   * Scores every item for a user. Users the model learned are scored by it unless they have fed back
   * since (then ALS folds them in from their whole history); users it never saw get the model's answer
   * from their history where it has one, popular-within-taste otherwise, and plain popularity when there
   * is nothing to go on. Never an error.
   */
  score(userId: number, history: UserHistory, hasFreshInteractions: boolean): ScoredUser {
    const model = this.trained.model;
    const scores = new Float32Array(model.itemCount);
    const user = this.trained.users.index(userId) ?? -1;
    const algorithm = this.algorithm;
    if (algorithm === 'popularity') {
      model.scoreUser(-1, history, scores);
      return { scores, strategy: 'popular' };
    }
    if (
      user >= 0 &&
      !(hasFreshInteractions && (algorithm === 'als' || algorithm === 'bpr' || algorithm === 'item-knn'))
    ) {
      model.scoreUser(user, history, scores);
      return { scores, strategy: 'model' };
    }
    if (
      history.items.length > 0 &&
      (algorithm === 'als' || algorithm === 'bpr' || algorithm === 'item-knn')
    ) {
      model.scoreUser(-1, history, scores);
      return { scores, strategy: model instanceof AlsModel ? 'fold-in' : 'history' };
    }
    if (history.items.length > 0)
      return { scores: this.popularWithinTaste(history), strategy: 'popular-within-taste' };
    scores.set(this.popularity);
    return { scores, strategy: 'popular' };
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

  /** The top `k` movie ids by score, skipping `excluded` movie ids and, with `genres`, movies of none of them. */
  rank(
    scores: Float32Array,
    k: number,
    excluded: Iterable<number>,
    genres: readonly string[] | undefined,
  ): { movieId: number; score: number }[] {
    const exclude = new Set<number>();
    for (const movie of excluded) {
      const item = this.trained.items.index(movie);
      if (item !== undefined) exclude.add(item);
    }
    if (genres !== undefined && genres.length > 0) {
      const wanted = new Set(genres.map((genre) => genre.toLowerCase()));
      this.itemGenres.forEach((movieGenres, item) => {
        if (!movieGenres.some((genre) => wanted.has(genre.toLowerCase()))) exclude.add(item);
      });
    }
    const best = topK(scores, k, Int32Array.from(exclude).sort());
    return Array.from(best.indices, (item, rank) => ({
      movieId: this.trained.items.ids[item] as number,
      score: best.scores[rank] as number,
    }));
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

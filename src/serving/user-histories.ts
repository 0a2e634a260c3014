import type { InteractionPairs } from '../models/index.js';

/** Feedback kinds. Positive ones count as watching the movie; negative ones hide it from the user. */
export const INTERACTION_TYPES = ['watch', 'like', 'click', 'rating', 'dislike', 'skip'] as const;
export type InteractionType = (typeof INTERACTION_TYPES)[number];

/** A rating below this (0–10 scale) is a dislike, not an interest. */
const POSITIVE_RATING = 6;

export function isPositive(type: InteractionType, rating: number | null): boolean {
  if (type === 'dislike' || type === 'skip') return false;
  if (type === 'rating') return rating === null || rating >= POSITIVE_RATING;
  return true;
}

/**
 * What each user has watched: the watch log the served model came from (compressed by user) plus the
 * feedback received since, so recommendations exclude seen movies and personalise from fresh behaviour
 * without retraining.
 */
export class UserHistories {
  private readonly rowOf = new Map<number, number>();
  private readonly fresh = new Map<number, Map<number, number>>();
  private readonly hidden = new Map<number, Set<number>>();
  private readonly generations = new Map<number, number>();

  private constructor(
    private readonly offsets: Int32Array,
    private readonly movies: Int32Array,
    private readonly counts: Float32Array,
    /** Watches per movie in the log: the popularity behind cold-start answers. */
    readonly watchers: Map<number, number>,
    readonly datasetVersion: string | undefined,
  ) {}

  /** From watch-log pairs (grouped by user, as `readInteractionPairs` returns them). */
  static fromPairs(pairs: InteractionPairs | undefined, datasetVersion: string | undefined): UserHistories {
    const length = pairs?.length ?? 0;
    const users: number[] = [];
    const offsets: number[] = [];
    const watchers = new Map<number, number>();
    for (let p = 0; p < length; p++) {
      const user = pairs?.userId[p] as number;
      if (p === 0 || user !== pairs?.userId[p - 1]) {
        users.push(user);
        offsets.push(p);
      }
      const movie = pairs?.movieId[p] as number;
      watchers.set(movie, (watchers.get(movie) ?? 0) + 1);
    }
    offsets.push(length);
    const histories = new UserHistories(
      Int32Array.from(offsets),
      pairs?.movieId ?? new Int32Array(0),
      pairs?.count ?? new Float32Array(0),
      watchers,
      datasetVersion,
    );
    users.forEach((user, row) => {
      histories.rowOf.set(user, row);
    });
    return histories;
  }

  /** Applies one feedback event: a positive one adds to the user's history, a negative one hides the movie. */
  record(userId: number, movieId: number, type: InteractionType, rating: number | null): void {
    if (isPositive(type, rating)) {
      const movies = this.fresh.get(userId) ?? new Map<number, number>();
      movies.set(movieId, (movies.get(movieId) ?? 0) + 1);
      this.fresh.set(userId, movies);
      this.hidden.get(userId)?.delete(movieId);
    } else {
      const hidden = this.hidden.get(userId) ?? new Set<number>();
      hidden.add(movieId);
      this.hidden.set(userId, hidden);
    }
    this.generations.set(userId, (this.generations.get(userId) ?? 0) + 1);
  }

  /**
   * Forgets a user's feedback and applies `standing` (their feedback still in force, oldest first) again:
   * how an undone like or dislike leaves their history and hidden movies.
   */
  replay(
    userId: number,
    standing: readonly { movie_id: number; interaction_type: string; rating: number | null }[],
  ): void {
    this.fresh.delete(userId);
    this.hidden.delete(userId);
    for (const row of standing)
      this.record(userId, row.movie_id, row.interaction_type as InteractionType, row.rating);
    this.generations.set(userId, (this.generations.get(userId) ?? 0) + 1);
  }

  /** Whether the user has positive feedback the served model has not learned from. */
  hasFreshInteractions(userId: number): boolean {
    return (this.fresh.get(userId)?.size ?? 0) > 0;
  }

  isKnown(userId: number): boolean {
    return this.rowOf.has(userId) || this.fresh.has(userId);
  }

  /** Movies the user watched (the log's, then fresh feedback's) with how often; a movie may appear twice. */
  watched(userId: number): Watched {
    const row = this.rowOf.get(userId);
    const movies =
      row === undefined ? EMPTY_IDS : this.movies.subarray(this.offsets[row], this.offsets[row + 1]);
    const counts =
      row === undefined ? EMPTY_COUNTS : this.counts.subarray(this.offsets[row], this.offsets[row + 1]);
    const fresh = this.fresh.get(userId);
    if (fresh === undefined) return { movies, counts };
    return {
      movies: Int32Array.from([...movies, ...fresh.keys()]),
      counts: Float32Array.from([...counts, ...fresh.values()]),
    };
  }

  /** Movies the user disliked or skipped: never recommended to them again. */
  hiddenFrom(userId: number): ReadonlySet<number> {
    return this.hidden.get(userId) ?? EMPTY;
  }

  /** Changes whenever the user's feedback does: part of cache keys, so new feedback misses the cache. */
  generation(userId: number): number {
    return this.generations.get(userId) ?? 0;
  }
}

const EMPTY: ReadonlySet<number> = new Set();
const EMPTY_IDS = new Int32Array(0);
const EMPTY_COUNTS = new Float32Array(0);

/** A user's watched movie ids with watch counts, index-aligned. */
export interface Watched {
  movies: Int32Array;
  counts: Float32Array;
}

import { isEventOf, type PublishedEvent } from '../events/index.js';
import { type FeatureStore, GENRE_ORDER } from '../features/index.js';
import type { UserIdentities } from '../identity/index.js';
import type { InteractionType, ServingService } from '../serving/index.js';

/** How the reference system's interaction kinds count as feedback; search and filter name no movie taste. */
const AS_FEEDBACK: Record<string, InteractionType | undefined> = {
  watch: 'watch',
  like: 'like',
  click: 'click',
  rating: 'rating',
  dislike: 'dislike',
  skip: 'skip',
  view: 'watch',
  share: 'like',
  watchlist_add: 'like',
  watchlist_remove: 'skip',
};
const WATCHES = new Set(['watch', 'like', 'click', 'rating']);
const ACTIVITY = [
  'watch_count_7d',
  'watch_count_30d',
  'watch_count_total',
  'avg_rating',
  'last_watched_at',
  'genre_preference',
];

export interface PersonalizeOptions {
  users: UserIdentities;
  serving?: ServingService | undefined;
  features?: FeatureStore | undefined;
  onAction?: (outcome: string) => void;
  /** Counts interactions about movies the catalogue does not hold. */
  onUnknownMovie?: () => void;
}

/**
 * User interaction → real-time personalisation: the interaction is stored as feedback and applied to the
 * user's history at once (their next recommendations reflect it), and a watch moves the user's online
 * `user_activity` row forward: counts, last watch and genre mix. The average rating catches up at the next
 * materialization (the online row does not keep how many ratings it averages). An interaction with a movie
 * the catalogue does not hold (yet) stays stored on the topic but is not applied (outcome `unknown_movie`).
 */
export function personalize(options: PersonalizeOptions) {
  return async (event: PublishedEvent): Promise<void> => {
    if (!isEventOf(event, 'user-events', 'user.interaction')) return;
    const data = event.data;
    const type = AS_FEEDBACK[data.interaction_type];
    if (type === undefined) {
      options.onAction?.('suppressed');
      return;
    }
    if (options.serving !== undefined && !options.serving.knowsMovie(data.movie_id)) {
      options.onAction?.('unknown_movie');
      options.onUnknownMovie?.();
      return;
    }
    const rating = data.rating ?? null;
    if (options.serving !== undefined)
      await options.serving.feedback({ user: data.user_id, movieId: data.movie_id, type, rating });
    if (options.features !== undefined && WATCHES.has(type) && (type !== 'rating' || (rating ?? 0) >= 6)) {
      const userKey = await options.users.assign(data.user_id);
      await updateUserActivity(options.features, userKey, data.movie_id, Date.parse(event.time));
    }
    options.onAction?.('applied');
  };
}

async function updateUserActivity(
  store: FeatureStore,
  userId: number,
  movieId: number,
  at: number,
): Promise<void> {
  const online = store.onlineStore;
  const [current] = await online.read('user_activity', [String(userId)], ACTIVITY);
  const [movie] = await online.read('movie_catalogue', [String(movieId)], ['genres']);
  const values = current?.values ?? [0, 0, 0, null, null, GENRE_ORDER.map(() => 0)];
  const [week, month, total, avgRating, , preference] = values as [
    number | null,
    number | null,
    number | null,
    number | null,
    string | null,
    number[] | null,
  ];
  const genres = new Set((movie?.values[0] as string[] | null | undefined) ?? []);
  const before = Number(total ?? 0);
  const shares = (preference ?? GENRE_ORDER.map(() => 0)).map(
    (share, index) => (share * before + (genres.has(GENRE_ORDER[index] ?? '') ? 1 : 0)) / (before + 1),
  );
  await online.write('user_activity', [
    {
      entityKey: String(userId),
      eventTimestamp: Math.max(at, current?.eventTimestamp ?? 0),
      values: {
        watch_count_7d: Number(week ?? 0) + 1,
        watch_count_30d: Number(month ?? 0) + 1,
        watch_count_total: before + 1,
        avg_rating: avgRating,
        last_watched_at: new Date(at).toISOString(),
        genre_preference: shares,
      },
    },
  ]);
}

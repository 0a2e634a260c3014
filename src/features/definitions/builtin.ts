import { GENRES } from '../../data/index.js';
import {
  defineFeatures,
  entity,
  type FeatureDefinitions,
  featureService,
  featureView,
  onDemandFeatureView,
} from './types.js';

const DAY_SECONDS = 86_400;

/** The genre order of `user_activity:genre_preference`: TMDB's genres. */
export const GENRE_ORDER: readonly string[] = GENRES.map((genre) => genre.name);

const movie = entity({
  name: 'movie',
  joinKey: 'movie_id',
  description: 'A movie of the catalogue (TMDB id for crawled data)',
});
const user = entity({ name: 'user', joinKey: 'user_id', description: 'A viewer in the watch log' });

// Activity views emit one row per entity and active day, stamped at the end of that day: a row only holds
// what was known when the day was over, so a training example taken during the day cannot see it.
const sqlString = (value: string) => `'${value.replaceAll("'", "''")}'`;

const movieCatalogue = featureView({
  name: 'movie_catalogue',
  pushSource: 'movie_catalogue_push',
  entities: ['movie'],
  description:
    'Catalogue facts of each movie (TMDB gives no history: the current values, valid from the release date)',
  ttlSeconds: 0,
  tags: { team: 'recommendation', source: 'catalogue' },
  schema: [
    { name: 'popularity', dtype: 'float64', description: 'TMDB popularity score' },
    { name: 'vote_average', dtype: 'float64', description: 'average TMDB vote, 0-10' },
    { name: 'vote_count', dtype: 'int64' },
    { name: 'genres', dtype: 'string[]' },
    { name: 'release_year', dtype: 'int64' },
  ],
  source: {
    inputs: ['movies'],
    timestampField: 'event_timestamp',
    query: `select movie_id::bigint as movie_id,
      coalesce(release_date::timestamp, timestamp '1970-01-01') as event_timestamp,
      popularity::double as popularity, vote_average::double as vote_average, vote_count::bigint as vote_count,
      genres, year(release_date)::bigint as release_year
    from movies`,
  },
});

const movieActivity = featureView({
  name: 'movie_activity',
  pushSource: 'movie_activity_push',
  entities: ['movie'],
  description:
    'How much each movie is watched: counts over 7 and 30 days and the average share of the movie watched, as of the end of each day it was watched',
  ttlSeconds: 30 * DAY_SECONDS,
  tags: { team: 'recommendation', source: 'watch_log' },
  schema: [
    { name: 'watch_count_7d', dtype: 'int64' },
    { name: 'watch_count_30d', dtype: 'int64' },
    {
      name: 'avg_watch_ratio_30d',
      dtype: 'float64',
      description: 'watch seconds over the longest watch of the movie seen so far (the runtime is unknown)',
    },
    { name: 'avg_rating_30d', dtype: 'float64', description: 'null when nobody rated it in 30 days' },
  ],
  source: {
    inputs: ['watch_log'],
    timestampField: 'event_timestamp',
    partitionBy: { input: 'watch_log', column: 'content_id' },
    query: `with watches as (
        select content_id as movie_id, "timestamp" as ts, rating,
          watch_seconds / nullif(max(watch_seconds) over (partition by content_id order by "timestamp"
            rows between unbounded preceding and current row), 0) as watch_ratio
        from watch_log
      ), daily as (
        select movie_id, date_trunc('day', ts) as day, count(*) as n,
          sum(watch_ratio) as ratio_sum, count(watch_ratio) as ratio_n,
          sum(rating) as rating_sum, count(rating) as rating_n
        from watches group by all
      )
      select movie_id::bigint as movie_id, day + interval 1 day as event_timestamp,
        (sum(n) over w7)::bigint as watch_count_7d,
        (sum(n) over w30)::bigint as watch_count_30d,
        sum(ratio_sum) over w30 / nullif(sum(ratio_n) over w30, 0) as avg_watch_ratio_30d,
        sum(rating_sum) over w30 / nullif(sum(rating_n) over w30, 0) as avg_rating_30d
      from daily
      window w7 as (partition by movie_id order by day range between interval 6 days preceding and current row),
        w30 as (partition by movie_id order by day range between interval 29 days preceding and current row)`,
  },
});

const genreCounts = GENRE_ORDER.map(
  (genre, index) => `count(*) filter (where list_contains(genres, ${sqlString(genre)})) as g${index}`,
).join(',\n          ');
const genreRunningSums = GENRE_ORDER.map((_, index) => `sum(g${index}) over everything as g${index}`).join(
  ',\n          ',
);
const genreTotal = GENRE_ORDER.map((_, index) => `g${index}`).join(' + ');
const genreShares = GENRE_ORDER.map((_, index) => `coalesce(g${index} / nullif(genre_total, 0), 0)`).join(
  ', ',
);

const userActivity = featureView({
  name: 'user_activity',
  pushSource: 'user_activity_push',
  entities: ['user'],
  description:
    "What each user watches: counts over 7 days, 30 days and all time, average rating, last watch and the share of each genre in the user's history, as of the end of each day the user was active",
  ttlSeconds: 90 * DAY_SECONDS,
  tags: { team: 'recommendation', source: 'watch_log' },
  schema: [
    { name: 'watch_count_7d', dtype: 'int64' },
    { name: 'watch_count_30d', dtype: 'int64' },
    { name: 'watch_count_total', dtype: 'int64' },
    { name: 'avg_rating', dtype: 'float64', description: 'null when the user never rated' },
    { name: 'last_watched_at', dtype: 'timestamp' },
    {
      name: 'genre_preference',
      dtype: 'float64[]',
      description: `share of each genre among the user's watches, in this order: ${GENRE_ORDER.join(', ')}`,
    },
  ],
  source: {
    inputs: ['watch_log', 'movies'],
    timestampField: 'event_timestamp',
    partitionBy: { input: 'watch_log', column: 'user_id' },
    query: `with watches as (
        select w.user_id, w."timestamp" as ts, w.rating, coalesce(m.genres, []::varchar[]) as genres
        from watch_log w left join movies m on m.movie_id = w.content_id
      ), daily as (
        select user_id, date_trunc('day', ts) as day, count(*) as n, max(ts) as last_ts,
          sum(rating) as rating_sum, count(rating) as rating_n,
          ${genreCounts}
        from watches group by all
      ), running as (
        select user_id, day,
          sum(n) over w7 as count_7d, sum(n) over w30 as count_30d, sum(n) over everything as count_total,
          sum(rating_sum) over everything as rating_sum, sum(rating_n) over everything as rating_n,
          max(last_ts) over everything as last_watched_at,
          sum(${genreTotal}) over everything as genre_total,
          ${genreRunningSums}
        from daily
        window w7 as (partition by user_id order by day range between interval 6 days preceding and current row),
          w30 as (partition by user_id order by day range between interval 29 days preceding and current row),
          everything as (partition by user_id order by day rows between unbounded preceding and current row)
      )
      select user_id::bigint as user_id, day + interval 1 day as event_timestamp,
        count_7d::bigint as watch_count_7d, count_30d::bigint as watch_count_30d,
        count_total::bigint as watch_count_total, rating_sum / nullif(rating_n, 0) as avg_rating,
        last_watched_at, [${genreShares}] as genre_preference
      from running`,
  },
});

const userRecommendations = featureView({
  name: 'user_recommendations',
  pushSource: 'user_recommendations_push',
  entities: ['user'],
  description:
    "The champion's top movies for each recently active user, scored ahead of time by movie_batch_prediction",
  ttlSeconds: 2 * DAY_SECONDS,
  tags: { team: 'recommendation', source: 'batch_recommendations' },
  schema: [
    { name: 'movie_ids', dtype: 'int64[]', description: 'best first' },
    { name: 'model_version', dtype: 'string', description: 'name/version of the model that scored them' },
  ],
  source: {
    inputs: ['batch_recommendations'],
    timestampField: 'event_timestamp',
    query:
      'select user_id, scored_at as event_timestamp, movie_ids, model_version from batch_recommendations',
  },
});

const userMovieAffinity = onDemandFeatureView({
  name: 'user_movie_affinity',
  description: "How much of the user's history is in the movie's genres (0-1), computed per request",
  sources: ['user_activity:genre_preference', 'movie_catalogue:genres'],
  schema: [{ name: 'genre_affinity', dtype: 'float64' }],
  transform: ({ inputs }) => {
    const preference = inputs.user_activity?.genre_preference;
    const genres = inputs.movie_catalogue?.genres;
    if (!Array.isArray(preference) || !Array.isArray(genres)) return { genre_affinity: null };
    let affinity = 0;
    for (const genre of genres) {
      const share = preference[GENRE_ORDER.indexOf(String(genre))];
      if (typeof share === 'number') affinity += share;
    }
    return { genre_affinity: Math.min(1, affinity) };
  },
});

const userRecency = onDemandFeatureView({
  name: 'user_recency',
  description: "Days since the user's last watch, as of the request",
  sources: ['user_activity:last_watched_at'],
  schema: [{ name: 'days_since_last_watch', dtype: 'float64' }],
  transform: ({ inputs, now }) => {
    const last = inputs.user_activity?.last_watched_at;
    if (typeof last !== 'string') return { days_since_last_watch: null };
    return { days_since_last_watch: Math.max(0, (now.getTime() - Date.parse(last)) / (DAY_SECONDS * 1000)) };
  },
});

const recommender = featureService({
  name: 'recommender_v1',
  description: 'What a content-aware recommender reads for one (user, movie) pair',
  tags: { owner: 'recommendation' },
  features: [
    'movie_catalogue',
    'movie_activity:watch_count_7d',
    'movie_activity:avg_watch_ratio_30d',
    'user_activity:watch_count_30d',
    'user_activity:avg_rating',
    'user_movie_affinity:genre_affinity',
    'user_recency:days_since_last_watch',
  ],
});

const movieProfile = featureService({
  name: 'movie_profile',
  description: 'Everything known about a movie (the movie page and GET /api/v1/features/movie/{id})',
  features: ['movie_catalogue', 'movie_activity'],
});

/** The features every installation has, built from the watch log and the catalogue. */
export const BUILTIN_FEATURES: FeatureDefinitions = defineFeatures({
  entities: [movie, user],
  featureViews: [movieCatalogue, movieActivity, userActivity, userRecommendations],
  onDemandFeatureViews: [userMovieAffinity, userRecency],
  featureServices: [recommender, movieProfile],
});

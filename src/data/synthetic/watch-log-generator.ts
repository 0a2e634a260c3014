import type { InteractionColumns } from '../records.js';
import { clamp, GENRES, type SyntheticMovie } from './catalogue-generator.js';
import { SeededRandom, WeightedSampler } from './random.js';

export interface DriftOptions {
  /** From this moment (ms since epoch) on, behaviour shifts. */
  at: number;
  /** 0–1: how far every user's genre tastes move towards another genre mix. */
  tasteShift: number;
  /** 0–1: the share of the catalogue whose popularity is reshuffled (new hits, old ones fade). */
  popularityShift: number;
}

export interface WatchLogOptions {
  users: number;
  interactions: number;
  seed: number;
  /** Time window of the log, ms since epoch. */
  start: number;
  end: number;
  drift?: DriftOptions;
  /** Called every ~100k rows with the rows made so far. */
  onProgress?: (done: number) => void;
}

const TASTE_CONCENTRATION = 0.25; // Dirichlet α: small, so most users love a few genres
const EXPLORATION = 0.1; // share of watches picked by popularity alone, ignoring taste
// Within a genre, choice follows popularity dampened by this power: hits still lead, niches get found.
const GENRE_POPULARITY_POWER = 0.65;
// Users fall into taste communities that share liking for particular movies (beyond genre): the
// item-level signal collaborative filtering learns and genre rules cannot.
const COMMUNITIES = 12;
const COMMUNITY_BOOST = 1.6;

/**
 * Simulates users watching movies. Each user has latent genre tastes (sparse Dirichlet), an activity
 * level (log-normal) and a taste community. A watch picks a genre from the user's taste (or, sometimes,
 * a popular movie at random), then a movie of that genre by popularity and the community's liking; rating and watch time follow from how well the
 * movie fits the taste and from its quality. So recommenders have real signal to learn, and the result
 * is the same for the same seed. Rows come out in time order.
 */
export function generateWatchLog(
  movies: readonly SyntheticMovie[],
  options: WatchLogOptions,
): InteractionColumns {
  const random = new SeededRandom(options.seed ^ 0x5bd1e995);
  const genreCount = GENRES.length;
  const tastes = Array.from({ length: options.users }, () => sampleTaste(random, genreCount));
  const activity = Float64Array.from({ length: options.users }, () => Math.exp(1.1 * random.normal()));
  const userSampler = new WeightedSampler(activity);
  const community = Int32Array.from({ length: options.users }, () => random.int(0, COMMUNITIES - 1));
  const boosts = Array.from({ length: COMMUNITIES }, () =>
    Float64Array.from(movies, () => Math.exp(COMMUNITY_BOOST * random.normal())),
  );

  const before = buildMovieSamplers(movies, (movie) => movie.popularity, boosts);
  let after = before;
  let shiftedTastes = tastes;
  if (options.drift !== undefined) {
    const drift = options.drift;
    const newPopularity = reshufflePopularity(movies, drift.popularityShift, random);
    after = buildMovieSamplers(
      movies,
      (movie) => newPopularity[movie.movie_id - 1] ?? movie.popularity,
      boosts,
    );
    const genreRotation = random.shuffle(Array.from({ length: genreCount }, (_, index) => index));
    shiftedTastes = tastes.map((taste) =>
      taste.map(
        (weight, genre) =>
          (1 - drift.tasteShift) * weight + drift.tasteShift * (taste[genreRotation[genre] ?? genre] ?? 0),
      ),
    );
  }

  const times = Float64Array.from(
    { length: options.interactions },
    () => options.start + random.next() * (options.end - options.start),
  );
  times.sort();
  const log: InteractionColumns = {
    length: options.interactions,
    user_id: new Int32Array(options.interactions),
    content_id: new Int32Array(options.interactions),
    watch_seconds: new Float64Array(options.interactions),
    rating: new Float64Array(options.interactions),
    popularity: new Float64Array(options.interactions),
    timestamp: times,
  };
  const seen = new Map<number, Set<number>>();

  for (let row = 0; row < options.interactions; row++) {
    const isDrifted = options.drift !== undefined && (times[row] ?? 0) >= options.drift.at;
    const samplers = isDrifted ? after : before;
    const user = userSampler.sample(random);
    const taste = (isDrifted ? shiftedTastes : tastes)[user] as number[];
    const userSeen = seen.get(user) ?? new Set<number>();
    seen.set(user, userSeen);

    let movieIndex = 0;
    for (let attempt = 0; attempt < 4; attempt++) {
      movieIndex =
        random.next() < EXPLORATION
          ? samplers.overall.sample(random)
          : pickByTaste(samplers.byCommunity[community[user] ?? 0] ?? [], samplers, taste, random);
      if (!userSeen.has(movieIndex)) break; // rewatches happen, but rarely
    }
    userSeen.add(movieIndex);
    const movie = movies[movieIndex] as SyntheticMovie;

    const fit = affinity(taste, movie.genreIndices) * genreCount; // 1 ≈ an average fit
    const score = 0.9 * Math.log(fit + 0.05) + 0.7 * movie.quality + 0.6 * random.normal();
    const completion = clamp(1 / (1 + Math.exp(-(score + 0.8))), 0.03, 1);
    log.user_id[row] = user + 1;
    log.content_id[row] = movie.movie_id;
    log.watch_seconds[row] = Math.round(movie.runtimeSeconds * completion);
    log.rating[row] = clamp(Math.round(6.5 + 1.6 * score), 1, 10);
    log.popularity[row] = isDrifted
      ? (samplers.popularity[movieIndex] ?? movie.popularity)
      : movie.popularity;
    if (options.onProgress !== undefined && row % 100_000 === 99_999) options.onProgress(row + 1);
  }
  options.onProgress?.(options.interactions);
  return log;
}

type GenreSamplers = { sampler: WeightedSampler; movieIndices: number[] }[];

interface MovieSamplers {
  overall: WeightedSampler;
  /** Per community, per genre: movies of the genre weighted by popularity and the community's liking. */
  byCommunity: GenreSamplers[];
  popularity: Float64Array;
}

function buildMovieSamplers(
  movies: readonly SyntheticMovie[],
  popularityOf: (movie: SyntheticMovie) => number,
  boosts: readonly Float64Array[],
): MovieSamplers {
  const popularity = Float64Array.from(movies, popularityOf);
  const genreMembers = GENRES.map((_, genre) =>
    movies.flatMap((movie, index) => (movie.genreIndices.includes(genre) ? [index] : [])),
  );
  const byCommunity = boosts.map((boost) =>
    genreMembers.map((movieIndices) => {
      const weights = movieIndices.map(
        (index) => (popularity[index] ?? 0) ** GENRE_POPULARITY_POWER * (boost[index] ?? 1),
      );
      return { sampler: new WeightedSampler(weights.length > 0 ? weights : [1]), movieIndices };
    }),
  );
  return { overall: new WeightedSampler(popularity), byCommunity, popularity };
}

function pickByTaste(
  byGenre: GenreSamplers,
  samplers: MovieSamplers,
  taste: readonly number[],
  random: SeededRandom,
): number {
  let target = random.next();
  let genre = 0;
  for (; genre < taste.length - 1; genre++) {
    target -= taste[genre] ?? 0;
    if (target < 0) break;
  }
  const bucket = byGenre[genre];
  if (bucket === undefined || bucket.movieIndices.length === 0) return samplers.overall.sample(random);
  return bucket.movieIndices[bucket.sampler.sample(random)] ?? 0;
}

function sampleTaste(random: SeededRandom, genreCount: number): number[] {
  const raw = Array.from(
    { length: genreCount },
    () => random.gamma(TASTE_CONCENTRATION) * (GENRES[0] ? 1 : 0),
  );
  const weighted = raw.map((value, genre) => value * Math.sqrt(GENRES[genre]?.weight ?? 1));
  const total = weighted.reduce((sum, value) => sum + value, 0) || 1;
  return weighted.map((value) => value / total);
}

function affinity(taste: readonly number[], genreIndices: readonly number[]): number {
  let sum = 0;
  for (const genre of genreIndices) sum += taste[genre] ?? 0;
  return sum / genreIndices.length;
}

function reshufflePopularity(
  movies: readonly SyntheticMovie[],
  share: number,
  random: SeededRandom,
): Float64Array {
  const popularity = Float64Array.from(movies, (movie) => movie.popularity);
  const chosen = random
    .shuffle(Array.from({ length: movies.length }, (_, index) => index))
    .slice(0, Math.round(share * movies.length));
  const shuffled = random.shuffle(chosen);
  chosen.forEach((index, position) => {
    popularity[index] = movies[shuffled[position] ?? index]?.popularity ?? popularity[index] ?? 0;
  });
  return popularity;
}

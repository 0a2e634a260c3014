import type { MovieRecord } from '../records.js';
import { SeededRandom, WeightedSampler } from './random.js';

/** TMDB's movie genres, with how common each is in TMDB's catalogue (relative weights). */
export const GENRES: readonly { id: number; name: string; weight: number }[] = [
  { id: 28, name: 'Action', weight: 14 },
  { id: 12, name: 'Adventure', weight: 8 },
  { id: 16, name: 'Animation', weight: 6 },
  { id: 35, name: 'Comedy', weight: 18 },
  { id: 80, name: 'Crime', weight: 8 },
  { id: 99, name: 'Documentary', weight: 5 },
  { id: 18, name: 'Drama', weight: 24 },
  { id: 10751, name: 'Family', weight: 6 },
  { id: 14, name: 'Fantasy', weight: 6 },
  { id: 36, name: 'History', weight: 3 },
  { id: 27, name: 'Horror', weight: 9 },
  { id: 10402, name: 'Music', weight: 3 },
  { id: 9648, name: 'Mystery', weight: 5 },
  { id: 10749, name: 'Romance', weight: 10 },
  { id: 878, name: 'Science Fiction', weight: 7 },
  { id: 10770, name: 'TV Movie', weight: 2 },
  { id: 53, name: 'Thriller', weight: 12 },
  { id: 10752, name: 'War', weight: 2 },
  { id: 37, name: 'Western', weight: 2 },
];

const ADJECTIVES = [
  'Silent',
  'Last',
  'Hidden',
  'Broken',
  'Golden',
  'Midnight',
  'Crimson',
  'Lost',
  'Distant',
  'Burning',
  'Frozen',
  'Secret',
  'Wild',
  'Endless',
  'Quiet',
  'Electric',
  'Hollow',
  'Bright',
  'Savage',
  'Gentle',
  'Velvet',
  'Iron',
  'Paper',
  'Northern',
  'Restless',
  'Borrowed',
  'Fading',
  'Glass',
  'Scarlet',
  'Lonely',
  'Radiant',
  'Forgotten',
  'Little',
  'Second',
  'Wandering',
  'Shining',
  'Stolen',
  'Sleeping',
  'Blue',
  "Last Summer's",
];
const NOUNS = [
  'River',
  'Kingdom',
  'Promise',
  'Signal',
  'Garden',
  'Empire',
  'Shadow',
  'Harbor',
  'Letter',
  'Voyage',
  'Machine',
  'Summer',
  'Witness',
  'Frontier',
  'Orchard',
  'Station',
  'Mirror',
  'Storm',
  'Horizon',
  'Ballad',
  'Lantern',
  'Island',
  'Circus',
  'Heist',
  'Winter',
  'Detective',
  'Choir',
  'Bridge',
  'Comet',
  'Inheritance',
  'Tide',
  'Orbit',
  'Melody',
  'Alibi',
  'Carnival',
  'Lighthouse',
  'Dynasty',
  'Frequency',
  'Mountain',
  'Secretary',
];
const PLACES = [
  'Seoul',
  'Busan',
  'Paris',
  'Lagos',
  'Lima',
  'Oslo',
  'Kyoto',
  'Cairo',
  'Dublin',
  'Havana',
  'Jeju',
  'Nairobi',
  'Lisbon',
  'Hanoi',
  'Tbilisi',
  'Quebec',
  'Marrakesh',
  'Incheon',
  'Reykjavik',
  'Naples',
  'Gwangju',
  'Osaka',
  'Santiago',
  'Prague',
];

/** A movie plus the hidden traits the watch-log simulation needs. */
export interface SyntheticMovie extends MovieRecord {
  /** Indices into GENRES. */
  genreIndices: number[];
  /** Latent quality, standard normal: better movies get better ratings and longer watches. */
  quality: number;
  /** Runtime in seconds. */
  runtimeSeconds: number;
}

export interface CatalogueOptions {
  movies: number;
  seed: number;
  /** Latest release date, `YYYY-MM-DD`. */
  endDate: string;
}

/**
 * A catalogue with TMDB's genre mix, a latent quality per movie, and a long-tailed popularity
 * (a Zipf-like law over a random ranking, nudged by quality), so a few movies are watched by many.
 */
export function generateCatalogue(options: CatalogueOptions): SyntheticMovie[] {
  const random = new SeededRandom(options.seed);
  const genreSampler = new WeightedSampler(GENRES.map((genre) => genre.weight));
  const endYear = Number(options.endDate.slice(0, 4));
  const popularityRank = random.shuffle(Array.from({ length: options.movies }, (_, index) => index + 1));
  const usedTitles = new Set<string>();
  const movies: SyntheticMovie[] = [];

  for (let index = 0; index < options.movies; index++) {
    const genreCount = 1 + (random.next() < 0.55 ? 1 : 0) + (random.next() < 0.25 ? 1 : 0);
    const genreIndices = new Set<number>();
    while (genreIndices.size < genreCount) genreIndices.add(genreSampler.sample(random));
    const quality = random.normal();
    const rank = popularityRank[index] ?? index + 1;
    const popularity = round(
      Math.max(0.6, 900 * rank ** -0.85 * Math.exp(0.35 * quality + 0.25 * random.normal())),
      3,
    );
    const voteCount = Math.max(0, Math.round(popularity * (40 + 30 * random.next()) + random.normal() * 5));
    // Recent years hold more releases, as in TMDB.
    const year = Math.round(endYear - 55 * random.next() ** 2.2);
    const month = random.int(1, 12);
    const day = random.int(1, 28);
    const genres = [...genreIndices].map((genreIndex) => GENRES[genreIndex]?.name ?? 'Drama');
    movies.push({
      movie_id: index + 1,
      title: uniqueTitle(random, usedTitles),
      overview: `${/^[aeiou]/i.test(genres[0] ?? '') ? 'An' : 'A'} ${genres.join(' and ').toLowerCase()} story set in ${random.pick(PLACES)}.`,
      genres,
      release_date: `${year}-${pad(month)}-${pad(day)}`,
      popularity,
      vote_average: round(clamp(6.1 + 1.0 * quality + 0.3 * random.normal(), 1, 10), 1),
      vote_count: voteCount,
      poster_path: null,
      source: 'synthetic',
      genreIndices: [...genreIndices],
      quality,
      runtimeSeconds: 60 * Math.round(clamp(105 + 18 * random.normal(), 75, 200)),
    });
  }
  return movies;
}

function uniqueTitle(random: SeededRandom, used: Set<string>): string {
  for (let attempt = 0; ; attempt++) {
    const base =
      random.next() < 0.5
        ? `The ${random.pick(ADJECTIVES)} ${random.pick(NOUNS)}`
        : `${random.pick(NOUNS)} of ${random.pick(PLACES)}`;
    const title = attempt < 3 ? base : `${base} ${attempt}`;
    if (!used.has(title)) {
      used.add(title);
      return title;
    }
  }
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

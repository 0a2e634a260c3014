import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { MlopsError } from '../../errors/index.js';
import { type ExternalUserId, userIdSchema } from '../../identity/index.js';
import type { InteractionRecord, MovieRecord } from '../records.js';

export type MovieLensLayout = 'ml-100k' | 'ml-1m' | 'ml-latest-small';

export interface MovieLensOptions {
  /**
   * Integer keys for string user ids (the platform's identity map). MovieLens' own files number their
   * users; a file with ids like `user_42` needs this, or the import stops naming the first such line.
   */
  userKeys?: (ids: string[]) => Promise<number[]>;
}

type RatingRow = {
  user_id: ExternalUserId;
  content_id: number;
  stars: number;
  timestamp: number;
  where: string;
};

export interface MovieLensData {
  layout: MovieLensLayout;
  movies: MovieRecord[];
  interactions: InteractionRecord[];
  /** What was read but is not as MovieLens writes it (e.g. CR LF line endings), one sentence each. */
  warnings: string[];
}

/** ml-100k's genre flag columns in u.item, in order. */
const ML100K_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
];
const MONTHS: Record<string, string> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};

/**
 * Reads a MovieLens folder in any of three layouts (found by its files): ml-100k (`u.data`, `u.item`),
 * ml-1m (`ratings.dat`, `movies.dat`) or ml-latest-small (`ratings.csv`, `movies.csv`). Ratings become
 * 0–10 (stars × 2); popularity is the movie's number of ratings; vote average and count are computed from
 * the ratings. Any bad line — a missing or extra field included — stops the import with an error naming
 * the file and line; Windows (CR LF) line endings are read but reported in `warnings`.
 */
export async function readMovieLens(dir: string, options: MovieLensOptions = {}): Promise<MovieLensData> {
  const has = (name: string) => existsSync(path.join(dir, name));
  let layout: MovieLensLayout;
  let movies: Omit<MovieRecord, 'popularity' | 'vote_average' | 'vote_count'>[];
  let ratings: RatingRow[];
  const warnings: string[] = [];
  if (has('u.data') && has('u.item')) {
    layout = 'ml-100k';
    movies = await readLines(path.join(dir, 'u.item'), 'latin1', parse100kMovie, warnings);
    ratings = await readLines(
      path.join(dir, 'u.data'),
      'utf8',
      (line, where) => parseRating(line.split('\t'), where),
      warnings,
    );
  } else if (has('ratings.dat') && has('movies.dat')) {
    layout = 'ml-1m';
    movies = await readLines(path.join(dir, 'movies.dat'), 'latin1', parse1mMovie, warnings);
    ratings = await readLines(
      path.join(dir, 'ratings.dat'),
      'utf8',
      (line, where) => parseRating(line.split('::'), where),
      warnings,
    );
  } else if (has('ratings.csv') && has('movies.csv')) {
    layout = 'ml-latest-small';
    movies = (await readCsv(path.join(dir, 'movies.csv'), ['movieId', 'title', 'genres'], warnings)).map(
      ({ row, where }) =>
        movieFromTitle(
          integer(row.movieId, 'movieId', where),
          row.title ?? '',
          (row.genres ?? '').split('|'),
          where,
        ),
    );
    ratings = (
      await readCsv(path.join(dir, 'ratings.csv'), ['userId', 'movieId', 'rating', 'timestamp'], warnings)
    ).map(({ row, where }) =>
      parseRating([row.userId ?? '', row.movieId ?? '', row.rating ?? '', row.timestamp ?? ''], where),
    );
  } else {
    throw new MlopsError(
      'MLOPS_ERR_DATA_INVALID',
      `${dir} is not a MovieLens folder: expected u.data + u.item (ml-100k), ratings.dat + movies.dat (ml-1m) or ratings.csv + movies.csv (ml-latest-small)`,
      { field: 'dir' },
    );
  }
  return { layout, ...combine(movies, await withUserKeys(ratings, options), layout), warnings };
}

/** Ratings with integer user keys: string ids go through the identity map, numbers are their own keys. */
async function withUserKeys(
  ratings: RatingRow[],
  options: MovieLensOptions,
): Promise<{ user_id: number; content_id: number; stars: number; timestamp: number }[]> {
  const named = ratings.filter((rating) => typeof rating.user_id === 'string');
  const keys = new Map<string, number>();
  if (named.length > 0) {
    if (options.userKeys === undefined)
      fail(named[0]?.where ?? 'ratings', `user id ${JSON.stringify(named[0]?.user_id)} is not a number`);
    const ids = [...new Set(named.map((rating) => rating.user_id as string))];
    const assigned = await options.userKeys(ids);
    ids.forEach((id, index) => {
      keys.set(id, assigned[index] as number);
    });
  }
  return ratings.map(({ where: _where, ...rating }) => ({
    ...rating,
    user_id: typeof rating.user_id === 'number' ? rating.user_id : (keys.get(rating.user_id) as number),
  }));
}

function combine(
  movies: Omit<MovieRecord, 'popularity' | 'vote_average' | 'vote_count'>[],
  ratings: { user_id: number; content_id: number; stars: number; timestamp: number }[],
  layout: MovieLensLayout,
): { movies: MovieRecord[]; interactions: InteractionRecord[] } {
  const known = new Set(movies.map((movie) => movie.movie_id));
  const stats = new Map<number, { count: number; sum: number }>();
  for (const rating of ratings) {
    if (!known.has(rating.content_id)) {
      throw new MlopsError(
        'MLOPS_ERR_DATA_INVALID',
        `${layout}: a rating refers to movie ${rating.content_id}, which the movie file does not list`,
        {
          field: 'movieId',
        },
      );
    }
    const entry = stats.get(rating.content_id) ?? { count: 0, sum: 0 };
    entry.count += 1;
    entry.sum += rating.stars * 2;
    stats.set(rating.content_id, entry);
  }
  const full = movies.map((movie) => {
    const entry = stats.get(movie.movie_id) ?? { count: 0, sum: 0 };
    return {
      ...movie,
      popularity: entry.count,
      vote_average: entry.count === 0 ? 0 : Math.round((entry.sum / entry.count) * 100) / 100,
      vote_count: entry.count,
    };
  });
  const interactions = ratings
    .map((rating) => ({
      user_id: rating.user_id,
      content_id: rating.content_id,
      watch_seconds: null,
      rating: rating.stars * 2,
      popularity: stats.get(rating.content_id)?.count ?? 0,
      timestamp: rating.timestamp,
    }))
    // Stable: ratings of the same second keep the source's line order (the time split breaks ties by it).
    .sort((a, b) => a.timestamp - b.timestamp);
  return { movies: full, interactions };
}

async function readLines<T>(
  file: string,
  encoding: BufferEncoding,
  parseLine: (line: string, where: string) => T,
  warnings: string[],
): Promise<T[]> {
  const text = await readFile(file, encoding);
  const rows: T[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    rows.push(parseLine(line, `${path.basename(file)} line ${index + 1}`));
  });
  reportCrLf(text, path.basename(file), warnings);
  return rows;
}

/** MovieLens files end their lines in LF; CR LF means the file went through another tool, so say so. */
function reportCrLf(text: string, name: string, warnings: string[]): void {
  let count = 0;
  let first = -1;
  let line = 1;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) {
    if (text.charCodeAt(at - 1) === 13) {
      count++;
      if (first < 0) first = line;
    }
    line++;
  }
  if (count > 0)
    warnings.push(
      `${name}: ${count} of ${line - 1} lines end in CR LF (Windows line endings, first at line ${first}); read without the CR`,
    );
}

async function readCsv(
  file: string,
  columns: string[],
  warnings: string[],
): Promise<{ row: Record<string, string>; where: string }[]> {
  const text = await readFile(file, 'utf8');
  reportCrLf(text, path.basename(file), warnings);
  let records: Record<string, string>[];
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, trim: false }) as Record<
      string,
      string
    >[];
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new MlopsError(
      'MLOPS_ERR_DATA_INVALID',
      `${path.basename(file)} line ${line ?? '?'}: ${(error as Error).message}`,
      {
        field: `${path.basename(file)}:${line ?? '?'}`,
      },
    );
  }
  const header = Object.keys(records[0] ?? {});
  const missing = columns.filter((column) => records.length > 0 && !header.includes(column));
  if (missing.length > 0) {
    throw new MlopsError(
      'MLOPS_ERR_DATA_INVALID',
      `${path.basename(file)} line 1: missing column(s) ${missing.join(', ')}`,
      {
        field: `${path.basename(file)}:1`,
      },
    );
  }
  return records.map((row, index) => ({ row, where: `${path.basename(file)} line ${index + 2}` }));
}

function parseRating(fields: string[], where: string): RatingRow {
  if (fields.length !== 4)
    fail(where, `expected 4 fields (user, movie, rating, timestamp), got ${fields.length}`);
  const stars = Number(fields[2]);
  if (!Number.isFinite(stars) || stars < 0.5 || stars > 5)
    fail(where, `rating ${JSON.stringify(fields[2])} is not between 0.5 and 5`);
  return {
    user_id: userId(fields[0], where),
    content_id: integer(fields[1], 'movie id', where),
    stars,
    timestamp: integer(fields[3], 'timestamp', where) * 1000,
    where,
  };
}

function userId(value: string | undefined, where: string): ExternalUserId {
  const parsed = userIdSchema.safeParse(value?.trim() ?? '');
  if (!parsed.success)
    fail(where, `user id ${JSON.stringify(value ?? '')} ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function parse100kMovie(
  line: string,
  where: string,
): Omit<MovieRecord, 'popularity' | 'vote_average' | 'vote_count'> {
  const fields = line.split('|');
  if (fields.length !== 5 + ML100K_GENRES.length)
    fail(where, `expected ${5 + ML100K_GENRES.length} fields separated by "|", got ${fields.length}`);
  const flags = fields.slice(5, 5 + ML100K_GENRES.length);
  const genres = ML100K_GENRES.filter((_, index) => flags[index] === '1' && index > 0);
  const movie = movieFromTitle(integer(fields[0], 'movie id', where), fields[1] ?? '', genres, where);
  const date = /^(\d{2})-([A-Z][a-z]{2})-(\d{4})$/.exec(fields[2] ?? '');
  return date ? { ...movie, release_date: `${date[3]}-${MONTHS[date[2] ?? ''] ?? '01'}-${date[1]}` } : movie;
}

function parse1mMovie(
  line: string,
  where: string,
): Omit<MovieRecord, 'popularity' | 'vote_average' | 'vote_count'> {
  const fields = line.split('::');
  if (fields.length !== 3) fail(where, `expected 3 fields separated by "::", got ${fields.length}`);
  return movieFromTitle(
    integer(fields[0], 'movie id', where),
    fields[1] ?? '',
    (fields[2] ?? '').split('|'),
    where,
  );
}

function movieFromTitle(
  movieId: number,
  rawTitle: string,
  genres: string[],
  where: string,
): Omit<MovieRecord, 'popularity' | 'vote_average' | 'vote_count'> {
  const title = rawTitle.trim();
  if (title === '') fail(where, 'the title is empty');
  const year = /\((\d{4})\)\s*$/.exec(title);
  return {
    movie_id: movieId,
    title: year ? title.slice(0, year.index).trim() : title,
    overview: '',
    genres: genres.filter((genre) => genre !== '' && genre !== '(no genres listed)'),
    release_date: year ? `${year[1]}-01-01` : null,
    poster_path: null,
    source: 'movielens',
  };
}

function integer(value: string | undefined, what: string, where: string): number {
  const number = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isSafeInteger(number) || number < 0) {
    fail(where, `${what} ${JSON.stringify(value ?? '')} is not a whole number`);
  }
  return number;
}

function fail(where: string, problem: string): never {
  throw new MlopsError('MLOPS_ERR_DATA_INVALID', `${where}: ${problem}`, {
    field: where.replace(' line ', ':'),
  });
}

import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { MlopsError } from '../../errors/index.js';
import type { MovieRecord } from '../records.js';
import type { TmdbClient, TmdbGenreList, TmdbMovie, TmdbPopularPage } from './tmdb-client.js';

const CrawlState = z.object({
  fromPage: z.number().int(),
  toPage: z.number().int(),
  language: z.string(),
  region: z.string(),
  withDetails: z.boolean(),
  completedPages: z.array(z.number().int()),
  completedDetails: z.array(z.number().int()),
  /** Pages past TMDB's last page: done, with nothing in them. */
  emptyPages: z.array(z.number().int()),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
});

export type CrawlState = z.infer<typeof CrawlState>;

export interface CrawlProgress {
  phase: 'genres' | 'pages' | 'details';
  done: number;
  total: number;
}

export interface CrawlOptions {
  client: TmdbClient;
  fromPage: number;
  toPage: number;
  /** Folder of this crawl: raw responses and `state.json`. Crawling again into it resumes. */
  snapshotDir: string;
  withDetails?: boolean;
  onProgress?: (progress: CrawlProgress) => void;
  signal?: AbortSignal;
}

export interface CrawlResult {
  snapshotDir: string;
  pagesFetched: number;
  pagesSkipped: number;
  /** Normalized catalogue, one record per movie. */
  movies: MovieRecord[];
  /** Raw TMDB results of every page, first occurrence of each id, in page order. */
  popular: TmdbMovie[];
  state: CrawlState;
}

/**
 * Crawls TMDB's popular movies over a page range, with genre names and (optionally) details per movie.
 * Every raw response is kept in `snapshotDir` (written atomically) and `state.json` records what is done
 * after each step, so an interrupted crawl — Ctrl-C, kill -9, a TMDB outage — continues where it stopped
 * when run again, without fetching a page twice or losing one.
 */
export async function crawlTmdb(options: CrawlOptions): Promise<CrawlResult> {
  const { client, snapshotDir, signal } = options;
  const withDetails = options.withDetails ?? true;
  await mkdir(path.join(snapshotDir, 'pages'), { recursive: true });
  await mkdir(path.join(snapshotDir, 'details'), { recursive: true });
  const state = await loadOrStartState(snapshotDir, {
    ...options,
    withDetails,
    language: client.language,
    region: client.region,
  });

  options.onProgress?.({ phase: 'genres', done: 0, total: 1 });
  const genresFile = path.join(snapshotDir, 'genres.json');
  const genres: TmdbGenreList = existsSync(genresFile)
    ? JSON.parse(await readFile(genresFile, 'utf8'))
    : await client.genres(signal);
  if (!existsSync(genresFile)) await writeJsonAtomic(genresFile, genres);
  options.onProgress?.({ phase: 'genres', done: 1, total: 1 });

  const pageCount = options.toPage - options.fromPage + 1;
  let pagesFetched = 0;
  let pagesSkipped = 0;
  let lastPage = Number.POSITIVE_INFINITY;
  for (let page = options.fromPage; page <= options.toPage; page++) {
    signal?.throwIfAborted();
    if (state.completedPages.includes(page) || state.emptyPages.includes(page)) {
      pagesSkipped++;
    } else if (page > lastPage) {
      state.emptyPages.push(page);
      await saveState(snapshotDir, state);
    } else {
      const response = await client.popular(page, signal);
      lastPage = Math.min(response.total_pages, 500);
      await writeJsonAtomic(pagePath(snapshotDir, page), response);
      state.completedPages.push(page);
      await saveState(snapshotDir, state);
      pagesFetched++;
    }
    options.onProgress?.({ phase: 'pages', done: page - options.fromPage + 1, total: pageCount });
  }

  const popular = await readPopular(snapshotDir, state);
  if (withDetails) {
    const pending = popular.filter((movie) => !state.completedDetails.includes(movie.id));
    let done = popular.length - pending.length;
    for (const movie of pending) {
      signal?.throwIfAborted();
      const details = await client.movieDetails(movie.id, signal);
      await writeJsonAtomic(path.join(snapshotDir, 'details', `${movie.id}.json`), details);
      state.completedDetails.push(movie.id);
      // Saving after every detail keeps resume exact; it is a small file.
      await saveState(snapshotDir, state);
      options.onProgress?.({ phase: 'details', done: ++done, total: popular.length });
    }
  }

  const genreNames = new Map(genres.genres.map((genre) => [genre.id, genre.name]));
  const movies: MovieRecord[] = [];
  for (const movie of popular) {
    const detailsFile = path.join(snapshotDir, 'details', `${movie.id}.json`);
    const details: TmdbMovie | undefined =
      withDetails && existsSync(detailsFile) ? JSON.parse(await readFile(detailsFile, 'utf8')) : undefined;
    movies.push(normalizeMovie(movie, details, genreNames));
  }
  await writeJsonAtomic(path.join(snapshotDir, 'popular.json'), { movies: popular });
  state.finishedAt ??= new Date().toISOString();
  await saveState(snapshotDir, state);
  return { snapshotDir, pagesFetched, pagesSkipped, movies, popular, state };
}

/** The state of a crawl folder, or undefined when none was started there. */
export async function readCrawlState(snapshotDir: string): Promise<CrawlState | undefined> {
  const file = path.join(snapshotDir, 'state.json');
  if (!existsSync(file)) return undefined;
  const parsed = CrawlState.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success)
    throw new MlopsError(
      'MLOPS_ERR_DATA_INVALID',
      `${file} is not a crawl state file: ${parsed.error.issues[0]?.message}`,
    );
  return parsed.data;
}

async function loadOrStartState(
  snapshotDir: string,
  wanted: { fromPage: number; toPage: number; language: string; region: string; withDetails: boolean },
): Promise<CrawlState> {
  if (
    !Number.isInteger(wanted.fromPage) ||
    !Number.isInteger(wanted.toPage) ||
    wanted.fromPage < 1 ||
    wanted.toPage < wanted.fromPage ||
    wanted.toPage > 500
  ) {
    throw new MlopsError(
      'MLOPS_ERR_REQUEST_VALIDATION',
      `page range ${wanted.fromPage}-${wanted.toPage} is invalid: TMDB serves pages 1 to 500`,
      {
        field: 'pages',
      },
    );
  }
  const existing = await readCrawlState(snapshotDir);
  if (existing !== undefined) {
    const differences = (['fromPage', 'toPage', 'language', 'region', 'withDetails'] as const).filter(
      (key) => existing[key] !== wanted[key],
    );
    if (differences.length > 0) {
      throw new MlopsError(
        'MLOPS_ERR_DATA_INVALID',
        `${snapshotDir} holds a crawl with other settings (${differences.map((key) => `${key} ${existing[key]} ≠ ${wanted[key]}`).join(', ')}); crawl into a new folder`,
      );
    }
    return existing;
  }
  const state: CrawlState = {
    ...wanted,
    completedPages: [],
    completedDetails: [],
    emptyPages: [],
    startedAt: new Date().toISOString(),
  };
  await saveState(snapshotDir, state);
  return state;
}

async function readPopular(snapshotDir: string, state: CrawlState): Promise<TmdbMovie[]> {
  const seen = new Set<number>();
  const movies: TmdbMovie[] = [];
  for (const page of [...state.completedPages].sort((a, b) => a - b)) {
    const response = JSON.parse(await readFile(pagePath(snapshotDir, page), 'utf8')) as TmdbPopularPage;
    for (const movie of response.results) {
      // TMDB's ranking shifts while paging, so a movie can appear on two pages: keep its first.
      if (seen.has(movie.id)) continue;
      seen.add(movie.id);
      movies.push(movie);
    }
  }
  return movies;
}

function normalizeMovie(
  movie: TmdbMovie,
  details: TmdbMovie | undefined,
  genreNames: Map<number, string>,
): MovieRecord {
  const genres =
    details?.genres?.map((genre) => genre.name) ??
    (movie.genre_ids ?? []).flatMap((id) => genreNames.get(id) ?? []);
  const source = details ?? movie;
  return {
    movie_id: movie.id,
    title: source.title,
    overview: source.overview ?? '',
    genres,
    release_date: /^\d{4}-\d\d-\d\d$/.test(source.release_date ?? '')
      ? (source.release_date as string)
      : null,
    popularity: source.popularity ?? movie.popularity ?? 0,
    vote_average: source.vote_average ?? 0,
    vote_count: Math.round(source.vote_count ?? 0),
    poster_path: source.poster_path ?? null,
    source: 'tmdb',
  };
}

function pagePath(snapshotDir: string, page: number): string {
  return path.join(snapshotDir, 'pages', `popular-${page}.json`);
}

async function saveState(snapshotDir: string, state: CrawlState): Promise<void> {
  await writeJsonAtomic(path.join(snapshotDir, 'state.json'), state);
}

/** Write to a temporary name, then rename: a kill at any moment leaves the old file or the new one. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, file);
}

import { sql } from 'kysely';
import { NotFoundError } from '../errors/index.js';
import type { MetadataDb } from '../storage/index.js';
import type { MovieRecord } from './records.js';

const BATCH = 500;

/** What serving keeps in memory of each movie: every row of the catalogue, the few columns answers show. */
export async function catalogueSummaries(db: MetadataDb) {
  return db
    .selectFrom('movies')
    .select(['movie_id', 'title', 'genres', 'release_date', 'poster_path', 'popularity', 'dataset_version'])
    .execute();
}

/** Replaces the served catalogue with `movies` in one transaction: readers see the old one or the new. */
export async function loadCatalogue(
  db: MetadataDb,
  movies: readonly MovieRecord[],
  versionId: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('movies').execute();
    for (let start = 0; start < movies.length; start += BATCH) {
      await trx
        .insertInto('movies')
        .values(
          movies.slice(start, start + BATCH).map((movie) => ({
            movie_id: movie.movie_id,
            title: movie.title,
            overview: movie.overview,
            genres: JSON.stringify(movie.genres),
            release_date: movie.release_date,
            popularity: movie.popularity,
            vote_average: movie.vote_average,
            vote_count: movie.vote_count,
            poster_path: movie.poster_path,
            source: movie.source,
            dataset_version: versionId,
          })),
        )
        .execute();
    }
  });
}

export interface MovieQuery {
  limit: number;
  offset: number;
  genre?: string;
  /** Case-insensitive substring of the title. */
  search?: string;
  sort: 'popularity' | 'vote_average' | 'title' | 'release_date';
}

export interface MovieRow extends MovieRecord {
  dataset_version: string;
}

/** A page of the catalogue, most popular first unless told otherwise, with the total that matches. */
export async function queryMovies(
  db: MetadataDb,
  query: MovieQuery,
): Promise<{ movies: MovieRow[]; total: number }> {
  let base = db.selectFrom('movies');
  if (query.genre !== undefined)
    base = base.where(sql<boolean>`genres @> ${JSON.stringify([query.genre])}::jsonb`);
  if (query.search !== undefined && query.search !== '') {
    const pattern = `%${query.search.replaceAll('\\', '\\\\').replaceAll('%', '\\%').replaceAll('_', '\\_')}%`;
    base = base.where('title', 'ilike', pattern);
  }
  const direction = query.sort === 'title' ? 'asc' : 'desc';
  const [rows, count] = await Promise.all([
    base
      .selectAll()
      .orderBy(query.sort, direction)
      .orderBy('movie_id')
      .limit(query.limit)
      .offset(query.offset)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { movies: rows.map(toMovie), total: Number(count.total) };
}

export async function getMovie(db: MetadataDb, movieId: number): Promise<MovieRow> {
  const row = await db.selectFrom('movies').selectAll().where('movie_id', '=', movieId).executeTakeFirst();
  if (row === undefined) throw new NotFoundError(`no movie with id ${movieId}`, { field: 'params.movie_id' });
  return toMovie(row);
}

/** Every genre in the catalogue with its number of movies, most common first. */
export async function listGenres(db: MetadataDb): Promise<{ genre: string; movies: number }[]> {
  const { rows } = await sql<{ genre: string; movies: number }>`
    select genre, count(*)::int as movies from movies, jsonb_array_elements_text(genres) as genre
    group by genre order by movies desc, genre`.execute(db);
  return rows.map((row) => ({ genre: row.genre, movies: Number(row.movies) }));
}

function toMovie(row: {
  movie_id: number;
  title: string;
  overview: string;
  genres: unknown;
  release_date: string | null;
  popularity: number;
  vote_average: number;
  vote_count: number;
  poster_path: string | null;
  source: string;
  dataset_version: string;
}): MovieRow {
  return { ...row, genres: row.genres as string[], source: row.source as MovieRecord['source'] };
}

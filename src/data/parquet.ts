import { mkdir, rename, rm } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { InteractionColumns, MovieRecord } from './records.js';

/** Column types of the two tables, as stored in Parquet. */
export const MOVIE_COLUMNS = {
  movie_id: 'INTEGER',
  title: 'VARCHAR',
  overview: 'VARCHAR',
  genres: 'VARCHAR[]',
  release_date: 'DATE',
  popularity: 'DOUBLE',
  vote_average: 'DOUBLE',
  vote_count: 'INTEGER',
  poster_path: 'VARCHAR',
  source: 'VARCHAR',
} as const;

export const INTERACTION_COLUMNS = {
  user_id: 'INTEGER',
  content_id: 'INTEGER',
  watch_seconds: 'INTEGER',
  rating: 'DOUBLE',
  popularity: 'DOUBLE',
  timestamp: 'TIMESTAMP',
} as const;

/** DuckDB's limits for this process (`configureDuckDb`); DuckDB's own defaults until set. */
let limits: { memoryLimit?: string; tempDirectory?: string } = {};

/**
 * Where DuckDB spills in this process (the home's tmp/duckdb, not the working directory), and optionally a
 * cap on its working memory (MLOPS_DUCKDB_MEMORY_LIMIT; DuckDB's own default is 80 % of the machine's).
 */
export function configureDuckDb(settings: { memoryLimit?: string | undefined; tempDirectory: string }): void {
  limits = settings;
}

/** Runs `work` on a fresh in-memory DuckDB connection (loaded on demand), closing it afterwards. */
export async function withDuckDb<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  if (limits.tempDirectory !== undefined) await mkdir(limits.tempDirectory, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    ...(limits.memoryLimit === undefined ? {} : { memory_limit: limits.memoryLimit }),
    ...(limits.tempDirectory === undefined ? {} : { temp_directory: limits.tempDirectory }),
  });
  const connection = await instance.connect();
  try {
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Writes the catalogue to a Parquet file (sorted by movie_id), atomically: a reader sees the old file or
 * the new one. The same movies always give the same bytes, so content hashes identify versions.
 */
export async function writeMoviesParquet(file: string, movies: readonly MovieRecord[]): Promise<void> {
  await withDuckDb(async (connection) => {
    await connection.run(
      `create table staging (movie_id integer, title varchar, overview varchar, genres varchar, release_date varchar,
        popularity double, vote_average double, vote_count integer, poster_path varchar, source varchar)`,
    );
    const appender = await connection.createAppender('staging');
    for (const movie of movies) {
      appender.appendInteger(movie.movie_id);
      appender.appendVarchar(movie.title);
      appender.appendVarchar(movie.overview);
      appender.appendVarchar(JSON.stringify(movie.genres));
      appendNullable(appender, movie.release_date, (value) => appender.appendVarchar(value));
      appender.appendDouble(movie.popularity);
      appender.appendDouble(movie.vote_average);
      appender.appendInteger(movie.vote_count);
      appendNullable(appender, movie.poster_path, (value) => appender.appendVarchar(value));
      appender.appendVarchar(movie.source);
      appender.endRow();
    }
    appender.closeSync();
    await copyToParquet(
      connection,
      `select movie_id, title, overview, cast(json(genres) as varchar[]) as genres, cast(release_date as date) as release_date,
        popularity, vote_average, vote_count, poster_path, source from staging order by movie_id`,
      file,
    );
  });
}

/** Writes interactions in their given (time) order to a Parquet file, atomically. */
export async function writeInteractionsParquet(file: string, log: InteractionColumns): Promise<void> {
  await withDuckDb(async (connection) => {
    await createInteractionTable(connection, log);
    await copyToParquet(connection, 'select * from interactions', file);
  });
}

/** Writes interactions as CSV with a header (the reference's watch_log.csv columns plus timestamp). */
export async function writeInteractionsCsv(file: string, log: InteractionColumns): Promise<void> {
  await withDuckDb(async (connection) => {
    await createInteractionTable(connection, log);
    const tmp = `${file}.tmp-${process.pid}`;
    await connection.run(`copy (select * from interactions) to ${sqlString(tmp)} (format csv, header true)`);
    await rename(tmp, file);
  });
}

async function createInteractionTable(connection: DuckDBConnection, log: InteractionColumns): Promise<void> {
  const { DuckDBTimestampValue } = await import('@duckdb/node-api');
  await connection.run(
    'create table interactions (user_id integer, content_id integer, watch_seconds integer, rating double, popularity double, "timestamp" timestamp)',
  );
  const appender = await connection.createAppender('interactions');
  for (let row = 0; row < log.length; row++) {
    appender.appendInteger(log.user_id[row] ?? 0);
    appender.appendInteger(log.content_id[row] ?? 0);
    const seconds = log.watch_seconds[row] ?? Number.NaN;
    if (Number.isNaN(seconds)) appender.appendNull();
    else appender.appendInteger(Math.round(seconds));
    const rating = log.rating[row] ?? Number.NaN;
    if (Number.isNaN(rating)) appender.appendNull();
    else appender.appendDouble(rating);
    appender.appendDouble(log.popularity[row] ?? 0);
    appender.appendTimestamp(new DuckDBTimestampValue(BigInt(Math.round(log.timestamp[row] ?? 0)) * 1000n));
    appender.endRow();
  }
  appender.closeSync();
}

async function copyToParquet(connection: DuckDBConnection, query: string, file: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await connection.run(`copy (${query}) to ${sqlString(tmp)} (format parquet, compression zstd)`);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

function appendNullable<T>(
  appender: { appendNull(): void },
  value: T | null,
  append: (value: T) => void,
): void {
  if (value === null) appender.appendNull();
  else append(value);
}

/** Reads a catalogue Parquet file back into records. */
export async function readMoviesParquet(file: string): Promise<MovieRecord[]> {
  return withDuckDb(async (connection) => {
    const reader = await connection.runAndReadAll(
      `select movie_id, title, overview, to_json(genres)::varchar as genres, strftime(release_date, '%Y-%m-%d') as release_date,
        popularity, vote_average, vote_count, poster_path, source from read_parquet(${sqlString(file)}) order by movie_id`,
    );
    return reader.getRowObjectsJS().map((row) => ({
      movie_id: Number(row.movie_id),
      title: String(row.title),
      overview: String(row.overview ?? ''),
      genres: JSON.parse(String(row.genres ?? '[]')) as string[],
      release_date: row.release_date === null ? null : String(row.release_date),
      popularity: Number(row.popularity),
      vote_average: Number(row.vote_average),
      vote_count: Number(row.vote_count),
      poster_path: row.poster_path === null ? null : String(row.poster_path),
      source: String(row.source) as MovieRecord['source'],
    }));
  });
}

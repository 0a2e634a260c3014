import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { type DataContext, sqlString, withDuckDb } from '../data/index.js';
import { checkoutDatasetVersion, type DatasetVersion } from '../lineage/index.js';
import type { TrainedModel } from '../models/index.js';
import { type DriftColumn, type DriftReport, detectDrift } from '../monitoring/index.js';

export interface WatchLogDriftReport extends DriftReport {
  reference: { watch_log_version: string; from: string; to: string };
  current: { watch_log_version: string; from: string; to: string };
  computed_at: string;
}

export interface DriftCheckOptions {
  driftShare: number;
  method: 'auto' | 'psi';
  /** The served model: adds the drift of its score for what users watched (`model_score`). */
  model?: TrainedModel | undefined;
}

const NUMERIC = ['watch_seconds', 'rating', 'popularity', 'hour_of_day'] as const;

/**
 * Drift of the watch log between its last `windowDays` and the window before: how long people watch,
 * what they rate, how popular what they watch is, when they watch, the genre mix, the interaction mix
 * (rated or only watched) and, with a model, its score for what was watched.
 */
export async function computeWatchLogDrift(
  context: DataContext,
  watchLog: DatasetVersion,
  movies: DatasetVersion,
  options: DriftCheckOptions & { windowDays: number },
): Promise<WatchLogDriftReport> {
  const logFile = await cachedFile(context, watchLog);
  const movieFile = await cachedFile(context, movies);
  return withDuckDb(async (connection) => {
    const { max } = await timeRange(connection, logFile);
    const windowMs = options.windowDays * 86_400_000;
    const split = max - windowMs;
    const start = max - 2 * windowMs;
    const reference = await readColumns(
      connection,
      logFile,
      movieFile,
      `epoch_ms(w."timestamp") > ${start} and epoch_ms(w."timestamp") < ${split}`,
    );
    const current = await readColumns(connection, logFile, movieFile, `epoch_ms(w."timestamp") >= ${split}`);
    return report(reference, current, options, {
      reference: { watch_log_version: watchLog.version_id, from: iso(start), to: iso(split) },
      current: { watch_log_version: watchLog.version_id, from: iso(split), to: iso(max) },
    });
  });
}

/** Drift between two whole watch-log versions (e.g. last month's data and this month's). */
export async function computeVersionDrift(
  context: DataContext,
  referenceLog: DatasetVersion,
  currentLog: DatasetVersion,
  movies: DatasetVersion,
  options: DriftCheckOptions,
): Promise<WatchLogDriftReport> {
  const referenceFile = await cachedFile(context, referenceLog);
  const currentFile = await cachedFile(context, currentLog);
  const movieFile = await cachedFile(context, movies);
  return withDuckDb(async (connection) => {
    const referenceRange = await timeRange(connection, referenceFile);
    const currentRange = await timeRange(connection, currentFile);
    return report(
      await readColumns(connection, referenceFile, movieFile, 'true'),
      await readColumns(connection, currentFile, movieFile, 'true'),
      options,
      {
        reference: {
          watch_log_version: referenceLog.version_id,
          from: iso(referenceRange.min),
          to: iso(referenceRange.max),
        },
        current: {
          watch_log_version: currentLog.version_id,
          from: iso(currentRange.min),
          to: iso(currentRange.max),
        },
      },
    );
  });
}

function report(
  reference: Map<string, unknown[]>,
  current: Map<string, unknown[]>,
  options: DriftCheckOptions,
  windows: Pick<WatchLogDriftReport, 'reference' | 'current'>,
): WatchLogDriftReport {
  const text = (rows: Map<string, unknown[]>, name: string) => (rows.get(name) ?? []).map(String);
  const columns: DriftColumn[] = [
    ...NUMERIC.map((name) => ({
      name,
      kind: 'numerical' as const,
      reference: Float64Array.from(reference.get(name) as number[]),
      current: Float64Array.from(current.get(name) as number[]),
    })),
    {
      name: 'primary_genre',
      kind: 'categorical',
      reference: text(reference, 'primary_genre'),
      current: text(current, 'primary_genre'),
    },
    {
      name: 'interaction',
      kind: 'categorical',
      reference: text(reference, 'interaction'),
      current: text(current, 'interaction'),
    },
  ];
  if (options.model !== undefined) {
    const scorer = modelScorer(options.model);
    columns.push({
      name: 'model_score',
      kind: 'numerical',
      reference: scorer(reference),
      current: scorer(current),
    });
  }
  return {
    ...detectDrift(columns, { driftShare: options.driftShare, method: options.method }),
    ...windows,
    computed_at: new Date().toISOString(),
  };
}

/** The model's score of each watched movie for its user (NaN for users or movies it never saw). */
function modelScorer(trained: TrainedModel): (rows: Map<string, unknown[]>) => Float64Array {
  const perUser = new Map<number, Float32Array>();
  const empty = { items: new Int32Array(0), counts: new Float32Array(0) };
  return (rows) => {
    const users = (rows.get('user_id') ?? []) as number[];
    const movies = (rows.get('content_id') ?? []) as number[];
    const scores = new Float64Array(users.length);
    for (let row = 0; row < users.length; row++) {
      const user = trained.users.index(Number(users[row]));
      const item = trained.items.index(Number(movies[row]));
      if (user === undefined || item === undefined) {
        scores[row] = Number.NaN;
        continue;
      }
      let all = perUser.get(user);
      if (all === undefined) {
        all = new Float32Array(trained.model.itemCount);
        trained.model.scoreUser(user, empty, all);
        perUser.set(user, all);
      }
      scores[row] = all[item] ?? Number.NaN;
    }
    return scores;
  };
}

async function readColumns(
  connection: DuckDBConnection,
  logFile: string,
  movieFile: string,
  where: string,
): Promise<Map<string, unknown[]>> {
  const reader = await connection.runAndReadAll(
    `select coalesce(w.watch_seconds::DOUBLE, 'NaN'::DOUBLE) as watch_seconds,
       coalesce(w.rating, 'NaN'::DOUBLE) as rating,
       w.popularity::DOUBLE as popularity,
       hour(w."timestamp")::DOUBLE as hour_of_day,
       coalesce(m.genres[1], 'unknown') as primary_genre,
       case when w.rating is null then 'watched' else 'rated' end as interaction,
       w.user_id::DOUBLE as user_id, w.content_id::DOUBLE as content_id
     from read_parquet(${sqlString(logFile)}) w
     left join read_parquet(${sqlString(movieFile)}) m on m.movie_id = w.content_id
     where ${where}`,
  );
  const names = reader.columnNames();
  const values = reader.getColumns() as unknown[][];
  return new Map(names.map((name, index) => [name, values[index] ?? []]));
}

async function timeRange(connection: DuckDBConnection, file: string): Promise<{ min: number; max: number }> {
  const row = (
    await connection.runAndReadAll(
      `select epoch_ms(min("timestamp"))::DOUBLE, epoch_ms(max("timestamp"))::DOUBLE from read_parquet(${sqlString(file)})`,
    )
  ).getRows()[0];
  return { min: Number(row?.[0] ?? 0), max: Number(row?.[1] ?? Date.now()) };
}

async function cachedFile(context: DataContext, version: DatasetVersion): Promise<string> {
  return checkoutDatasetVersion(
    context,
    version,
    path.join(context.home, 'cache', 'datasets', version.version_id),
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

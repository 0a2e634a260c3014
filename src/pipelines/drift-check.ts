import path from 'node:path';
import { type DataContext, sqlString, withDuckDb } from '../data/index.js';
import { checkoutDatasetVersion, type DatasetVersion } from '../lineage/index.js';
import { type DriftColumn, type DriftReport, detectDrift } from '../monitoring/index.js';

export interface WatchLogDriftReport extends DriftReport {
  reference_window: { from: string; to: string };
  current_window: { from: string; to: string };
  watch_log_version: string;
  computed_at: string;
}

/**
 * Drift of the watch log between its last `windowDays` and the window before: how long people watch,
 * what they rate, how popular what they watch is, when they watch, and the genre mix.
 */
export async function computeWatchLogDrift(
  context: DataContext,
  watchLog: DatasetVersion,
  movies: DatasetVersion,
  options: { windowDays: number; driftShare: number; method: 'auto' | 'psi' },
): Promise<WatchLogDriftReport> {
  const dir = path.join(context.home, 'cache', 'datasets');
  const logFile = await checkoutDatasetVersion(context, watchLog, path.join(dir, watchLog.version_id));
  const movieFile = await checkoutDatasetVersion(context, movies, path.join(dir, movies.version_id));
  return withDuckDb(async (connection) => {
    const bounds = (
      await connection.runAndReadAll(
        `select epoch_ms(max("timestamp"))::DOUBLE from read_parquet(${sqlString(logFile)})`,
      )
    ).getRows()[0];
    const end = Number(bounds?.[0] ?? Date.now());
    const windowMs = options.windowDays * 86_400_000;
    const split = end - windowMs;
    const start = end - 2 * windowMs;
    const reader = await connection.runAndReadAll(
      `select epoch_ms(w."timestamp")::DOUBLE >= ${split} as is_current,
         coalesce(w.watch_seconds::DOUBLE, 'NaN'::DOUBLE) as watch_seconds,
         coalesce(w.rating, 'NaN'::DOUBLE) as rating,
         w.popularity::DOUBLE as popularity,
         hour(w."timestamp")::DOUBLE as hour_of_day,
         coalesce(m.genres[1], 'unknown') as primary_genre
       from read_parquet(${sqlString(logFile)}) w
       left join read_parquet(${sqlString(movieFile)}) m on m.movie_id = w.content_id
       where epoch_ms(w."timestamp") > ${start}`,
    );
    const columns = reader.getColumns() as unknown[][];
    const isCurrent = (columns[0] ?? []) as boolean[];
    const numeric = (index: number, current: boolean) =>
      Float64Array.from((columns[index] ?? []).filter((_, row) => isCurrent[row] === current) as number[]);
    const text = (index: number, current: boolean) =>
      (columns[index] ?? []).filter((_, row) => isCurrent[row] === current).map(String);
    const names = ['watch_seconds', 'rating', 'popularity', 'hour_of_day'];
    const driftColumns: DriftColumn[] = [
      ...names.map((name, offset) => ({
        name,
        kind: 'numerical' as const,
        reference: numeric(offset + 1, false),
        current: numeric(offset + 1, true),
      })),
      { name: 'primary_genre', kind: 'categorical', reference: text(5, false), current: text(5, true) },
    ];
    const report = detectDrift(driftColumns, { driftShare: options.driftShare, method: options.method });
    return {
      ...report,
      reference_window: { from: new Date(start).toISOString(), to: new Date(split).toISOString() },
      current_window: { from: new Date(split).toISOString(), to: new Date(end).toISOString() },
      watch_log_version: watchLog.version_id,
      computed_at: new Date().toISOString(),
    };
  });
}

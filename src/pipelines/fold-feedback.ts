import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { type DataContext, sqlString, withDuckDb } from '../data/index.js';
import { checkoutDatasetVersion, type DatasetVersion, recordDatasetVersion } from '../lineage/index.js';
import { positiveFeedbackSince } from '../serving/index.js';

/**
 * Folds the feedback recorded since a watch-log version into a new version of the watch log, so the next
 * training run learns from it — users first seen through feedback or events (string ids included) become
 * users of the next model. A version made this way remembers the last feedback it holds
 * (`params.feedback_through`), so a later fold adds only what came after; a fresh watch log (from data
 * collection or an import) gets all the feedback ever recorded. Returns the version to train on: the given
 * one when there is nothing new.
 */
export async function foldFeedbackIntoWatchLog(
  context: DataContext,
  base: DatasetVersion,
): Promise<{ version: DatasetVersion; folded: number }> {
  const through = base.params.feedback_through;
  const feedback = await positiveFeedbackSince(
    context.db,
    typeof through === 'string' ? new Date(through) : undefined,
  );
  if (feedback.length === 0) return { version: base, folded: 0 };
  const dir = path.join(context.home, 'tmp', `fold-${base.version_id.slice(0, 12)}-${process.pid}`);
  await mkdir(dir, { recursive: true });
  try {
    const baseFile = await checkoutDatasetVersion(context, base, dir);
    const output = path.join(dir, 'watch_log.parquet');
    const rowCount = await withDuckDb(async (connection) => {
      const { DuckDBTimestampValue } = await import('@duckdb/node-api');
      await connection.run(
        'create table feedback (user_id integer, content_id integer, rating double, "timestamp" timestamp)',
      );
      const appender = await connection.createAppender('feedback');
      for (const row of feedback) {
        appender.appendInteger(row.user_id);
        appender.appendInteger(row.movie_id);
        if (row.rating === null) appender.appendNull();
        else appender.appendDouble(row.rating);
        appender.appendTimestamp(new DuckDBTimestampValue(BigInt(row.created_at.getTime()) * 1000n));
        appender.endRow();
      }
      appender.closeSync();
      // A feedback row takes the movie's popularity as the log last saw it; time order is kept.
      await connection.run(
        `copy (
          with base as (select * from read_parquet(${sqlString(baseFile)})),
          popularity as (select content_id, arg_max(popularity, "timestamp") as popularity from base group by content_id)
          select * from base
          union all
          select f.user_id, f.content_id, null::integer as watch_seconds, f.rating,
            coalesce(p.popularity, 0) as popularity, f."timestamp"
          from feedback f left join popularity p using (content_id)
          order by "timestamp", user_id, content_id
        ) to ${sqlString(output)} (format parquet, compression zstd)`,
      );
      const reader = await connection.runAndReadAll(
        `select count(*)::integer as n from read_parquet(${sqlString(output)})`,
      );
      return Number(reader.getRowObjects()[0]?.n ?? 0);
    });
    const last = feedback.at(-1)?.created_at ?? new Date();
    const { version } = await recordDatasetVersion(context, {
      dataset: base.dataset,
      file: output,
      format: 'parquet',
      source: 'feedback',
      params: {
        base: base.version_id,
        feedback_rows: feedback.length,
        feedback_through: last.toISOString(),
      },
      rowCount,
      parents: [{ kind: 'dataset', id: base.version_id }],
    });
    return { version, folded: feedback.length };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

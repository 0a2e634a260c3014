import { type ExpressionBuilder, sql } from 'kysely';
import type { DatabaseSchema, MetadataDb } from '../storage/index.js';
import { parseExperimentId, type ViewType } from './experiment-store.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { datasetFilterSql } from './run-io-store.js';
import { HAS_IO, type Run, runsOf } from './run-store.js';
import { parseRunFilter, parseRunOrderBy, type RunFilterClause } from './search-runs-filter.js';

/** MLflow's SearchRuns: runs of some experiments matching a filter string, ordered and paged. */

/** Runs of the given experiments matching an MLflow filter string, ordered and paged like MLflow. */
export async function searchRuns(
  db: MetadataDb,
  options: {
    experimentIds: string[];
    filter?: string | undefined;
    viewType: ViewType;
    maxResults: number;
    orderBy?: string[];
    pageToken?: string | undefined;
  },
): Promise<{ runs: Run[]; nextPageToken: string | undefined }> {
  const offset = decodePageToken(options.pageToken);
  const clauses = parseRunFilter(options.filter);
  const orders = (options.orderBy ?? []).map(parseRunOrderBy);
  const ids = options.experimentIds.map(parseExperimentId);
  if (ids.length === 0) return { runs: [], nextPageToken: undefined };

  // The page's whole rows come with the search (no second read of them), then their children in one query.
  let query = db
    .selectFrom('runs')
    .selectAll('runs')
    .select(HAS_IO.as('has_io'))
    .where('runs.experiment_id', 'in', ids);
  if (options.viewType !== 'ALL')
    query = query.where(
      'runs.lifecycle_stage',
      '=',
      options.viewType === 'ACTIVE_ONLY' ? 'active' : 'deleted',
    );
  for (const clause of clauses) query = query.where((eb) => clauseToSql(eb, clause));
  for (const [index, order] of orders.entries()) {
    const direction = order.isAscending ? sql`asc` : sql`desc`;
    if (order.kind === 'attribute') {
      query = query.orderBy(sql`${sql.ref(`runs.${order.key}`)} ${direction}`);
    } else {
      const table =
        order.kind === 'metric' ? 'latest_metrics' : order.kind === 'param' ? 'run_params' : 'run_tags';
      const alias = `order_${index}`;
      // Runs without the key sort last whichever the direction, as in MLflow.
      query = query.orderBy(
        sql`(select ${sql.ref(`${alias}.value`)} from ${sql.table(table)} as ${sql.raw(alias)} where ${sql.ref(`${alias}.run_id`)} = runs.run_id and ${sql.ref(`${alias}.key`)} = ${order.key}) ${direction} nulls last`,
      );
    }
  }
  if (!orders.some((order) => order.kind === 'attribute' && order.key === 'start_time'))
    query = query.orderBy('runs.start_time', 'desc');
  const rows = await query
    .orderBy('runs.run_id')
    .limit(options.maxResults + 1)
    .offset(offset)
    .execute();
  const page = rows.slice(0, options.maxResults);
  return {
    runs: await runsOf(db, page),
    nextPageToken:
      rows.length > options.maxResults ? encodePageToken(offset + options.maxResults) : undefined,
  };
}

function clauseToSql(eb: ExpressionBuilder<DatabaseSchema, 'runs'>, clause: RunFilterClause) {
  if (clause.kind === 'dataset') return datasetFilterSql(clause.key, clause.operator, clause.value);
  if (clause.kind === 'attribute') {
    const column = eb.ref(`runs.${clause.key}`);
    if (clause.operator === 'in' || clause.operator === 'not in')
      return eb(column, clause.operator, clause.value as string[]);
    return eb(column, clause.operator, clause.value as string);
  }
  const table =
    clause.kind === 'metric' ? 'latest_metrics' : clause.kind === 'param' ? 'run_params' : 'run_tags';
  return eb.exists(
    eb
      .selectFrom(table)
      .select(sql`1`.as('one'))
      .whereRef(`${table}.run_id`, '=', 'runs.run_id')
      .where(`${table}.key`, '=', clause.key)
      .where(`${table}.value`, clause.operator, clause.value as never),
  );
}

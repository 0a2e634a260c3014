import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { DatabaseSchema, MetadataDb } from '../storage/index.js';
import { parseExperimentId } from './experiment-store.js';
import {
  type LoggedModelClause,
  loggedModelAttribute,
  parseLoggedModelFilter,
} from './logged-model-filter.js';
import { type LoggedModel, serializeLoggedModels } from './logged-model-store.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { invalid } from './tracking-errors.js';

export interface LoggedModelOrder {
  field_name: string;
  ascending?: boolean | undefined;
  dataset_name?: string | undefined;
  dataset_digest?: string | undefined;
}

export interface DatasetRef {
  dataset_name: string;
  dataset_digest?: string | undefined;
}

/** `search_logged_models`: models of the given experiments, filtered, ordered and paged like MLflow. */
export async function searchLoggedModels(
  db: MetadataDb,
  options: {
    experimentIds: string[];
    filter?: string | undefined;
    datasets?: DatasetRef[];
    maxResults?: number | undefined;
    orderBy?: LoggedModelOrder[];
    pageToken?: string | undefined;
  },
): Promise<{ models: LoggedModel[]; nextPageToken: string | undefined }> {
  const offset = decodePageToken(options.pageToken);
  const maxResults = options.maxResults ?? 100;
  const clauses = parseLoggedModelFilter(options.filter);
  const ids = options.experimentIds.map(parseExperimentId);
  if (ids.length === 0) return { models: [], nextPageToken: undefined };
  const datasets = options.datasets ?? [];
  if (datasets.some((dataset) => !dataset.dataset_name))
    throw invalid('`dataset_name` in the `datasets` clause must be specified.', 'datasets');

  let query = db
    .selectFrom('logged_models')
    .selectAll()
    .where('experiment_id', 'in', ids)
    .where('lifecycle_stage', '!=', 'deleted');
  for (const clause of clauses) query = query.where((eb) => clauseToSql(eb, clause, datasets));
  if (datasets.length > 0 && !clauses.some((clause) => clause.kind === 'metric'))
    query = query.where(
      sql<SqlBool>`exists (select 1 from logged_model_metrics m where m.model_id = logged_models.model_id and ${datasetCondition(datasets)})`,
    );
  let hasCreation = false;
  for (const order of options.orderBy ?? []) {
    const direction = order.ascending === false ? sql`desc` : sql`asc`;
    if (order.field_name.startsWith('metrics.')) {
      const key = order.field_name.slice('metrics.'.length);
      const scope = [
        ...datasets,
        ...(order.dataset_name
          ? [{ dataset_name: order.dataset_name, dataset_digest: order.dataset_digest }]
          : []),
      ];
      query = query.orderBy(sql`${latestMetric(key, scope)} ${direction} nulls last`);
      continue;
    }
    const attribute = loggedModelAttribute(order.field_name);
    if (
      attribute === undefined ||
      (order.field_name.includes('.') && !order.field_name.startsWith('attribute'))
    )
      throw invalid(`Invalid order by field name: ${order.field_name}`, 'order_by');
    if (attribute === 'creation_timestamp_ms') hasCreation = true;
    query = query.orderBy(sql`${sql.ref(`logged_models.${attribute}`)} ${direction} nulls last`);
  }
  if (!hasCreation) query = query.orderBy('creation_timestamp_ms', 'desc');
  const rows = await query
    .orderBy('model_id')
    .limit(maxResults + 1)
    .offset(offset)
    .execute();
  return {
    models: await serializeLoggedModels(db, rows.slice(0, maxResults)),
    nextPageToken: rows.length > maxResults ? encodePageToken(offset + maxResults) : undefined,
  };
}

/** The model's latest value of a metric (highest step, then time), optionally on given datasets. */
function latestMetric(key: string, datasets: DatasetRef[]): Expression<unknown> {
  const scope = datasets.length === 0 ? sql`true` : datasetCondition(datasets);
  return sql`(select m.value from logged_model_metrics m where m.model_id = logged_models.model_id and m.key = ${key} and ${scope} order by m.step desc, m.timestamp desc limit 1)`;
}

function datasetCondition(datasets: DatasetRef[]) {
  return sql`(${sql.join(
    datasets.map((dataset) =>
      dataset.dataset_digest
        ? sql`(m.dataset_name = ${dataset.dataset_name} and m.dataset_digest = ${dataset.dataset_digest})`
        : sql`m.dataset_name = ${dataset.dataset_name}`,
    ),
    sql` or `,
  )})`;
}

const SQL_OPERATORS: Record<string, string> = {
  '=': '=',
  '!=': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  like: 'like',
  ilike: 'ilike',
  in: 'in',
  'not in': 'not in',
};

function compare(left: Expression<unknown>, operator: string, value: unknown) {
  const op = sql.raw(SQL_OPERATORS[operator] ?? '=');
  if (Array.isArray(value))
    return value.length === 0
      ? sql<SqlBool>`${sql.raw(operator === 'in' ? 'false' : 'true')}`
      : sql<SqlBool>`${left} ${op} (${sql.join(value)})`;
  return sql<SqlBool>`${left} ${op} ${value}`;
}

function clauseToSql(
  eb: ExpressionBuilder<DatabaseSchema, 'logged_models'>,
  clause: LoggedModelClause,
  datasets: DatasetRef[],
) {
  if (clause.kind === 'metric')
    return compare(latestMetric(clause.key, datasets), clause.operator, clause.value);
  if (clause.kind === 'attribute')
    return compare(eb.ref(`logged_models.${clause.key}`), clause.operator, clause.value);
  const table = clause.kind === 'param' ? 'logged_model_params' : 'logged_model_tags';
  return sql<SqlBool>`exists (select 1 from ${sql.table(table)} e where e.model_id = logged_models.model_id and e.key = ${clause.key} and ${compare(sql.ref('e.value'), clause.operator, clause.value)})`;
}

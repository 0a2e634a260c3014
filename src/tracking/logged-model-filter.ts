import { type FilterToken, tokenizeFilter } from './search-runs-filter.js';
import { checkLikePattern, invalid } from './tracking-errors.js';

/** Columns of a logged model a filter or an order may name (MLflow's aliases resolved). */
export type LoggedModelAttribute =
  | 'model_id'
  | 'name'
  | 'status'
  | 'model_type'
  | 'source_run_id'
  | 'creation_timestamp_ms'
  | 'last_updated_timestamp_ms';

export type LoggedModelOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'like' | 'ilike' | 'in' | 'not in';

/** One clause of `search_logged_models`' filter, e.g. `metrics.accuracy > 0.9` or `name = 'model'`. */
export type LoggedModelClause =
  | {
      kind: 'attribute';
      key: LoggedModelAttribute;
      operator: LoggedModelOperator;
      value: string | number | string[];
    }
  | { kind: 'metric'; key: string; operator: LoggedModelOperator; value: number }
  | { kind: 'param' | 'tag'; key: string; operator: LoggedModelOperator; value: string | string[] };

const ATTRIBUTES: Record<string, LoggedModelAttribute> = {
  model_id: 'model_id',
  name: 'name',
  status: 'status',
  model_type: 'model_type',
  source_run_id: 'source_run_id',
  creation_time: 'creation_timestamp_ms',
  creation_timestamp: 'creation_timestamp_ms',
  creation_timestamp_ms: 'creation_timestamp_ms',
  last_updated_timestamp: 'last_updated_timestamp_ms',
  last_updated_timestamp_ms: 'last_updated_timestamp_ms',
};
const NUMERIC_OPERATORS = ['<', '<=', '>', '>=', '=', '!='];
const STRING_OPERATORS = ['=', '!=', 'like', 'ilike', 'in', 'not in'];
export const LOGGED_MODEL_STATUSES = ['UNSPECIFIED', 'PENDING', 'READY', 'FAILED'] as const;

/** The attribute an identifier or order field names, or undefined (`metrics.x` and unknown names). */
export function loggedModelAttribute(name: string): LoggedModelAttribute | undefined {
  return ATTRIBUTES[name.replace(/^attributes?\./i, '').replace(/^`|`$/g, '')];
}

/**
 * Parses MLflow 3's logged-model filter: comparisons joined by AND, on attributes (`name`, `status`,
 * `model_id`, `source_run_id`, `model_type`, `creation_timestamp`...), `metrics.<key>` (the model's latest
 * value, numbers only), `params.<key>` and `tags.<key>` (strings; =, !=, LIKE, ILIKE, IN, NOT IN).
 */
export function parseLoggedModelFilter(filter: string | undefined): LoggedModelClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const fail = (why: string): never => {
    throw invalid(`Invalid filter '${filter}': ${why}`, 'filter');
  };
  const tokens = tokenizeFilter(filter);
  const clauses: LoggedModelClause[] = [];
  let index = 0;
  while (index < tokens.length) {
    const subject = tokens[index++] as FilterToken;
    if (subject.type !== 'word' && subject.type !== 'identifier')
      fail('expected a field such as metrics.accuracy');
    let entity = 'attributes';
    let key = subject.text;
    const dot = subject.text.indexOf('.');
    if (subject.type === 'word' && dot > 0) {
      entity = subject.text.slice(0, dot).toLowerCase();
      key = subject.text.slice(dot + 1);
      if (key === '' && tokens[index]?.type === 'identifier') key = tokens[index++]?.text ?? '';
    }
    if (key === '') fail(`missing key after ${entity}.`);
    let operator = tokens[index++]?.text.toLowerCase() ?? fail(`expected a comparison after ${key}`);
    if (operator === 'not' && tokens[index]?.text.toLowerCase() === 'in') {
      index++;
      operator = 'not in';
    }
    if (![...NUMERIC_OPERATORS, ...STRING_OPERATORS].includes(operator))
      fail(`"${operator}" is not a comparison`);
    const value = readValue(
      tokens,
      () => index,
      (next) => {
        index = next;
      },
      fail,
    );
    clauses.push(toClause(entity, key, operator as LoggedModelOperator, value, filter, fail));
    const next = tokens[index];
    if (next === undefined) break;
    if (next.type !== 'word' || next.text.toLowerCase() !== 'and')
      fail(`expected AND, found "${next.text}" (OR is not supported, as in MLflow)`);
    index++;
  }
  return clauses;
}

function readValue(
  tokens: FilterToken[],
  at: () => number,
  moveTo: (index: number) => void,
  fail: (why: string) => never,
): FilterToken | string[] {
  let index = at();
  const first = tokens[index++] ?? fail('missing value');
  if (first.type !== 'open') {
    moveTo(index);
    return first;
  }
  const values: string[] = [];
  while (tokens[index] !== undefined && tokens[index]?.type !== 'close') {
    const item = tokens[index++] as FilterToken;
    if (item.type !== 'string') fail('IN lists hold quoted strings');
    values.push(item.text);
    if (tokens[index]?.type === 'comma') index++;
  }
  if (tokens[index]?.type !== 'close') fail('unclosed IN list');
  moveTo(index + 1);
  return values;
}

function toClause(
  entity: string,
  key: string,
  operator: LoggedModelOperator,
  value: FilterToken | string[],
  filter: string,
  fail: (why: string) => never,
): LoggedModelClause {
  const isList = Array.isArray(value);
  if (isList !== (operator === 'in' || operator === 'not in'))
    fail(isList ? `a list needs IN or NOT IN` : `${operator.toUpperCase()} needs a parenthesised list`);
  if (entity === 'metrics' || entity === 'metric') {
    if (isList || value.type !== 'number' || !NUMERIC_OPERATORS.includes(operator))
      fail(`metric ${key} must be compared to a number with <, <=, >, >=, = or !=`);
    return { kind: 'metric', key, operator, value: Number((value as FilterToken).text) };
  }
  if (['params', 'param', 'tags', 'tag'].includes(entity)) {
    if (!STRING_OPERATORS.includes(operator))
      fail(`${entity}.${key} supports =, !=, LIKE, ILIKE, IN, NOT IN`);
    if (!isList && value.type !== 'string') fail(`${entity}.${key} must be compared to a quoted string`);
    if (!isList && (operator === 'like' || operator === 'ilike')) checkLikePattern(value.text, filter);
    return {
      kind: entity.startsWith('param') ? 'param' : 'tag',
      key,
      operator,
      value: isList ? value : value.text,
    };
  }
  if (!['attributes', 'attribute', 'attr'].includes(entity))
    fail(`unknown entity '${entity}': use metrics, params, tags or attributes`);
  const attribute = loggedModelAttribute(key) ?? fail(`unknown attribute '${key}'`);
  const isNumeric = attribute.endsWith('_ms');
  if (isNumeric) {
    if (isList || value.type !== 'number' || !NUMERIC_OPERATORS.includes(operator))
      fail(`${key} must be compared to a number of milliseconds`);
    return { kind: 'attribute', key: attribute, operator, value: Number((value as FilterToken).text) };
  }
  if (!STRING_OPERATORS.includes(operator)) fail(`${key} supports =, !=, LIKE, ILIKE, IN, NOT IN`);
  if (!isList && value.type !== 'string') fail(`${key} must be compared to a quoted string`);
  const values = isList ? value : [value.text];
  if (attribute === 'status') {
    if (operator === 'like' || operator === 'ilike') fail('status supports =, !=, IN, NOT IN');
    const unknown = values.find((status) => !(LOGGED_MODEL_STATUSES as readonly string[]).includes(status));
    if (unknown !== undefined) fail(`unknown model status '${unknown}'`);
  }
  if (!isList && (operator === 'like' || operator === 'ilike')) checkLikePattern(values[0] ?? '', filter);
  return { kind: 'attribute', key: attribute, operator, value: isList ? values : (values[0] ?? '') };
}

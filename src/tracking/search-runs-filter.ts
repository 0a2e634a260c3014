import { checkLikePattern, invalid } from './tracking-errors.js';

/** One clause of an MLflow run filter, e.g. `metrics.rmse < 0.8` or `tags."mlflow.runName" LIKE 'als%'`. */
export type RunFilterClause =
  | { kind: 'metric'; key: string; operator: ComparisonOperator; value: number }
  | { kind: 'param' | 'tag'; key: string; operator: StringOperator; value: string }
  | {
      kind: 'dataset';
      key: 'name' | 'digest' | 'context';
      operator: StringOperator | 'in' | 'not in';
      value: string | string[];
    }
  | {
      kind: 'attribute';
      key: RunAttribute;
      operator: StringOperator | ComparisonOperator | 'in' | 'not in';
      value: string | number | string[];
    };

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type StringOperator = '=' | '!=' | 'like' | 'ilike';
export type RunAttribute =
  | 'run_id'
  | 'run_name'
  | 'status'
  | 'start_time'
  | 'end_time'
  | 'user_id'
  | 'artifact_uri';

const ATTRIBUTE_ALIASES: Record<string, RunAttribute> = {
  run_id: 'run_id',
  run_name: 'run_name',
  status: 'status',
  start_time: 'start_time',
  end_time: 'end_time',
  user_id: 'user_id',
  artifact_uri: 'artifact_uri',
  created: 'start_time',
  'run name': 'run_name',
};

const TOKEN =
  /\s*(?:(`[^`]*`|"(?:[^"\\]|\\.)*")|('(?:[^'\\]|\\.|'')*')|(<=|>=|!=|=|<|>)|(\()|(\))|(,)|([A-Za-z_][\w.\-/]*)|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))/y;

export interface FilterToken {
  type: 'identifier' | 'string' | 'operator' | 'open' | 'close' | 'comma' | 'word' | 'number';
  text: string;
}

/** Splits an MLflow filter string into identifiers, quoted strings, operators, words and numbers. */
export function tokenizeFilter(filter: string): FilterToken[] {
  const tokens: FilterToken[] = [];
  TOKEN.lastIndex = 0;
  let position = 0;
  while (position < filter.length) {
    if (filter.slice(position).trim() === '') break;
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(filter);
    if (match === null)
      throw invalid(
        `Invalid filter '${filter}': cannot read it at "${filter.slice(position, position + 20)}"`,
        'filter',
      );
    position = TOKEN.lastIndex;
    const [, quotedIdentifier, string, operator, open, close, comma, word, number] = match;
    if (quotedIdentifier !== undefined) tokens.push({ type: 'identifier', text: unquote(quotedIdentifier) });
    else if (string !== undefined) tokens.push({ type: 'string', text: unquote(string) });
    else if (operator !== undefined) tokens.push({ type: 'operator', text: operator });
    else if (open !== undefined) tokens.push({ type: 'open', text: '(' });
    else if (close !== undefined) tokens.push({ type: 'close', text: ')' });
    else if (comma !== undefined) tokens.push({ type: 'comma', text: ',' });
    else if (word !== undefined) tokens.push({ type: 'word', text: word });
    else if (number !== undefined) tokens.push({ type: 'number', text: number });
  }
  return tokens;
}

function unquote(text: string): string {
  const quote = text[0];
  const body = text.slice(1, -1);
  return quote === "'" ? body.replaceAll("''", "'").replace(/\\(.)/g, '$1') : body.replace(/\\(.)/g, '$1');
}

/**
 * Parses MLflow's search-runs filter grammar: clauses joined by AND, each `<entity>.<key> <op> <value>` where
 * the entity is `metrics`, `params`, `tags` or `attributes` (and their singular forms), keys may be quoted
 * with backticks or double quotes, metric values are numbers and the others quoted strings.
 */
export function parseRunFilter(filter: string | undefined): RunFilterClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const tokens = tokenizeFilter(filter);
  const clauses: RunFilterClause[] = [];
  let index = 0;
  const fail = (why: string): never => {
    throw invalid(`Invalid filter '${filter}': ${why}`, 'filter');
  };
  while (index < tokens.length) {
    const subject = tokens[index++];
    if (subject === undefined || (subject.type !== 'word' && subject.type !== 'identifier'))
      fail('expected an entity such as metrics.rmse');
    let entity: string;
    let key: string;
    const dot = subject?.text.indexOf('.') ?? -1;
    if (subject?.type === 'word' && dot > 0) {
      entity = subject.text.slice(0, dot);
      key = subject.text.slice(dot + 1);
      if (key === '' && tokens[index]?.type === 'identifier') key = tokens[index++]?.text ?? '';
    } else if (subject?.type === 'word' && subject.text.endsWith('.')) {
      entity = subject.text.slice(0, -1);
      key = tokens[index++]?.text ?? '';
    } else {
      entity = 'attributes';
      key = subject?.text ?? '';
    }
    if (subject?.type === 'word' && subject.text.endsWith('.') === false && dot > 0 && key === '')
      fail(`missing key after ${entity}.`);

    let operator = tokens[index++];
    let operatorText = operator?.text.toLowerCase() ?? '';
    if (operator?.type === 'word' && operatorText === 'not' && tokens[index]?.text.toLowerCase() === 'in') {
      index++;
      operatorText = 'not in';
    } else if (operator?.type !== 'operator' && !['like', 'ilike', 'in'].includes(operatorText)) {
      fail(`expected a comparison after ${entity}.${key}`);
    }
    operator = undefined;

    const kind =
      normalizeEntity(entity) ??
      fail(`unknown entity '${entity}': use metrics, params, tags, attributes or datasets`);
    if (operatorText === 'in' || operatorText === 'not in') {
      if (tokens[index++]?.type !== 'open') fail('IN needs a parenthesised list');
      const values: string[] = [];
      while (tokens[index] !== undefined && tokens[index]?.type !== 'close') {
        const value = tokens[index++];
        if (value?.type !== 'string') fail('IN lists hold quoted strings');
        values.push(value?.text ?? '');
        if (tokens[index]?.type === 'comma') index++;
      }
      index++;
      if (kind === 'dataset')
        clauses.push({ kind, key: datasetKeyOf(key, fail), operator: operatorText, value: values });
      else if (kind !== 'attribute')
        fail('IN works on attributes and datasets only (run_id, run_name, status, ...)');
      else
        clauses.push({
          kind: 'attribute',
          key: attributeOf(key, fail),
          operator: operatorText,
          value: values,
        });
    } else {
      const value = tokens[index++] ?? fail(`missing value after ${entity}.${key} ${operatorText}`);
      if (kind === 'metric') {
        if (value.type !== 'number' || !['=', '!=', '<', '<=', '>', '>='].includes(operatorText))
          fail(`metric ${key} must be compared to a number`);
        clauses.push({ kind, key, operator: operatorText as ComparisonOperator, value: Number(value.text) });
      } else if (kind === 'attribute') {
        const attribute = attributeOf(key, fail);
        const isTime = attribute === 'start_time' || attribute === 'end_time';
        if (isTime && value.type !== 'number')
          fail(`${attribute} must be compared to a number of milliseconds`);
        if (!isTime && value.type !== 'string') fail(`${attribute} must be compared to a quoted string`);
        clauses.push({
          kind,
          key: attribute,
          operator: operatorText as ComparisonOperator,
          value: isTime ? Number(value.text) : value.text,
        });
      } else if (kind === 'dataset') {
        const datasetKey = datasetKeyOf(key, fail);
        if (value.type !== 'string') fail(`datasets.${datasetKey} must be compared to a quoted string`);
        if (!['=', '!=', 'like', 'ilike'].includes(operatorText))
          fail('datasets support =, !=, LIKE, ILIKE, IN and NOT IN');
        if (operatorText === 'like' || operatorText === 'ilike') checkLikePattern(value.text, filter);
        clauses.push({ kind, key: datasetKey, operator: operatorText as StringOperator, value: value.text });
      } else {
        if (value.type !== 'string') fail(`${kind} ${key} must be compared to a quoted string`);
        if (!['=', '!=', 'like', 'ilike'].includes(operatorText))
          fail(`${kind}s support =, !=, LIKE and ILIKE`);
        if (operatorText === 'like' || operatorText === 'ilike') checkLikePattern(value.text, filter);
        clauses.push({ kind, key, operator: operatorText as StringOperator, value: value.text });
      }
    }
    const next = tokens[index];
    if (next === undefined) break;
    if (next.type !== 'word' || next.text.toLowerCase() !== 'and')
      fail(`expected AND, found "${next.text}" (OR is not supported, as in MLflow)`);
    index++;
  }
  return clauses;
}

function normalizeEntity(entity: string): 'metric' | 'param' | 'tag' | 'attribute' | 'dataset' | undefined {
  const lower = entity.toLowerCase();
  if (lower === 'datasets' || lower === 'dataset') return 'dataset';
  if (lower === 'metrics' || lower === 'metric') return 'metric';
  if (lower === 'params' || lower === 'param' || lower === 'parameter' || lower === 'parameters')
    return 'param';
  if (lower === 'tags' || lower === 'tag') return 'tag';
  if (['attributes', 'attribute', 'attr', 'run'].includes(lower)) return 'attribute';
  return undefined;
}

function datasetKeyOf(key: string, fail: (why: string) => never): 'name' | 'digest' | 'context' {
  const lower = key.toLowerCase();
  return lower === 'name' || lower === 'digest' || lower === 'context'
    ? lower
    : fail(`unknown dataset field '${key}': use datasets.name, datasets.digest or datasets.context`);
}

function attributeOf(key: string, fail: (why: string) => never): RunAttribute {
  return ATTRIBUTE_ALIASES[key.toLowerCase()] ?? fail(`unknown attribute '${key}'`);
}

export interface RunOrder {
  kind: 'metric' | 'param' | 'tag' | 'attribute';
  key: string;
  isAscending: boolean;
}

/** `metrics.rmse DESC`, `attributes.start_time`, `params.alpha ASC`, `` tags.`mlflow.runName` `` ... */
export function parseRunOrderBy(orderBy: string): RunOrder {
  const match =
    /^\s*(?:(metrics?|params?|parameters?|tags?|attributes?|attr|run)\.)?(`[^`]+`|"[^"]+"|[\w.\-/ ]+?)\s*(ASC|DESC)?\s*$/i.exec(
      orderBy,
    );
  if (match === null) throw invalid(`Invalid order_by clause '${orderBy}'`, 'order_by');
  const kind = (normalizeEntity(match[1] ?? 'attributes') ?? 'attribute') as RunOrder['kind'];
  let key = (match[2] ?? '').replace(/^[`"]|[`"]$/g, '');
  if (kind === 'attribute') key = ATTRIBUTE_ALIASES[key.toLowerCase()] ?? '';
  if (key === '') throw invalid(`Invalid order_by clause '${orderBy}'`, 'order_by');
  return { kind, key, isAscending: (match[3] ?? 'ASC').toUpperCase() === 'ASC' };
}

import { checkLikePattern, invalid } from './tracking-errors.js';

/** Checks of the registry's inputs: model names, aliases, version numbers, version sources, filters. */

export function validateModelName(name: string): string {
  if (typeof name !== 'string' || name.trim() === '')
    throw invalid("Missing value for required parameter 'name'", 'name');
  if (name.length > 256) throw invalid('registered model names are at most 256 characters', 'name');
  return name;
}

export function validateAlias(alias: string): void {
  if (!/^[\w-]{1,255}$/.test(alias) || /^v\d+$/i.test(alias) || alias.toLowerCase() === 'latest') {
    throw invalid(
      `Invalid alias name '${alias}': letters, digits, _ and - only; 'latest' and 'v<number>' are reserved`,
      'alias',
    );
  }
}

export function parseVersion(version: string): number {
  if (!/^\d{1,9}$/.test(version))
    throw invalid(`Model version must be an integer, got '${version}'`, 'version');
  return Number(version);
}

/**
 * A version's files must live in the platform's artifact store: `mlflow-artifacts:/…` (what a run's
 * artifact URI is), or a `runs:/<run_id>/…` or `models:/<name>/…` URI that resolves there. Anything else —
 * a local path, `file://`, an HTTP address (cloud metadata endpoints included) — would make serving read
 * files nobody registered through the platform, and is refused naming `source`.
 */
export function checkVersionSource(source: string): void {
  const isInStore = /^(mlflow-artifacts:\/|runs:\/[\w-]+\/|models:\/[^/]+\/)/.test(source);
  const segments = source.split(/[/\\]+/);
  if (
    !isInStore ||
    segments.some((segment) => segment === '..' || segment === '.') ||
    source.includes('\u0000')
  )
    throw invalid(
      `source ${JSON.stringify(source.slice(0, 200))} is not in the artifact store: register a run's artifacts (runs:/<run_id>/model or the run's mlflow-artifacts:/ URI)`,
      'source',
    );
}

export type FilterOperator = '=' | '!=' | 'like' | 'ilike';

/**
 * Registry filters: `<field> <op> '<value>'` and `tags.<key> <op> '<value>'` (key bare or in backticks),
 * joined by AND; `op` is =, !=, LIKE or ILIKE.
 */
export function parseRegistryFilter(
  filter: string | undefined,
  fields: string[],
): { field: string; tag?: string; operator: FilterOperator; value: string }[] {
  if (filter === undefined || filter.trim() === '') return [];
  const clause =
    /^\s*(?:(tags?)\.(?:`([^`]+)`|([\w.-]+))|([a-z_]+))\s*(=|!=|LIKE|ILIKE)\s*'((?:[^']|'')*)'\s*(?:AND\s+|$)/i;
  const clauses: { field: string; tag?: string; operator: FilterOperator; value: string }[] = [];
  let rest = filter;
  while (rest.trim() !== '') {
    const match = clause.exec(rest);
    const field = match?.[4]?.toLowerCase();
    if (match === null || (field !== undefined && !fields.includes(field))) {
      throw invalid(
        `Invalid filter '${filter}': expected clauses like ${fields.map((name) => `${name} = 'x'`).join(', ')} or tags.key = 'v', joined by AND`,
        'filter',
      );
    }
    const operator = (match[5] ?? '=').toLowerCase() as FilterOperator;
    const value = (match[6] ?? '').replaceAll("''", "'");
    if (operator === 'like' || operator === 'ilike') checkLikePattern(value, filter);
    const tag = match[2] ?? match[3];
    clauses.push(
      tag === undefined
        ? { field: field ?? 'name', operator, value }
        : { field: 'tag', tag, operator, value },
    );
    rest = rest.slice(match[0].length);
  }
  return clauses;
}

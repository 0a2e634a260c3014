/** The runs table's columns, sorting, filter suggestions and CSV export (pure, so they are unit-tested). */
import type { RunSummary } from '../api/client';

export type ColumnKind = 'metrics' | 'params' | 'tags';

/** A chosen column: `metrics.ndcg_at_10`, `params.algorithm`, `tags.mlops.algorithm`. */
export interface Column {
  kind: ColumnKind;
  key: string;
}

export const columnId = (column: Column) => `${column.kind}.${column.key}`;
export function parseColumnId(id: string): Column | undefined {
  const dot = id.indexOf('.');
  const kind = id.slice(0, dot);
  if (kind !== 'metrics' && kind !== 'params' && kind !== 'tags') return undefined;
  return { kind, key: id.slice(dot + 1) };
}

/** The built-in columns every run has; sort keys of the table besides the chosen columns. */
export const BUILT_IN = ['run', 'status', 'started', 'duration'] as const;
export type BuiltIn = (typeof BUILT_IN)[number];

/** A cell's value: a number for metrics (sorts numerically), text otherwise, undefined when missing. */
export function cellValue(run: RunSummary, column: Column): number | string | undefined {
  if (column.kind === 'metrics') return run.data.metrics?.find((metric) => metric.key === column.key)?.value;
  const list = column.kind === 'params' ? run.data.params : run.data.tags;
  return list?.find((entry) => entry.key === column.key)?.value;
}

export function builtInValueOf(run: RunSummary, key: BuiltIn, now: number): number | string {
  if (key === 'run') return run.info.run_name || run.info.run_id;
  if (key === 'status') return run.info.status;
  if (key === 'started') return run.info.start_time;
  return (run.info.end_time || now) - run.info.start_time;
}

/** Every metric, param and tag name the runs have, by kind, sorted. */
export function namesOf(runs: RunSummary[]): Record<ColumnKind, string[]> {
  const collect = (pick: (run: RunSummary) => { key: string }[] | undefined) =>
    [...new Set(runs.flatMap((run) => pick(run)?.map((entry) => entry.key) ?? []))].sort();
  return {
    metrics: collect((run) => run.data.metrics),
    params: collect((run) => run.data.params),
    tags: collect((run) => run.data.tags),
  };
}

/** Ascending or descending, missing values last either way; numbers by value, text by locale. */
export function compareValues(
  a: number | string | undefined,
  b: number | string | undefined,
  isDescending: boolean,
): number {
  if (a === undefined || a === '') return b === undefined || b === '' ? 0 : 1;
  if (b === undefined || b === '') return -1;
  const order =
    typeof a === 'number' && typeof b === 'number'
      ? a - b
      : String(a).localeCompare(String(b), undefined, { numeric: true });
  return isDescending ? -order : order;
}

/**
 * Names to complete the filter's last word with: `metrics.nd` → `metrics.ndcg_at_10`; a bare word is
 * looked up in every kind (`ndcg` → `metrics.ndcg_at_10`). At most `limit` suggestions.
 */
export function suggestionsFor(filter: string, names: Record<ColumnKind, string[]>, limit = 8): string[] {
  const word = /[\w.`-]*$/.exec(filter)?.[0] ?? '';
  if (word === '') return [];
  const all = (['metrics', 'params', 'tags'] as const).flatMap((kind) =>
    names[kind].map((name) => `${kind}.${/^[\w.\-/]+$/.test(name) ? name : `\`${name}\``}`),
  );
  const lower = word.toLowerCase();
  return all
    .filter((full) => full !== word)
    .filter((full) => full.toLowerCase().startsWith(lower) || full.toLowerCase().includes(`.${lower}`))
    .slice(0, limit);
}

/** The filter with its last word replaced by `suggestion`. */
export function applySuggestion(filter: string, suggestion: string): string {
  return filter.replace(/[\w.`-]*$/, suggestion);
}

/** RFC 4180 CSV of the given header and rows. */
export function toCsv(header: string[], rows: (string | number | undefined)[][]): string {
  const cell = (value: string | number | undefined) => {
    const text = value === undefined ? '' : String(value);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return `${[header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}

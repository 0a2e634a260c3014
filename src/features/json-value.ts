/** DuckDB values as JSON: BIGINTs as numbers, timestamps as ISO strings, lists element by element. */
export function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

import { NotFoundError, ValidationError } from '../errors/index.js';
import type { Entity, FeatureType } from './definitions/types.js';
import { joinKeysOf } from './offline-store.js';
import { entityKeyOf, type OnlineRow } from './online/online-store.js';
import type { ActiveRegistry } from './registry.js';

/** Feast's columnar data frame as JSON: column name → one value per row (`{"movie_id": [1, 2], ...}`). */
export type ColumnarFrame = Record<string, readonly unknown[]>;

/** Where pushed rows go (Feast's `PushMode`). */
export type PushTarget = 'online' | 'offline' | 'online_and_offline';

/** One validated row of one feature view: its key values, when it became true and its feature values. */
export interface WriteRow {
  keys: (number | string)[];
  eventTimestamp: number;
  values: Record<string, unknown>;
}

/** A view's rows from a frame, checked and typed; nothing is written yet. */
export interface PreparedWrite {
  view: ActiveRegistry['featureViews'][number];
  joinKeys: Entity[];
  rows: WriteRow[];
}

/** The column Feast's remote online store always sends the event time in, whatever the source calls it. */
const FEAST_TIMESTAMP_COLUMN = 'event_timestamp';

const INTEGER_TEXT = /^-?\d{1,16}$/;
const TIMESTAMP_TEXT =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * The value of an `int64` join key given as a number or its digits (`1` or `"1"`, as Feast accepts both);
 * undefined when it is neither.
 */
export function int64KeyOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && INTEGER_TEXT.test(value)) {
    const number = Number(value);
    return Number.isSafeInteger(number) ? number : undefined;
  }
  return undefined;
}

/**
 * Milliseconds since the epoch of an ISO 8601 timestamp as Feast's clients send it: `2026-01-01T10:00:00Z`,
 * `2026-01-01 10:00:00` (no zone means UTC, as in Feast), with or without fractions; undefined otherwise.
 */
export function parseTimestamp(text: string): number | undefined {
  const match = TIMESTAMP_TEXT.exec(text.trim());
  if (match === null) return undefined;
  const [, date, hours = '00', minutes = '00', seconds = '00', fraction = '', zone = 'Z'] = match;
  const millis = fraction === '' ? '' : fraction.slice(0, 4).padEnd(4, '0');
  const offset = /^[+-]\d{2}$/.test(zone)
    ? `${zone}:00`
    : /^[+-]\d{4}$/.test(zone)
      ? `${zone.slice(0, 3)}:${zone.slice(3)}`
      : zone.toUpperCase();
  const iso = `${date}T${hours}:${minutes}:${seconds}${millis}${offset}`;
  const ms = Date.parse(iso);
  // Date.parse rolls 2026-02-31 over into March: refuse dates that do not exist.
  if (Number.isNaN(ms) || new Date(Date.parse(`${date}T00:00:00Z`)).toISOString().slice(0, 10) !== date)
    return undefined;
  return ms;
}

/**
 * The views a push source feeds, as Feast finds them: every applied view whose push source has that name.
 * An unknown name is a 404 naming `push_source_name`.
 */
export function viewsOfPushSource(
  registry: ActiveRegistry,
  pushSourceName: string,
): ActiveRegistry['featureViews'] {
  const views = registry.featureViews.filter((view) => view.pushSource === pushSourceName);
  if (views.length === 0) {
    const known = [...new Set(registry.featureViews.flatMap((view) => view.pushSource ?? []))];
    throw new NotFoundError(
      `no push source named ${pushSourceName} in the registry (push sources: ${known.join(', ') || 'none'})`,
      { field: 'push_source_name' },
    );
  }
  return views;
}

/**
 * Checks a frame for one view and types its rows: every column the same length, at least one row, the
 * view's join keys (int64 keys as numbers or digits), its timestamp column (`<timestamp field>` or
 * `event_timestamp`) and every feature of its schema, each value of its type or null. Other columns
 * (Feast's `created`, features of other views fed by the same push source) are ignored. The first problem
 * is a ValidationError naming the column and row, e.g. `df.popularity[3]`.
 */
export function prepareWrite(
  registry: ActiveRegistry,
  view: ActiveRegistry['featureViews'][number],
  df: ColumnarFrame,
  maxRows: number,
): PreparedWrite {
  const rowCount = checkFrameShape(df, maxRows);
  const joinKeys = joinKeysOf(registry, view);
  const column = (name: string): readonly unknown[] => {
    const values = df[name];
    if (values === undefined) {
      throw new ValidationError(
        `df has no column "${name}", which feature view ${view.name} needs (it has ${Object.keys(df).join(', ')})`,
        { field: `df.${name}` },
      );
    }
    return values;
  };
  const timestampColumn =
    df[view.source.timestampField] === undefined && df[FEAST_TIMESTAMP_COLUMN] !== undefined
      ? FEAST_TIMESTAMP_COLUMN
      : view.source.timestampField;
  const keyColumns = joinKeys.map((entity) => ({ entity, values: column(entity.joinKey) }));
  const timestamps = column(timestampColumn);
  const features = view.schema.map((field) => ({ field, values: column(field.name) }));

  const rows: WriteRow[] = [];
  for (let row = 0; row < rowCount; row++) {
    const keys = keyColumns.map(({ entity, values }) => {
      const value = values[row];
      const key =
        entity.valueType === 'int64' ? int64KeyOf(value) : typeof value === 'string' ? value : undefined;
      if (key === undefined || key === '') {
        throw new ValidationError(
          `df.${entity.joinKey}[${row}] must be ${entity.valueType === 'int64' ? 'an integer (or its digits as a string)' : 'a non-empty string'} (got ${JSON.stringify(value ?? null)})`,
          { field: `df.${entity.joinKey}[${row}]` },
        );
      }
      return key;
    });
    const stamp = timestamps[row];
    const eventTimestamp = typeof stamp === 'string' ? parseTimestamp(stamp) : undefined;
    if (eventTimestamp === undefined) {
      throw new ValidationError(
        `df.${timestampColumn}[${row}] must be an ISO 8601 timestamp like 2026-01-01T10:00:00Z (got ${JSON.stringify(stamp ?? null)})`,
        { field: `df.${timestampColumn}[${row}]` },
      );
    }
    const values: Record<string, unknown> = {};
    for (const { field, values: columnValues } of features)
      values[field.name] = featureValue(field.dtype, columnValues[row], `df.${field.name}[${row}]`);
    rows.push({ keys, eventTimestamp, values });
  }
  return { view, joinKeys, rows };
}

/** Online rows of a prepared write: one per entity, the latest of the request (the last one on a tie). */
export function onlineRowsOf(write: PreparedWrite): OnlineRow[] {
  const latest = new Map<string, OnlineRow>();
  for (const row of write.rows) {
    const entityKey = entityKeyOf(row.keys);
    const current = latest.get(entityKey);
    if (current === undefined || current.eventTimestamp <= row.eventTimestamp)
      latest.set(entityKey, { entityKey, eventTimestamp: row.eventTimestamp, values: row.values });
  }
  return [...latest.values()];
}

function checkFrameShape(df: ColumnarFrame, maxRows: number): number {
  const columns = Object.entries(df);
  const first = columns[0];
  if (first === undefined) throw new ValidationError('df has no columns', { field: 'df' });
  const rowCount = first[1].length;
  for (const [name, values] of columns) {
    if (values.length !== rowCount) {
      throw new ValidationError(
        `df columns must have the same length: ${first[0]} has ${rowCount} values, ${name} has ${values.length}`,
        { field: `df.${name}` },
      );
    }
  }
  if (rowCount === 0) throw new ValidationError('df has no rows', { field: 'df' });
  if (rowCount > maxRows) {
    throw new ValidationError(
      `${rowCount} rows is over the limit of ${maxRows} per request: split the batch`,
      { field: 'df' },
    );
  }
  return rowCount;
}

/** A feature value checked against its type, as the online store keeps it (timestamps as ISO strings). */
function featureValue(dtype: FeatureType, value: unknown, field: string): unknown {
  if (value === null || value === undefined) return null;
  const fail = (expected: string): never => {
    throw new ValidationError(`${field} must be ${expected} (got ${JSON.stringify(value)})`, { field });
  };
  const scalar = (type: string, item: unknown): unknown => {
    switch (type) {
      case 'int64':
        return typeof item === 'number' && Number.isSafeInteger(item) ? item : fail('an integer');
      case 'float64':
        return typeof item === 'number' && Number.isFinite(item) ? item : fail('a number');
      case 'string':
        return typeof item === 'string' ? item : fail('a string');
      case 'bool':
        return typeof item === 'boolean' ? item : fail('true or false');
      default: {
        // Feast's remote online store sends timestamps as epoch seconds; people send ISO strings.
        const ms =
          typeof item === 'number' && Number.isFinite(item)
            ? item * 1000
            : typeof item === 'string'
              ? parseTimestamp(item)
              : undefined;
        return ms === undefined ? fail('an ISO 8601 timestamp or epoch seconds') : new Date(ms).toISOString();
      }
    }
  };
  if (dtype.endsWith('[]')) {
    const itemType = dtype.slice(0, -2);
    if (!Array.isArray(value)) return fail(`a list of ${itemType}`);
    return value.map((item) =>
      item === null ? fail(`a list of ${itemType} without nulls`) : scalar(itemType, item),
    );
  }
  return scalar(dtype, value);
}

/** One entity's latest values of one feature view, as materialization writes them. */
export interface OnlineRow {
  /** The entity's join-key values, encoded by `entityKeyOf`. */
  entityKey: string;
  /** Feature name → value (JSON-compatible; timestamps as ISO strings). */
  values: Record<string, unknown>;
  /** When the values became true, ms since the epoch. */
  eventTimestamp: number;
}

/** What a read returns for one entity: the asked features' values in order, or undefined when absent. */
export interface OnlineHit {
  values: unknown[];
  eventTimestamp: number;
}

/**
 * Latest feature values per entity, for serving. Writes never move an entity back in time: a row older
 * than the stored one is ignored. Backends: a table in the metadata database (embedded) and Redis.
 */
export interface OnlineStore {
  readonly backend: 'embedded' | 'redis';
  readonly location: string;
  /** Stores rows of one view; resolves with how many were newer than what was stored. */
  write(view: string, rows: readonly OnlineRow[]): Promise<number>;
  /** The given features of each entity key, in the order asked. */
  read(
    view: string,
    entityKeys: readonly string[],
    features: readonly string[],
  ): Promise<(OnlineHit | undefined)[]>;
  /** Resolves once values written by other processes or tasks are visible to this store's reads. */
  catchUp(): Promise<void>;
  /** Forgets every entity of a view (its definition was removed). */
  deleteView(view: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The key of an entity: its join-key value, or the values joined by `|` for views keyed by several entities. */
export function entityKeyOf(values: readonly (string | number)[]): string {
  return values.length === 1
    ? String(values[0])
    : values.map((value) => String(value).replaceAll('|', '\\|')).join('|');
}

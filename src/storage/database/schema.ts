import type { ColumnType } from 'kysely';

/**
 * Tables of the metadata database, as Kysely sees them. Each migration that adds a table adds its
 * interface here; names follow CONVENTIONS.md (snake_case, plural).
 */
export interface DatabaseSchema {
  platform_meta: PlatformMetaTable;
}

/** Facts about this installation: instance id, when it was created. One row per key. */
export interface PlatformMetaTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

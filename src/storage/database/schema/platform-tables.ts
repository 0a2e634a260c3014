import type { ColumnType } from 'kysely';

/** Tables owned by platform/ (the installation's facts): other capabilities go through its service, not these tables. */
export interface PlatformTables {
  platform_meta: PlatformMetaTable;
}

/** Facts about this installation: instance id, when it was created. One row per key. */
export interface PlatformMetaTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

import type { ColumnType } from 'kysely';

/** Column shapes several capabilities' tables share. */

export interface KeyValueTable {
  key: string;
  value: string;
}

export type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
export type Json<T> = ColumnType<T, string, string>;

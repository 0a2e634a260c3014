import type { ColumnType, Generated } from 'kysely';

/** Tables owned by identity/ (external user ids and their integer keys): other capabilities go through its service, not these tables. */
export interface IdentityTables {
  user_identities: UserIdentitiesTable;
}

/** External user ids that are not plain numbers, and the integer key each was given. */
export interface UserIdentitiesTable {
  external_id: string;
  user_key: Generated<number>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

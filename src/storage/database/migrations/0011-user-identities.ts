import { type Kysely, sql } from 'kysely';

/**
 * The user identity map: each external user id that is not a plain number gets one integer key, once,
 * for the models' dense indexes. Keys start at 1,000,000,000 so they never meet the numeric ids
 * (0–999,999,999), which are their own keys.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create sequence user_identity_keys as integer start with 1000000000 minvalue 1000000000 maxvalue 2147483647`.execute(
    db,
  );
  await db.schema
    .createTable('user_identities')
    .addColumn('external_id', 'text', (column) => column.primaryKey())
    .addColumn('user_key', 'integer', (column) =>
      column.notNull().unique().defaultTo(sql`nextval('user_identity_keys')`),
    )
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('user_identities').execute();
  await sql`drop sequence user_identity_keys`.execute(db);
}

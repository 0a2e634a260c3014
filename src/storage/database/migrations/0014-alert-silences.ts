import { type Kysely, sql } from 'kysely';

/**
 * Alert silences: while one is active (created, not expired, before its end) the named alert still
 * records its firing, but no notification goes out. Kept, with who and why, after they end.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('alert_silences')
    .addColumn('silence_id', 'text', (column) => column.primaryKey())
    .addColumn('alert_name', 'text', (column) => column.notNull())
    .addColumn('reason', 'text', (column) => column.notNull())
    .addColumn('created_by', 'text', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('ends_at', 'timestamptz', (column) => column.notNull())
    .addColumn('expired_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('alert_silences_name_end')
    .on('alert_silences')
    .columns(['alert_name', 'ends_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('alert_silences').execute();
}

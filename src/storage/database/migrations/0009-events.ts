import { type Kysely, sql } from 'kysely';

/**
 * Events (stage 9): the embedded bus's log (one global sequence, so a consumer's position per topic is a
 * number), consumer-group positions and leases, the event ids each group has handled (idempotent
 * consumers, whatever the bus), and what the automations did.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('seq', 'bigserial', (column) => column.primaryKey())
    .addColumn('topic', 'text', (column) => column.notNull())
    .addColumn('event_id', 'text')
    .addColumn('type', 'text')
    .addColumn('key', 'text', (column) => column.notNull())
    // The message as published: text, so a foreign producer's undecodable bytes are kept for the dead letter.
    .addColumn('payload', 'text', (column) => column.notNull())
    .addColumn('published_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('events_topic_seq').on('events').columns(['topic', 'seq']).execute();
  await db.schema.createIndex('events_published').on('events').column('published_at').execute();

  await db.schema
    .createTable('event_consumer_offsets')
    .addColumn('group_id', 'text', (column) => column.notNull())
    .addColumn('topic', 'text', (column) => column.notNull())
    .addColumn('position', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('event_consumer_offsets_pk', ['group_id', 'topic'])
    .execute();
  await db.schema
    .createTable('event_consumer_leases')
    .addColumn('group_id', 'text', (column) => column.primaryKey())
    .addColumn('owner', 'text', (column) => column.notNull())
    .addColumn('lease_until', 'timestamptz', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('event_processed')
    .addColumn('group_id', 'text', (column) => column.notNull())
    .addColumn('event_id', 'text', (column) => column.notNull())
    .addColumn('processed_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('event_processed_pk', ['group_id', 'event_id'])
    .execute();
  await db.schema.createIndex('event_processed_at').on('event_processed').column('processed_at').execute();

  await db.schema
    .createTable('automation_actions')
    .addColumn('action_id', 'text', (column) => column.primaryKey())
    .addColumn('automation', 'text', (column) => column.notNull())
    .addColumn('event_id', 'text', (column) => column.notNull())
    .addColumn('event_type', 'text', (column) => column.notNull())
    // triggered | suppressed | applied | failed
    .addColumn('outcome', 'text', (column) => column.notNull())
    .addColumn('detail', 'text', (column) => column.notNull())
    .addColumn('run_id', 'text')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('automation_actions_created')
    .on('automation_actions')
    .columns(['automation', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'automation_actions',
    'event_processed',
    'event_consumer_leases',
    'event_consumer_offsets',
    'events',
  ])
    await db.schema.dropTable(table).execute();
}

import { type Kysely, sql } from 'kysely';

/**
 * The feature store: versioned definitions (the registry), builds of feature views into the offline store
 * with their statistics, materialization runs, and the embedded online store (latest values per entity).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('feature_definitions')
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('spec', 'jsonb', (column) => column.notNull())
    .addColumn('spec_hash', 'text', (column) => column.notNull())
    .addColumn('applied_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    // Set when an apply no longer contains the object; a later apply may bring it back as a new version.
    .addColumn('removed_at', 'timestamptz')
    .addPrimaryKeyConstraint('feature_definitions_pk', ['kind', 'name', 'version'])
    .execute();

  await db.schema
    .createTable('feature_builds')
    .addColumn('build_id', 'text', (column) => column.primaryKey())
    .addColumn('feature_view', 'text', (column) => column.notNull())
    .addColumn('definition_version', 'integer', (column) => column.notNull())
    .addColumn('dataset_version_id', 'text', (column) => column.notNull())
    .addColumn('row_count', 'bigint', (column) => column.notNull())
    .addColumn('inputs', 'jsonb', (column) => column.notNull())
    .addColumn('statistics', 'jsonb', (column) => column.notNull())
    .addColumn('validation', 'jsonb', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('feature_builds_view')
    .on('feature_builds')
    .columns(['feature_view', 'created_at'])
    .execute();

  await db.schema
    .createTable('feature_materializations')
    .addColumn('materialization_id', 'text', (column) => column.primaryKey())
    .addColumn('feature_view', 'text', (column) => column.notNull())
    .addColumn('build_id', 'text', (column) => column.notNull())
    .addColumn('online_store', 'text', (column) => column.notNull())
    .addColumn('mode', 'text', (column) => column.notNull())
    .addColumn('start_ts', 'timestamptz')
    .addColumn('end_ts', 'timestamptz', (column) => column.notNull())
    .addColumn('row_count', 'bigint', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('feature_materializations_view')
    .on('feature_materializations')
    .columns(['feature_view', 'online_store', 'created_at'])
    .execute();

  // Each write takes the next number, so a server's in-memory copy catches up on what others wrote.
  await sql`create sequence online_features_seq`.execute(db);
  await db.schema
    .createTable('online_features')
    .addColumn('feature_view', 'text', (column) => column.notNull())
    .addColumn('entity_key', 'text', (column) => column.notNull())
    .addColumn('feature_values', 'jsonb', (column) => column.notNull())
    .addColumn('event_timestamp', 'timestamptz', (column) => column.notNull())
    .addColumn('seq', 'bigint', (column) => column.notNull().defaultTo(sql`nextval('online_features_seq')`))
    .addPrimaryKeyConstraint('online_features_pk', ['feature_view', 'entity_key'])
    .execute();
  await db.schema.createIndex('online_features_seq_idx').on('online_features').column('seq').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('online_features').execute();
  await sql`drop sequence online_features_seq`.execute(db);
  await db.schema.dropTable('feature_materializations').execute();
  await db.schema.dropTable('feature_builds').execute();
  await db.schema.dropTable('feature_definitions').execute();
}

import { type Kysely, sql } from 'kysely';

/** Dataset versions (content-addressed), lineage links between any two versioned things, and the catalogue. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dataset_versions')
    .addColumn('version_id', 'text', (column) => column.primaryKey()) // sha256 of the content, hex
    .addColumn('dataset', 'text', (column) => column.notNull())
    .addColumn('format', 'text', (column) => column.notNull())
    .addColumn('artifact_key', 'text', (column) => column.notNull())
    .addColumn('size_bytes', 'bigint', (column) => column.notNull())
    .addColumn('row_count', 'bigint')
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('params', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('code_revision', 'text', (column) => column.notNull())
    .addColumn('validation', 'jsonb')
    .addColumn('is_valid', 'boolean')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('dataset_versions_dataset_updated')
    .on('dataset_versions')
    .columns(['dataset', 'updated_at'])
    .execute();

  await db.schema
    .createTable('lineage_edges')
    .addColumn('parent_kind', 'text', (column) => column.notNull())
    .addColumn('parent_id', 'text', (column) => column.notNull())
    .addColumn('child_kind', 'text', (column) => column.notNull())
    .addColumn('child_id', 'text', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('lineage_edges_pk', ['parent_kind', 'parent_id', 'child_kind', 'child_id'])
    .execute();
  await db.schema
    .createIndex('lineage_edges_child')
    .on('lineage_edges')
    .columns(['child_kind', 'child_id'])
    .execute();

  await db.schema
    .createTable('movies')
    .addColumn('movie_id', 'integer', (column) => column.primaryKey())
    .addColumn('title', 'text', (column) => column.notNull())
    .addColumn('overview', 'text', (column) => column.notNull().defaultTo(''))
    .addColumn('genres', 'jsonb', (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('release_date', 'text')
    .addColumn('popularity', 'double precision', (column) => column.notNull().defaultTo(0))
    .addColumn('vote_average', 'double precision', (column) => column.notNull().defaultTo(0))
    .addColumn('vote_count', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('poster_path', 'text')
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('dataset_version', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('movies_popularity').on('movies').column('popularity').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('movies').execute();
  await db.schema.dropTable('lineage_edges').execute();
  await db.schema.dropTable('dataset_versions').execute();
}

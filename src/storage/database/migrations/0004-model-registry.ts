import type { Kysely } from 'kysely';

/** MLflow's model registry: registered models, versions with stages, aliases, tags, and an audit trail. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('registered_models')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('description', 'text', (column) => column.notNull().defaultTo(''))
    .addColumn('user_id', 'text', (column) => column.notNull().defaultTo(''))
    .addColumn('creation_timestamp', 'bigint', (column) => column.notNull())
    .addColumn('last_updated_timestamp', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema
    .createTable('registered_model_tags')
    .addColumn('name', 'text', (column) =>
      column.notNull().references('registered_models.name').onDelete('cascade').onUpdate('cascade'),
    )
    .addColumn('key', 'text', (column) => column.notNull())
    .addColumn('value', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('registered_model_tags_pk', ['name', 'key'])
    .execute();
  await db.schema
    .createTable('model_versions')
    .addColumn('name', 'text', (column) =>
      column.notNull().references('registered_models.name').onDelete('cascade').onUpdate('cascade'),
    )
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('description', 'text', (column) => column.notNull().defaultTo(''))
    .addColumn('user_id', 'text', (column) => column.notNull().defaultTo(''))
    .addColumn('current_stage', 'text', (column) => column.notNull().defaultTo('None'))
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('run_id', 'text')
    .addColumn('run_link', 'text', (column) => column.notNull().defaultTo(''))
    .addColumn('status', 'text', (column) => column.notNull().defaultTo('READY'))
    .addColumn('status_message', 'text', (column) => column.notNull().defaultTo(''))
    .addColumn('creation_timestamp', 'bigint', (column) => column.notNull())
    .addColumn('last_updated_timestamp', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('model_versions_pk', ['name', 'version'])
    .execute();
  await db.schema
    .createTable('model_version_tags')
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('key', 'text', (column) => column.notNull())
    .addColumn('value', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('model_version_tags_pk', ['name', 'version', 'key'])
    .addForeignKeyConstraint(
      'model_version_tags_fk',
      ['name', 'version'],
      'model_versions',
      ['name', 'version'],
      (constraint) => constraint.onDelete('cascade').onUpdate('cascade'),
    )
    .execute();
  await db.schema
    .createTable('registered_model_aliases')
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('alias', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addPrimaryKeyConstraint('registered_model_aliases_pk', ['name', 'alias'])
    .addForeignKeyConstraint(
      'registered_model_aliases_fk',
      ['name', 'version'],
      'model_versions',
      ['name', 'version'],
      (constraint) => constraint.onDelete('cascade').onUpdate('cascade'),
    )
    .execute();
  // Every stage or alias change: who, why, when — the history MLflow users asked for (mlflow#2169).
  await db.schema
    .createTable('model_transitions')
    .addColumn('transition_id', 'integer', (column) => column.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('change', 'text', (column) => column.notNull())
    .addColumn('from_value', 'text')
    .addColumn('to_value', 'text')
    .addColumn('actor', 'text', (column) => column.notNull().defaultTo(''))
    .addColumn('reason', 'text', (column) => column.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'model_transitions',
    'registered_model_aliases',
    'model_version_tags',
    'model_versions',
    'registered_model_tags',
    'registered_models',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}

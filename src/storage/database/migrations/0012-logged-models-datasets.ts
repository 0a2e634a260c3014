import type { Kysely } from 'kysely';

/**
 * MLflow 3's logged models (with their params, tags and metrics), the datasets runs read (`log_input`), the
 * models runs read or write (`runs/outputs`), the model a registered version was made from, and the
 * state of multipart artifact uploads. Shaped after MLflow's SQL store so its REST API maps straight on.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('logged_models')
    .addColumn('model_id', 'text', (column) => column.primaryKey())
    .addColumn('experiment_id', 'integer', (column) =>
      column.notNull().references('experiments.experiment_id'),
    )
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('artifact_location', 'text', (column) => column.notNull())
    .addColumn('model_type', 'text')
    .addColumn('source_run_id', 'text')
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('status_message', 'text', (column) => column.notNull().defaultTo(''))
    .addColumn('lifecycle_stage', 'text', (column) => column.notNull().defaultTo('active'))
    .addColumn('creation_timestamp_ms', 'bigint', (column) => column.notNull())
    .addColumn('last_updated_timestamp_ms', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('logged_models_experiment_created')
    .on('logged_models')
    .columns(['experiment_id', 'creation_timestamp_ms'])
    .execute();
  for (const table of ['logged_model_params', 'logged_model_tags'] as const) {
    await db.schema
      .createTable(table)
      .addColumn('model_id', 'text', (column) =>
        column.notNull().references('logged_models.model_id').onDelete('cascade'),
      )
      .addColumn('key', 'text', (column) => column.notNull())
      .addColumn('value', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['model_id', 'key'])
      .execute();
  }
  // Every point logged against a model; run and dataset are '' when not given.
  await db.schema
    .createTable('logged_model_metrics')
    .addColumn('model_id', 'text', (column) =>
      column.notNull().references('logged_models.model_id').onDelete('cascade'),
    )
    .addColumn('key', 'text', (column) => column.notNull())
    .addColumn('value', 'double precision', (column) => column.notNull())
    .addColumn('timestamp', 'bigint', (column) => column.notNull())
    .addColumn('step', 'bigint', (column) => column.notNull().defaultTo(0))
    .addColumn('run_id', 'text', (column) => column.notNull().defaultTo(''))
    .addColumn('dataset_name', 'text', (column) => column.notNull().defaultTo(''))
    .addColumn('dataset_digest', 'text', (column) => column.notNull().defaultTo(''))
    .addPrimaryKeyConstraint('logged_model_metrics_pk', [
      'model_id',
      'key',
      'timestamp',
      'step',
      'run_id',
      'dataset_name',
      'dataset_digest',
    ])
    .execute();

  // One row per (experiment, name, digest): the same dataset logged twice is one dataset.
  await db.schema
    .createTable('tracking_datasets')
    .addColumn('dataset_uuid', 'text', (column) => column.primaryKey())
    .addColumn('experiment_id', 'integer', (column) =>
      column.notNull().references('experiments.experiment_id'),
    )
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('digest', 'text', (column) => column.notNull())
    .addColumn('source_type', 'text', (column) => column.notNull())
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('schema', 'text')
    .addColumn('profile', 'text')
    .addUniqueConstraint('tracking_datasets_identity', ['experiment_id', 'name', 'digest'])
    .execute();
  await db.schema
    .createTable('run_dataset_inputs')
    .addColumn('run_id', 'text', (column) => column.notNull().references('runs.run_id').onDelete('cascade'))
    .addColumn('dataset_uuid', 'text', (column) =>
      column.notNull().references('tracking_datasets.dataset_uuid').onDelete('cascade'),
    )
    .addColumn('position', 'integer', (column) => column.notNull())
    .addPrimaryKeyConstraint('run_dataset_inputs_pk', ['run_id', 'dataset_uuid'])
    .execute();
  await db.schema
    .createTable('run_dataset_input_tags')
    .addColumn('run_id', 'text', (column) => column.notNull())
    .addColumn('dataset_uuid', 'text', (column) => column.notNull())
    .addColumn('key', 'text', (column) => column.notNull())
    .addColumn('value', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('run_dataset_input_tags_pk', ['run_id', 'dataset_uuid', 'key'])
    .addForeignKeyConstraint(
      'run_dataset_input_tags_input',
      ['run_id', 'dataset_uuid'],
      'run_dataset_inputs',
      ['run_id', 'dataset_uuid'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .execute();
  // Models a run read (`input`) or produced (`output`, at a step).
  await db.schema
    .createTable('run_model_links')
    .addColumn('run_id', 'text', (column) => column.notNull().references('runs.run_id').onDelete('cascade'))
    .addColumn('model_id', 'text', (column) =>
      column.notNull().references('logged_models.model_id').onDelete('cascade'),
    )
    .addColumn('direction', 'text', (column) => column.notNull())
    .addColumn('step', 'bigint', (column) => column.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('run_model_links_pk', ['run_id', 'model_id', 'direction'])
    .execute();

  await db.schema.alterTable('model_versions').addColumn('model_id', 'text').execute();

  // Multipart uploads under way: the id clients hold, the object it will become, the backend's own id.
  await db.schema
    .createTable('artifact_multipart_uploads')
    .addColumn('upload_id', 'text', (column) => column.primaryKey())
    .addColumn('artifact_key', 'text', (column) => column.notNull())
    .addColumn('backend_upload_id', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('artifact_multipart_uploads').execute();
  await db.schema.alterTable('model_versions').dropColumn('model_id').execute();
  for (const table of [
    'run_model_links',
    'run_dataset_input_tags',
    'run_dataset_inputs',
    'tracking_datasets',
    'logged_model_metrics',
    'logged_model_tags',
    'logged_model_params',
    'logged_models',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}

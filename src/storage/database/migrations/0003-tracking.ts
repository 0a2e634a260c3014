import { type Kysely, sql } from 'kysely';

/** Experiment tracking, shaped after MLflow's SQL store so the MLflow REST API maps onto it directly. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('experiments')
    .addColumn('experiment_id', 'integer', (column) => column.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('name', 'text', (column) => column.notNull().unique())
    .addColumn('artifact_location', 'text', (column) => column.notNull())
    .addColumn('lifecycle_stage', 'text', (column) => column.notNull().defaultTo('active'))
    .addColumn('creation_time', 'bigint', (column) => column.notNull())
    .addColumn('last_update_time', 'bigint', (column) => column.notNull())
    .execute();
  // MLflow's default experiment is "0"; identity values start at 1, so 0 stays reserved for it.
  const now = Date.now();
  await sql`insert into experiments (experiment_id, name, artifact_location, creation_time, last_update_time)
    overriding system value values (0, 'Default', 'mlflow-artifacts:/0', ${now}, ${now})`.execute(db);

  await db.schema
    .createTable('experiment_tags')
    .addColumn('experiment_id', 'integer', (column) =>
      column.notNull().references('experiments.experiment_id').onDelete('cascade'),
    )
    .addColumn('key', 'text', (column) => column.notNull())
    .addColumn('value', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('experiment_tags_pk', ['experiment_id', 'key'])
    .execute();

  await db.schema
    .createTable('runs')
    .addColumn('run_id', 'text', (column) => column.primaryKey())
    .addColumn('experiment_id', 'integer', (column) =>
      column.notNull().references('experiments.experiment_id'),
    )
    .addColumn('run_name', 'text', (column) => column.notNull())
    .addColumn('user_id', 'text', (column) => column.notNull().defaultTo(''))
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('start_time', 'bigint', (column) => column.notNull())
    .addColumn('end_time', 'bigint')
    .addColumn('artifact_uri', 'text', (column) => column.notNull())
    .addColumn('lifecycle_stage', 'text', (column) => column.notNull().defaultTo('active'))
    .addColumn('deleted_time', 'bigint')
    .execute();
  await db.schema
    .createIndex('runs_experiment_start')
    .on('runs')
    .columns(['experiment_id', 'start_time'])
    .execute();

  for (const table of ['run_params', 'run_tags'] as const) {
    await db.schema
      .createTable(table)
      .addColumn('run_id', 'text', (column) => column.notNull().references('runs.run_id').onDelete('cascade'))
      .addColumn('key', 'text', (column) => column.notNull())
      .addColumn('value', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['run_id', 'key'])
      .execute();
  }

  // Every logged point; the same (key, value, timestamp, step) twice is kept once, as in MLflow.
  await db.schema
    .createTable('run_metrics')
    .addColumn('run_id', 'text', (column) => column.notNull().references('runs.run_id').onDelete('cascade'))
    .addColumn('key', 'text', (column) => column.notNull())
    .addColumn('value', 'double precision', (column) => column.notNull())
    .addColumn('timestamp', 'bigint', (column) => column.notNull())
    .addColumn('step', 'bigint', (column) => column.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('run_metrics_pk', ['run_id', 'key', 'timestamp', 'step', 'value'])
    .execute();

  // The value GetRun and search use: the point with the highest (step, timestamp, value).
  await db.schema
    .createTable('latest_metrics')
    .addColumn('run_id', 'text', (column) => column.notNull().references('runs.run_id').onDelete('cascade'))
    .addColumn('key', 'text', (column) => column.notNull())
    .addColumn('value', 'double precision', (column) => column.notNull())
    .addColumn('timestamp', 'bigint', (column) => column.notNull())
    .addColumn('step', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('latest_metrics_pk', ['run_id', 'key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'latest_metrics',
    'run_metrics',
    'run_tags',
    'run_params',
    'runs',
    'experiment_tags',
    'experiments',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}

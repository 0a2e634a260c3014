import { type Kysely, sql } from 'kysely';

/**
 * Pipelines (stage 5): each registered pipeline's pause flag and schedule position, runs, task instances
 * with their attempts, leases and outputs, and task log lines.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('pipelines')
    .addColumn('pipeline_id', 'text', (column) => column.primaryKey())
    .addColumn('is_paused', 'boolean', (column) => column.notNull().defaultTo(false))
    // The logical date of the newest scheduled run: the schedule continues from here.
    .addColumn('last_scheduled_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('pipeline_runs')
    .addColumn('run_id', 'text', (column) => column.primaryKey())
    .addColumn('pipeline_id', 'text', (column) => column.notNull())
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('run_type', 'text', (column) => column.notNull())
    .addColumn('conf', 'jsonb', (column) => column.notNull())
    .addColumn('note', 'text')
    .addColumn('logical_date', 'timestamptz', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('start_date', 'timestamptz')
    .addColumn('end_date', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('pipeline_runs_pipeline')
    .on('pipeline_runs')
    .columns(['pipeline_id', 'created_at'])
    .execute();
  await db.schema.createIndex('pipeline_runs_state').on('pipeline_runs').column('state').execute();

  await db.schema
    .createTable('task_instances')
    .addColumn('run_id', 'text', (column) => column.notNull())
    .addColumn('task_id', 'text', (column) => column.notNull())
    // null until scheduled (Airflow's "none"), then queued, running, success, failed, up_for_retry,
    // upstream_failed or skipped.
    .addColumn('state', 'text')
    .addColumn('try_number', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('max_tries', 'integer', (column) => column.notNull())
    // Upstream tasks not yet succeeded: the last one to finish finds this task ready in one update.
    .addColumn('pending_upstream', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('queued_at', 'timestamptz')
    .addColumn('start_date', 'timestamptz')
    .addColumn('end_date', 'timestamptz')
    .addColumn('duration', 'double precision')
    .addColumn('next_retry_at', 'timestamptz')
    .addColumn('output', 'jsonb')
    .addColumn('error', 'text')
    // Who runs the attempt and when it last said so: a stale heartbeat means the worker died.
    .addColumn('lease_owner', 'text')
    .addColumn('heartbeat_at', 'timestamptz')
    .addPrimaryKeyConstraint('task_instances_pk', ['run_id', 'task_id'])
    .execute();
  await db.schema.createIndex('task_instances_state').on('task_instances').column('state').execute();

  await db.schema
    .createTable('task_logs')
    .addColumn('log_id', 'bigserial', (column) => column.primaryKey())
    .addColumn('run_id', 'text', (column) => column.notNull())
    .addColumn('task_id', 'text', (column) => column.notNull())
    .addColumn('try_number', 'integer', (column) => column.notNull())
    .addColumn('level', 'text', (column) => column.notNull())
    .addColumn('message', 'text', (column) => column.notNull())
    .addColumn('logged_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('task_logs_task')
    .on('task_logs')
    .columns(['run_id', 'task_id', 'log_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('task_logs').execute();
  await db.schema.dropTable('task_instances').execute();
  await db.schema.dropTable('pipeline_runs').execute();
  await db.schema.dropTable('pipelines').execute();
}

import { type Kysely, sql } from 'kysely';

/**
 * What each registered model version's artifacts were at registration: the folder they live in
 * (`artifact_root`, a path of the MLflow artifact proxy) and one row per file with its SHA-256. Serving
 * checks every file it loads against these rows, and the artifact routes refuse writes under a root.
 * Versions registered before this migration have no root yet; their hashes are recorded at their first load.
 *
 * Also the live event stream's tickets: short-lived, single-use stand-ins for an API token in the stream's
 * URL (browsers' EventSource cannot send headers), kept hashed, shared by every replica.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('model_versions').addColumn('artifact_root', 'text').execute();
  await db.schema
    .createTable('model_version_artifacts')
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('path', 'text', (column) => column.notNull())
    .addColumn('sha256', 'text', (column) => column.notNull())
    .addColumn('size_bytes', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('model_version_artifacts_pk', ['name', 'version', 'path'])
    .addForeignKeyConstraint(
      'model_version_artifacts_fk',
      ['name', 'version'],
      'model_versions',
      ['name', 'version'],
      (constraint) => constraint.onDelete('cascade').onUpdate('cascade'),
    )
    .execute();
  await sql`create index model_versions_artifact_root_idx on model_versions (artifact_root)`.execute(db);
  await db.schema
    .createTable('stream_tickets')
    .addColumn('ticket_hash', 'text', (column) => column.primaryKey())
    .addColumn('token_id', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
    .execute();
  // Versions already registered in the proxy are protected from now on; their hashes follow at first load.
  await sql`update model_versions
    set artifact_root = regexp_replace(regexp_replace(source, '^mlflow-artifacts:(//[^/]*)?/?', ''), '/+$', '')
    where source like 'mlflow-artifacts:%'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('stream_tickets').execute();
  await db.schema.dropTable('model_version_artifacts').execute();
  await sql`drop index model_versions_artifact_root_idx`.execute(db);
  await db.schema.alterTable('model_versions').dropColumn('artifact_root').execute();
}

import { type ExpressionBuilder, sql } from 'kysely';
import type { ArtifactStore, DatabaseSchema, MetadataDb } from '../storage/index.js';
import { hashArtifactFolder, resolveArtifactRoot, saveRecordedArtifacts } from './artifact-integrity.js';
import type { ModelVersion, Stage } from './model-registry.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { getRegisteredModel } from './registered-model-store.js';
import {
  checkVersionSource,
  type FilterOperator,
  parseRegistryFilter,
  parseVersion,
} from './registry-validation.js';
import { getRun, type Run } from './run-store.js';
import { invalid, missing, validateKey } from './tracking-errors.js';

/** Versions of registered models: register (hashing their files), read, search, update, delete, tags. */

/**
 * Registers a version: its source folder is fixed and every file in it hashed (SHA-256) into the database,
 * so the files are immutable from then on and serving can check what it loads against the registry.
 */
export async function createModelVersion(
  db: MetadataDb,
  input: {
    name: string;
    source: string;
    /** The store the source's files are in: they are hashed at registration. */
    artifacts: ArtifactStore;
    runId?: string;
    runLink?: string;
    description?: string;
    tags?: { key: string; value: string }[];
    modelId?: string;
  },
  now = Date.now(),
): Promise<ModelVersion> {
  await getRegisteredModel(db, input.name);
  if (input.source.trim() === '') throw invalid("Missing value for required parameter 'source'", 'source');
  checkVersionSource(input.source);
  const root = await resolveArtifactRoot(db, input.source);
  const files = root === undefined ? [] : await hashArtifactFolder(input.artifacts, root);
  const version = await db.transaction().execute(async (trx) => {
    // Lock the model row so concurrent registrations get distinct version numbers.
    await sql`select name from registered_models where name = ${input.name} for update`.execute(trx);
    const { next } = await trx
      .selectFrom('model_versions')
      .select(sql<number>`coalesce(max(version), 0) + 1`.as('next'))
      .where('name', '=', input.name)
      .executeTakeFirstOrThrow();
    const number = Number(next);
    await trx
      .insertInto('model_versions')
      .values({
        name: input.name,
        version: number,
        description: input.description ?? '',
        user_id: '',
        current_stage: 'None',
        source: input.source,
        run_id: input.runId ?? null,
        model_id: input.modelId ?? null,
        run_link: input.runLink ?? '',
        status: 'READY',
        status_message: '',
        creation_timestamp: now,
        last_updated_timestamp: now,
      })
      .execute();
    if (input.tags?.length) {
      await trx
        .insertInto('model_version_tags')
        .values(input.tags.map((tag) => ({ name: input.name, version: number, ...tag })))
        .execute();
    }
    if (root !== undefined) await saveRecordedArtifacts(trx, input.name, number, root, files);
    await trx
      .updateTable('registered_models')
      .set({ last_updated_timestamp: now })
      .where('name', '=', input.name)
      .execute();
    return number;
  });
  return getModelVersion(db, input.name, String(version));
}

export async function getModelVersion(db: MetadataDb, name: string, version: string): Promise<ModelVersion> {
  const number = parseVersion(version);
  const row = await db
    .selectFrom('model_versions')
    .selectAll()
    .where('name', '=', name)
    .where('version', '=', number)
    .executeTakeFirst();
  if (row === undefined)
    throw missing(`Model Version (name=${name}, version=${version}) not found`, 'version');
  const [tags, aliases] = await Promise.all([
    db
      .selectFrom('model_version_tags')
      .select(['key', 'value'])
      .where('name', '=', name)
      .where('version', '=', number)
      .orderBy('key')
      .execute(),
    db
      .selectFrom('registered_model_aliases')
      .select('alias')
      .where('name', '=', name)
      .where('version', '=', number)
      .orderBy('alias')
      .execute(),
  ]);
  return {
    name: row.name,
    version: String(row.version),
    creation_timestamp: Number(row.creation_timestamp),
    last_updated_timestamp: Number(row.last_updated_timestamp),
    user_id: row.user_id,
    current_stage: row.current_stage as Stage,
    description: row.description,
    source: row.source,
    run_id: row.run_id ?? '',
    status: 'READY',
    status_message: row.status_message,
    run_link: row.run_link,
    tags,
    aliases: aliases.map((alias) => alias.alias),
    ...(row.model_id ? { model_id: row.model_id } : {}),
  };
}

export async function searchModelVersions(
  db: MetadataDb,
  options: { filter?: string | undefined; maxResults: number; pageToken?: string | undefined },
): Promise<{ versions: ModelVersion[]; nextPageToken: string | undefined }> {
  const offset = decodePageToken(options.pageToken);
  let query = db.selectFrom('model_versions').select(['name', 'version']);
  for (const clause of parseRegistryFilter(options.filter, ['name', 'run_id', 'source'])) {
    if (clause.tag === undefined) {
      query = query.where(clause.field as 'name', clause.operator, clause.value);
      continue;
    }
    const tag = clause.tag;
    const matching = (eb: ExpressionBuilder<DatabaseSchema, 'model_versions'>, operator: FilterOperator) =>
      eb.exists(
        eb
          .selectFrom('model_version_tags')
          .select(sql`1`.as('one'))
          .whereRef('model_version_tags.name', '=', 'model_versions.name')
          .whereRef('model_version_tags.version', '=', 'model_versions.version')
          .where('model_version_tags.key', '=', tag)
          .where('model_version_tags.value', operator, clause.value),
      );
    query = query.where((eb) =>
      clause.operator === '!=' ? eb.not(matching(eb, '=')) : matching(eb, clause.operator),
    );
  }
  const rows = await query
    .orderBy('name')
    .orderBy('version', 'desc')
    .limit(options.maxResults + 1)
    .offset(offset)
    .execute();
  return {
    versions: await Promise.all(
      rows.slice(0, options.maxResults).map((row) => getModelVersion(db, row.name, String(row.version))),
    ),
    nextPageToken:
      rows.length > options.maxResults ? encodePageToken(offset + options.maxResults) : undefined,
  };
}

export async function updateModelVersion(
  db: MetadataDb,
  name: string,
  version: string,
  description: string,
  now = Date.now(),
): Promise<ModelVersion> {
  await getModelVersion(db, name, version);
  await db
    .updateTable('model_versions')
    .set({ description, last_updated_timestamp: now })
    .where('name', '=', name)
    .where('version', '=', Number(version))
    .execute();
  return getModelVersion(db, name, version);
}

export async function deleteModelVersion(db: MetadataDb, name: string, version: string): Promise<void> {
  await getModelVersion(db, name, version);
  await db
    .deleteFrom('model_versions')
    .where('name', '=', name)
    .where('version', '=', Number(version))
    .execute();
}

export async function setModelVersionTag(
  db: MetadataDb,
  name: string,
  version: string,
  key: string,
  value: string,
): Promise<void> {
  await getModelVersion(db, name, version);
  validateKey(key, 'tag');
  await db
    .insertInto('model_version_tags')
    .values({ name, version: Number(version), key, value })
    .onConflict((conflict) => conflict.columns(['name', 'version', 'key']).doUpdateSet({ value }))
    .execute();
}

export async function deleteModelVersionTag(
  db: MetadataDb,
  name: string,
  version: string,
  key: string,
): Promise<void> {
  await getModelVersion(db, name, version);
  await db
    .deleteFrom('model_version_tags')
    .where('name', '=', name)
    .where('version', '=', Number(version))
    .where('key', '=', key)
    .execute();
}

/** The newest version per stage (or of the given stages). */
export async function getLatestVersions(
  db: MetadataDb,
  name: string,
  stages?: string[],
): Promise<ModelVersion[]> {
  const rows = await db
    .selectFrom('model_versions')
    .select(['version', 'current_stage'])
    .where('name', '=', name)
    .orderBy('version', 'desc')
    .execute();
  const wanted = stages?.length ? new Set(stages.map((stage) => stage.toLowerCase())) : undefined;
  const seen = new Set<string>();
  const latest: ModelVersion[] = [];
  for (const row of rows) {
    if (seen.has(row.current_stage) || (wanted && !wanted.has(row.current_stage.toLowerCase()))) continue;
    seen.add(row.current_stage);
    latest.push(await getModelVersion(db, name, String(row.version)));
  }
  return latest.sort((a, b) => Number(a.version) - Number(b.version));
}

/** Every version of a registered model, newest first, each as `getModelVersion` describes it. */
export async function listModelVersions(db: MetadataDb, name: string): Promise<ModelVersion[]> {
  const numbers = await db
    .selectFrom('model_versions')
    .select('version')
    .where('name', '=', name)
    .orderBy('version', 'desc')
    .execute();
  return Promise.all(numbers.map((row) => getModelVersion(db, name, String(row.version))));
}

/** Versions of a model (default: all, oldest first) each with the run that produced it, for comparisons. */
export async function versionsWithRuns(
  db: MetadataDb,
  name: string,
  versions?: string[],
): Promise<{ version: ModelVersion; run: Run | undefined }[]> {
  await getRegisteredModel(db, name);
  const numbers =
    versions && versions.length > 0
      ? versions
      : (
          await db
            .selectFrom('model_versions')
            .select('version')
            .where('name', '=', name)
            .orderBy('version')
            .execute()
        ).map((row) => String(row.version));
  const result: { version: ModelVersion; run: Run | undefined }[] = [];
  for (const number of numbers) {
    const version = await getModelVersion(db, name, number);
    result.push({ version, run: version.run_id === '' ? undefined : await getRun(db, version.run_id) });
  }
  return result;
}

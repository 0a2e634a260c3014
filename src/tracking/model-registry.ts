import { type ExpressionBuilder, sql } from 'kysely';
import type { ArtifactStore, DatabaseSchema, MetadataDb } from '../storage/index.js';
import { hashArtifactFolder, resolveArtifactRoot, saveRecordedArtifacts } from './artifact-integrity.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { getRun, type Run } from './run-store.js';
import { checkLikePattern, exists, invalid, missing, validateKey } from './tracking-errors.js';

export type Stage = 'None' | 'Staging' | 'Production' | 'Archived';
export const STAGES: readonly Stage[] = ['None', 'Staging', 'Production', 'Archived'];

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  current_stage: Stage;
  description: string;
  source: string;
  run_id: string;
  status: 'READY';
  status_message: string;
  run_link: string;
  tags: { key: string; value: string }[];
  aliases: string[];
  /** The MLflow 3 logged model the version was registered from. */
  model_id?: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  description: string;
  latest_versions: ModelVersion[];
  tags: { key: string; value: string }[];
  aliases: { alias: string; version: string }[];
}

/** Who asked for a change and why: recorded with every stage and alias change. */
export interface ChangeContext {
  actor?: string;
  reason?: string;
}

export async function createRegisteredModel(
  db: MetadataDb,
  input: { name: string; description?: string; tags?: { key: string; value: string }[] },
  now = Date.now(),
): Promise<RegisteredModel> {
  const name = validateModelName(input.name);
  if (await findModel(db, name)) throw exists(`Registered Model (name=${name}) already exists.`, 'name');
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('registered_models')
      .values({
        name,
        description: input.description ?? '',
        user_id: '',
        creation_timestamp: now,
        last_updated_timestamp: now,
      })
      .execute();
    if (input.tags?.length)
      await trx
        .insertInto('registered_model_tags')
        .values(input.tags.map((tag) => ({ name, ...tag })))
        .execute();
  });
  return getRegisteredModel(db, name);
}

export async function getRegisteredModel(db: MetadataDb, name: string): Promise<RegisteredModel> {
  const row = await findModel(db, name);
  if (row === undefined) throw missing(`Registered Model with name=${name} not found`, 'name');
  const [tags, aliases, latest] = await Promise.all([
    db
      .selectFrom('registered_model_tags')
      .select(['key', 'value'])
      .where('name', '=', name)
      .orderBy('key')
      .execute(),
    db
      .selectFrom('registered_model_aliases')
      .select(['alias', 'version'])
      .where('name', '=', name)
      .orderBy('alias')
      .execute(),
    getLatestVersions(db, name),
  ]);
  return {
    name: row.name,
    creation_timestamp: Number(row.creation_timestamp),
    last_updated_timestamp: Number(row.last_updated_timestamp),
    user_id: row.user_id,
    description: row.description,
    latest_versions: latest,
    tags,
    aliases: aliases.map((alias) => ({ alias: alias.alias, version: String(alias.version) })),
  };
}

export async function searchRegisteredModels(
  db: MetadataDb,
  options: {
    filter?: string | undefined;
    maxResults: number;
    orderBy?: string[];
    pageToken?: string | undefined;
  },
): Promise<{ models: RegisteredModel[]; nextPageToken: string | undefined }> {
  const offset = decodePageToken(options.pageToken);
  let query = db.selectFrom('registered_models').select('name');
  for (const clause of parseRegistryFilter(options.filter, ['name'])) {
    if (clause.tag === undefined) {
      query = query.where('name', clause.operator, clause.value);
      continue;
    }
    const tag = clause.tag;
    const matching = (eb: ExpressionBuilder<DatabaseSchema, 'registered_models'>, operator: FilterOperator) =>
      eb.exists(
        eb
          .selectFrom('registered_model_tags')
          .select(sql`1`.as('one'))
          .whereRef('registered_model_tags.name', '=', 'registered_models.name')
          .where('registered_model_tags.key', '=', tag)
          .where('registered_model_tags.value', operator, clause.value),
      );
    // `!=` also matches models without the tag, as MLflow's own filter `tag.x != 'true'` expects.
    query = query.where((eb) =>
      clause.operator === '!=' ? eb.not(matching(eb, '=')) : matching(eb, clause.operator),
    );
  }
  for (const order of options.orderBy?.length ? options.orderBy : ['name ASC']) {
    const match = /^\s*(name|timestamp|last_updated_timestamp|creation_timestamp)\s*(ASC|DESC)?\s*$/i.exec(
      order,
    );
    if (match === null) throw invalid(`Invalid order_by clause '${order}'`, 'order_by');
    const column =
      match[1]?.toLowerCase() === 'timestamp'
        ? 'last_updated_timestamp'
        : (match[1]?.toLowerCase() as 'name');
    query = query.orderBy(column, (match[2]?.toLowerCase() ?? 'asc') as 'asc');
  }
  const rows = await query
    .orderBy('name')
    .limit(options.maxResults + 1)
    .offset(offset)
    .execute();
  return {
    models: await Promise.all(
      rows.slice(0, options.maxResults).map((row) => getRegisteredModel(db, row.name)),
    ),
    nextPageToken:
      rows.length > options.maxResults ? encodePageToken(offset + options.maxResults) : undefined,
  };
}

export async function updateRegisteredModel(
  db: MetadataDb,
  name: string,
  description: string,
  now = Date.now(),
): Promise<RegisteredModel> {
  await getRegisteredModel(db, name);
  await db
    .updateTable('registered_models')
    .set({ description, last_updated_timestamp: now })
    .where('name', '=', name)
    .execute();
  return getRegisteredModel(db, name);
}

export async function renameRegisteredModel(
  db: MetadataDb,
  name: string,
  newName: string,
  now = Date.now(),
): Promise<RegisteredModel> {
  await getRegisteredModel(db, name);
  validateModelName(newName);
  if (await findModel(db, newName))
    throw exists(`Registered Model (name=${newName}) already exists.`, 'new_name');
  await db
    .updateTable('registered_models')
    .set({ name: newName, last_updated_timestamp: now })
    .where('name', '=', name)
    .execute();
  return getRegisteredModel(db, newName);
}

export async function deleteRegisteredModel(db: MetadataDb, name: string): Promise<void> {
  await getRegisteredModel(db, name);
  await db.deleteFrom('registered_models').where('name', '=', name).execute();
}

export async function setRegisteredModelTag(
  db: MetadataDb,
  name: string,
  key: string,
  value: string,
): Promise<void> {
  await getRegisteredModel(db, name);
  validateKey(key, 'tag');
  await db
    .insertInto('registered_model_tags')
    .values({ name, key, value })
    .onConflict((conflict) => conflict.columns(['name', 'key']).doUpdateSet({ value }))
    .execute();
}

export async function deleteRegisteredModelTag(db: MetadataDb, name: string, key: string): Promise<void> {
  await getRegisteredModel(db, name);
  await db.deleteFrom('registered_model_tags').where('name', '=', name).where('key', '=', key).execute();
}

/**
 * A version's files must live in the platform's artifact store: `mlflow-artifacts:/…` (what a run's
 * artifact URI is), or a `runs:/<run_id>/…` or `models:/<name>/…` URI that resolves there. Anything else —
 * a local path, `file://`, an HTTP address (cloud metadata endpoints included) — would make serving read
 * files nobody registered through the platform, and is refused naming `source`.
 */
export function checkVersionSource(source: string): void {
  const isInStore = /^(mlflow-artifacts:\/|runs:\/[\w-]+\/|models:\/[^/]+\/)/.test(source);
  const segments = source.split(/[/\\]+/);
  if (
    !isInStore ||
    segments.some((segment) => segment === '..' || segment === '.') ||
    source.includes('\u0000')
  )
    throw invalid(
      `source ${JSON.stringify(source.slice(0, 200))} is not in the artifact store: register a run's artifacts (runs:/<run_id>/model or the run's mlflow-artifacts:/ URI)`,
      'source',
    );
}

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

/**
 * Moves a version to a stage; with `archiveExisting`, the other versions in that stage go to Archived.
 * Each change is recorded in the transition history.
 */
export async function transitionStage(
  db: MetadataDb,
  input: { name: string; version: string; stage: string; archiveExisting: boolean } & ChangeContext,
  now = Date.now(),
): Promise<ModelVersion> {
  const stage = STAGES.find((candidate) => candidate.toLowerCase() === input.stage.toLowerCase());
  if (stage === undefined)
    throw invalid(
      `Invalid Model Version stage: ${input.stage}. Value must be one of ${STAGES.join(', ')}.`,
      'stage',
    );
  const current = await getModelVersion(db, input.name, input.version);
  await db.transaction().execute(async (trx) => {
    if (input.archiveExisting && stage !== 'None' && stage !== 'Archived') {
      const others = await trx
        .selectFrom('model_versions')
        .select(['version', 'current_stage'])
        .where('name', '=', input.name)
        .where('current_stage', '=', stage)
        .where('version', '!=', Number(input.version))
        .execute();
      for (const other of others) {
        await trx
          .updateTable('model_versions')
          .set({ current_stage: 'Archived', last_updated_timestamp: now })
          .where('name', '=', input.name)
          .where('version', '=', other.version)
          .execute();
        await trx
          .insertInto('model_transitions')
          .values({
            name: input.name,
            version: other.version,
            change: 'stage',
            from_value: other.current_stage,
            to_value: 'Archived',
            actor: input.actor ?? '',
            reason: `archived when version ${input.version} moved to ${stage}`,
            created_at: now,
          })
          .execute();
      }
    }
    await trx
      .updateTable('model_versions')
      .set({ current_stage: stage, last_updated_timestamp: now })
      .where('name', '=', input.name)
      .where('version', '=', Number(input.version))
      .execute();
    await trx
      .insertInto('model_transitions')
      .values({
        name: input.name,
        version: Number(input.version),
        change: 'stage',
        from_value: current.current_stage,
        to_value: stage,
        actor: input.actor ?? '',
        reason: input.reason ?? '',
        created_at: now,
      })
      .execute();
  });
  return getModelVersion(db, input.name, input.version);
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

export async function setAlias(
  db: MetadataDb,
  input: { name: string; alias: string; version: string } & ChangeContext,
  now = Date.now(),
): Promise<void> {
  validateAlias(input.alias);
  await getModelVersion(db, input.name, input.version);
  const previous = await db
    .selectFrom('registered_model_aliases')
    .select('version')
    .where('name', '=', input.name)
    .where('alias', '=', input.alias)
    .executeTakeFirst();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('registered_model_aliases')
      .values({ name: input.name, alias: input.alias, version: Number(input.version) })
      .onConflict((conflict) =>
        conflict.columns(['name', 'alias']).doUpdateSet({ version: Number(input.version) }),
      )
      .execute();
    await trx
      .insertInto('model_transitions')
      .values({
        name: input.name,
        version: Number(input.version),
        change: `alias:${input.alias}`,
        from_value: previous === undefined ? null : String(previous.version),
        to_value: input.version,
        actor: input.actor ?? '',
        reason: input.reason ?? '',
        created_at: now,
      })
      .execute();
  });
}

export async function deleteAlias(
  db: MetadataDb,
  input: { name: string; alias: string } & ChangeContext,
  now = Date.now(),
): Promise<void> {
  await getRegisteredModel(db, input.name);
  const previous = await db
    .selectFrom('registered_model_aliases')
    .select('version')
    .where('name', '=', input.name)
    .where('alias', '=', input.alias)
    .executeTakeFirst();
  if (previous === undefined) return;
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('registered_model_aliases')
      .where('name', '=', input.name)
      .where('alias', '=', input.alias)
      .execute();
    await trx
      .insertInto('model_transitions')
      .values({
        name: input.name,
        version: previous.version,
        change: `alias:${input.alias}`,
        from_value: String(previous.version),
        to_value: null,
        actor: input.actor ?? '',
        reason: input.reason ?? '',
        created_at: now,
      })
      .execute();
  });
}

export async function getVersionByAlias(db: MetadataDb, name: string, alias: string): Promise<ModelVersion> {
  await getRegisteredModel(db, name);
  const row = await db
    .selectFrom('registered_model_aliases')
    .select('version')
    .where('name', '=', name)
    .where('alias', '=', alias)
    .executeTakeFirst();
  // MLflow answers a missing alias with INVALID_PARAMETER_VALUE, not a 404.
  if (row === undefined) throw invalid(`Registered model alias ${alias} not found.`, 'alias');
  return getModelVersion(db, name, String(row.version));
}

/** Stage and alias changes of a model, newest first. */
export async function listTransitions(db: MetadataDb, name: string) {
  return db
    .selectFrom('model_transitions')
    .selectAll()
    .where('name', '=', name)
    .orderBy('transition_id', 'desc')
    .execute();
}

function findModel(db: MetadataDb, name: string) {
  return db.selectFrom('registered_models').selectAll().where('name', '=', name).executeTakeFirst();
}

function validateModelName(name: string): string {
  if (typeof name !== 'string' || name.trim() === '')
    throw invalid("Missing value for required parameter 'name'", 'name');
  if (name.length > 256) throw invalid('registered model names are at most 256 characters', 'name');
  return name;
}

function validateAlias(alias: string): void {
  if (!/^[\w-]{1,255}$/.test(alias) || /^v\d+$/i.test(alias) || alias.toLowerCase() === 'latest') {
    throw invalid(
      `Invalid alias name '${alias}': letters, digits, _ and - only; 'latest' and 'v<number>' are reserved`,
      'alias',
    );
  }
}

function parseVersion(version: string): number {
  if (!/^\d{1,9}$/.test(version))
    throw invalid(`Model version must be an integer, got '${version}'`, 'version');
  return Number(version);
}

type FilterOperator = '=' | '!=' | 'like' | 'ilike';

/**
 * Registry filters: `<field> <op> '<value>'` and `tags.<key> <op> '<value>'` (key bare or in backticks),
 * joined by AND; `op` is =, !=, LIKE or ILIKE.
 */
function parseRegistryFilter(
  filter: string | undefined,
  fields: string[],
): { field: string; tag?: string; operator: FilterOperator; value: string }[] {
  if (filter === undefined || filter.trim() === '') return [];
  const clause =
    /^\s*(?:(tags?)\.(?:`([^`]+)`|([\w.-]+))|([a-z_]+))\s*(=|!=|LIKE|ILIKE)\s*'((?:[^']|'')*)'\s*(?:AND\s+|$)/i;
  const clauses: { field: string; tag?: string; operator: FilterOperator; value: string }[] = [];
  let rest = filter;
  while (rest.trim() !== '') {
    const match = clause.exec(rest);
    const field = match?.[4]?.toLowerCase();
    if (match === null || (field !== undefined && !fields.includes(field))) {
      throw invalid(
        `Invalid filter '${filter}': expected clauses like ${fields.map((name) => `${name} = 'x'`).join(', ')} or tags.key = 'v', joined by AND`,
        'filter',
      );
    }
    const operator = (match[5] ?? '=').toLowerCase() as FilterOperator;
    const value = (match[6] ?? '').replaceAll("''", "'");
    if (operator === 'like' || operator === 'ilike') checkLikePattern(value, filter);
    const tag = match[2] ?? match[3];
    clauses.push(
      tag === undefined
        ? { field: field ?? 'name', operator, value }
        : { field: 'tag', tag, operator, value },
    );
    rest = rest.slice(match[0].length);
  }
  return clauses;
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

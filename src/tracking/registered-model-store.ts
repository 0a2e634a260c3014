import { type ExpressionBuilder, sql } from 'kysely';
import type { DatabaseSchema, MetadataDb } from '../storage/index.js';
import type { RegisteredModel } from './model-registry.js';
import { getLatestVersions } from './model-version-store.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { type FilterOperator, parseRegistryFilter, validateModelName } from './registry-validation.js';
import { exists, invalid, missing, validateKey } from './tracking-errors.js';

/** Registered models: create, read, search, update, rename, delete, and their tags. */

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

function findModel(db: MetadataDb, name: string) {
  return db.selectFrom('registered_models').selectAll().where('name', '=', name).executeTakeFirst();
}

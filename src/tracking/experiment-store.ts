import { sql } from 'kysely';
import type { MetadataDb } from '../storage/index.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { checkLikePattern, exists, invalid, missing } from './tracking-errors.js';

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
  tags: { key: string; value: string }[];
}

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export async function createExperiment(
  db: MetadataDb,
  input: { name: string; artifactLocation?: string; tags?: { key: string; value: string }[] },
  now = Date.now(),
): Promise<string> {
  const name = input.name.trim();
  if (name === '') throw invalid("experiment 'name' must be a non-empty string", 'name');
  if (name.length > 500) throw invalid('experiment name is longer than 500 characters', 'name');
  const taken = await db
    .selectFrom('experiments')
    .select('experiment_id')
    .where('name', '=', name)
    .executeTakeFirst();
  if (taken !== undefined) throw exists(`Experiment '${name}' already exists.`, 'name');
  const id = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('experiments')
      .values({
        name,
        artifact_location: '',
        lifecycle_stage: 'active',
        creation_time: now,
        last_update_time: now,
      })
      .returning('experiment_id')
      .executeTakeFirstOrThrow();
    const location = input.artifactLocation ?? `mlflow-artifacts:/${row.experiment_id}`;
    await trx
      .updateTable('experiments')
      .set({ artifact_location: location })
      .where('experiment_id', '=', row.experiment_id)
      .execute();
    if (input.tags !== undefined && input.tags.length > 0) {
      await trx
        .insertInto('experiment_tags')
        .values(
          input.tags.map((tag) => ({ experiment_id: row.experiment_id, key: tag.key, value: tag.value })),
        )
        .execute();
    }
    return row.experiment_id;
  });
  return String(id);
}

export async function getExperiment(db: MetadataDb, experimentId: string): Promise<Experiment> {
  const id = parseExperimentId(experimentId);
  const row = await db
    .selectFrom('experiments')
    .selectAll()
    .where('experiment_id', '=', id)
    .executeTakeFirst();
  if (row === undefined) throw missing(`No Experiment with id=${experimentId} exists`, 'experiment_id');
  return withTags(db, row);
}

export async function getExperimentByName(db: MetadataDb, name: string): Promise<Experiment> {
  const row = await db.selectFrom('experiments').selectAll().where('name', '=', name).executeTakeFirst();
  if (row === undefined) throw missing(`Could not find experiment with name '${name}'`, 'experiment_name');
  return withTags(db, row);
}

/** Every experiment's id, deleted ones too. */
export async function listExperimentIds(db: MetadataDb): Promise<string[]> {
  const rows = await db.selectFrom('experiments').select('experiment_id').execute();
  return rows.map((row) => String(row.experiment_id));
}

export async function searchExperiments(
  db: MetadataDb,
  options: {
    viewType: ViewType;
    maxResults: number;
    pageToken?: string | undefined;
    filter?: string | undefined;
    orderBy?: string[];
  },
): Promise<{ experiments: Experiment[]; nextPageToken: string | undefined }> {
  const offset = decodePageToken(options.pageToken);
  let query = db.selectFrom('experiments').selectAll();
  if (options.viewType !== 'ALL')
    query = query.where('lifecycle_stage', '=', options.viewType === 'ACTIVE_ONLY' ? 'active' : 'deleted');
  for (const clause of parseExperimentFilter(options.filter)) {
    if (clause.kind === 'name') {
      query = query.where('name', clause.operator, clause.value);
    } else {
      query = query.where(({ exists: existsIn, selectFrom }) =>
        existsIn(
          selectFrom('experiment_tags')
            .select(sql`1`.as('one'))
            .whereRef('experiment_tags.experiment_id', '=', 'experiments.experiment_id')
            .where('experiment_tags.key', '=', clause.key)
            .where('experiment_tags.value', clause.operator, clause.value),
        ),
      );
    }
  }
  const orders = options.orderBy?.length ? options.orderBy : ['last_update_time DESC'];
  for (const order of orders) {
    const match =
      /^\s*(?:attributes?\.)?(name|experiment_id|creation_time|last_update_time)\s*(ASC|DESC)?\s*$/i.exec(
        order,
      );
    if (match === null) throw invalid(`Invalid order_by clause '${order}'`, 'order_by');
    query = query.orderBy(
      match[1]?.toLowerCase() as 'name',
      (match[2]?.toLowerCase() ?? 'asc') as 'asc' | 'desc',
    );
  }
  const rows = await query
    .orderBy('experiment_id', 'asc')
    .limit(options.maxResults + 1)
    .offset(offset)
    .execute();
  const page = rows.slice(0, options.maxResults);
  return {
    experiments: await Promise.all(page.map((row) => withTags(db, row))),
    nextPageToken:
      rows.length > options.maxResults ? encodePageToken(offset + options.maxResults) : undefined,
  };
}

export async function renameExperiment(
  db: MetadataDb,
  experimentId: string,
  newName: string,
  now = Date.now(),
): Promise<void> {
  const experiment = await getExperiment(db, experimentId);
  if (newName.trim() === '') throw invalid("'new_name' must be a non-empty string", 'new_name');
  const taken = await db
    .selectFrom('experiments')
    .select('experiment_id')
    .where('name', '=', newName)
    .executeTakeFirst();
  if (taken !== undefined && String(taken.experiment_id) !== experiment.experiment_id) {
    throw exists(`Experiment '${newName}' already exists.`, 'new_name');
  }
  await db
    .updateTable('experiments')
    .set({ name: newName, last_update_time: now })
    .where('experiment_id', '=', Number(experimentId))
    .execute();
}

export async function setExperimentLifecycle(
  db: MetadataDb,
  experimentId: string,
  stage: 'active' | 'deleted',
  now = Date.now(),
): Promise<void> {
  await getExperiment(db, experimentId);
  if (experimentId === '0' && stage === 'deleted')
    throw invalid('The default experiment cannot be deleted', 'experiment_id');
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('experiments')
      .set({ lifecycle_stage: stage, last_update_time: now })
      .where('experiment_id', '=', Number(experimentId))
      .execute();
    // Deleting an experiment deletes its runs, as in MLflow; restoring restores them.
    await trx
      .updateTable('runs')
      .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? now : null })
      .where('experiment_id', '=', Number(experimentId))
      .execute();
  });
}

export async function setExperimentTag(
  db: MetadataDb,
  experimentId: string,
  key: string,
  value: string,
): Promise<void> {
  const experiment = await getExperiment(db, experimentId);
  if (experiment.lifecycle_stage !== 'active')
    throw invalid(`The experiment ${experimentId} must be in the 'active' state`, 'experiment_id');
  await db
    .insertInto('experiment_tags')
    .values({ experiment_id: Number(experimentId), key, value })
    .onConflict((conflict) => conflict.columns(['experiment_id', 'key']).doUpdateSet({ value }))
    .execute();
}

export function parseExperimentId(experimentId: string): number {
  if (!/^\d{1,9}$/.test(experimentId))
    throw missing(`No Experiment with id=${experimentId} exists`, 'experiment_id');
  return Number(experimentId);
}

async function withTags(
  db: MetadataDb,
  row: {
    experiment_id: number;
    name: string;
    artifact_location: string;
    lifecycle_stage: string;
    creation_time: number;
    last_update_time: number;
  },
): Promise<Experiment> {
  const tags = await db
    .selectFrom('experiment_tags')
    .select(['key', 'value'])
    .where('experiment_id', '=', row.experiment_id)
    .orderBy('key')
    .execute();
  return {
    experiment_id: String(row.experiment_id),
    name: row.name,
    artifact_location: row.artifact_location,
    lifecycle_stage: row.lifecycle_stage as 'active' | 'deleted',
    creation_time: Number(row.creation_time),
    last_update_time: Number(row.last_update_time),
    tags,
  };
}

type FilterClause =
  | { kind: 'name'; operator: '=' | '!=' | 'like' | 'ilike'; value: string }
  | { kind: 'tag'; key: string; operator: '=' | '!=' | 'like' | 'ilike'; value: string };

/** Experiment filters: `name = 'x'`, `name LIKE 'a%'`, `tags.key = 'v'`, joined by AND. */
function parseExperimentFilter(filter: string | undefined): FilterClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  return filter.split(/\s+and\s+/i).map((part) => {
    const match =
      /^\s*(attributes?\.name|name|tags?\.(?:`[^`]+`|[\w.\-/ ]+?))\s*(=|!=|LIKE|ILIKE)\s*'((?:[^']|'')*)'\s*$/i.exec(
        part,
      );
    if (match === null)
      throw invalid(
        `Invalid filter '${filter}': expected clauses like name = 'x' or tags.key LIKE 'v%'`,
        'filter',
      );
    const operator = (match[2] ?? '=').toLowerCase() as '=' | '!=' | 'like' | 'ilike';
    const value = (match[3] ?? '').replaceAll("''", "'");
    if (operator === 'like' || operator === 'ilike') checkLikePattern(value, filter);
    const subject = match[1] ?? '';
    if (/^(attributes?\.)?name$/i.test(subject)) return { kind: 'name', operator, value };
    return { kind: 'tag', key: subject.replace(/^tags?\./i, '').replace(/^`|`$/g, ''), operator, value };
  });
}

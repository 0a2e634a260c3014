import type { MetadataDb } from '../storage/index.js';
import { type ChangeContext, type ModelVersion, STAGES } from './model-registry.js';
import { getModelVersion } from './model-version-store.js';
import { getRegisteredModel } from './registered-model-store.js';
import { validateAlias } from './registry-validation.js';
import { invalid } from './tracking-errors.js';

/** Where versions stand: stage transitions and aliases, each change recorded in the transition history. */

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

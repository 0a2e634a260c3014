import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { isDriftAboveThreshold, isEventOf, type PublishedEvent } from '../events/index.js';
import type { Logger } from '../logging/index.js';
import { activeRunOf, type PipelineEngine } from '../pipelines/index.js';
import type { MetadataDb } from '../storage/index.js';
import { recordAction } from './actions.js';

export const RETRAIN_PIPELINE = 'movie_training_pipeline';
// Serialises the check-and-claim of drift-triggered retrains across consumers and processes.
const RETRAIN_LOCK = 0x6d6c7274;

export interface RetrainOnDriftOptions {
  db: MetadataDb;
  engine: PipelineEngine;
  logger: Logger;
  /** After a retrain it started, drift alerts within this window start none. */
  cooldownMs: number;
  onAction?: (outcome: string) => void;
}

/**
 * Drift alert → `movie_training_pipeline` (train, evaluate, promote when better; serving follows the
 * registry). A burst of alerts starts one retrain: alerts under their threshold, alerts while a retrain
 * is queued or running, and alerts within the cool-down after the last one it started are suppressed,
 * each recorded with its reason.
 */
export function retrainOnDrift(options: RetrainOnDriftOptions) {
  const { db, engine, logger } = options;
  const record = async (event: PublishedEvent, outcome: 'suppressed', detail: string, runId?: string) => {
    await recordAction(db, {
      automation: 'retrain_on_drift',
      event_id: event.id,
      event_type: event.type,
      outcome,
      detail,
      run_id: runId ?? null,
    });
    options.onAction?.(outcome);
    logger.info(
      { action: 'AUTOMATION', automation: 'retrain_on_drift', outcome, event_id: event.id, run_id: runId },
      `retrain on drift: ${outcome} (${detail})`,
    );
  };

  return async (event: PublishedEvent): Promise<void> => {
    if (!isEventOf(event, 'model-drift-alerts', 'model.drift_detected')) return;
    const { drift_score: score, threshold } = event.data;
    if (!isDriftAboveThreshold(event.data))
      return record(event, 'suppressed', `drift score ${score} is not above its threshold ${threshold}`);
    // Check and claim under one lock: two alerts handled at once (replicas, partitions) start one retrain.
    const claim = await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${RETRAIN_LOCK})`.execute(trx);
      const active = await activeRunOf(trx, RETRAIN_PIPELINE);
      if (active !== undefined)
        return {
          actionId: undefined,
          detail: `a retrain is already under way: run ${active}`,
          runId: active,
        };
      const last = await trx
        .selectFrom('automation_actions')
        .select(['run_id', 'created_at'])
        .where('automation', '=', 'retrain_on_drift')
        .where('outcome', '=', 'triggered')
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      const sinceMs = last === undefined ? Number.POSITIVE_INFINITY : Date.now() - last.created_at.getTime();
      if (sinceMs < options.cooldownMs)
        return {
          actionId: undefined,
          detail: `cooling down: a retrain started ${Math.round(sinceMs / 1000)} s ago (run ${last?.run_id}); cool-down ${Math.round(options.cooldownMs / 1000)} s`,
          runId: last?.run_id ?? undefined,
        };
      const actionId = randomUUID();
      await trx
        .insertInto('automation_actions')
        .values({
          action_id: actionId,
          automation: 'retrain_on_drift',
          event_id: event.id,
          event_type: event.type,
          outcome: 'triggered',
          detail: `starting ${RETRAIN_PIPELINE}`,
          run_id: null,
        })
        .execute();
      return { actionId, detail: '', runId: undefined };
    });
    if (claim.actionId === undefined)
      return record(event, 'suppressed', claim.detail, claim.runId ?? undefined);
    const actionId = claim.actionId;
    try {
      const run = await engine.trigger(RETRAIN_PIPELINE, {
        runType: 'event',
        note: `drift alert ${event.id}: ${event.data.drift_type} drift ${score.toFixed(3)} > ${threshold} on ${event.data.model_name} v${event.data.model_version}`,
      });
      await db
        .updateTable('automation_actions')
        .set({ detail: `started ${RETRAIN_PIPELINE} run ${run.run_id}`, run_id: run.run_id })
        .where('action_id', '=', actionId)
        .execute();
      options.onAction?.('triggered');
      logger.info(
        {
          action: 'AUTOMATION',
          automation: 'retrain_on_drift',
          outcome: 'triggered',
          event_id: event.id,
          run_id: run.run_id,
        },
        `retrain on drift: triggered ${RETRAIN_PIPELINE} run ${run.run_id}`,
      );
    } catch (error) {
      await db
        .updateTable('automation_actions')
        .set({ outcome: 'failed', detail: `could not start ${RETRAIN_PIPELINE}: ${String(error)}` })
        .where('action_id', '=', actionId)
        .execute();
      options.onAction?.('failed');
      throw error;
    }
  };
}

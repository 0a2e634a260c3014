import type { Logger } from '../../logging/index.js';
import type { PipelineEngine } from '../../pipelines/index.js';
import type { MetadataDb } from '../../storage/index.js';
import type { PublishedEvent } from '../event-bus.js';
import { recordAction } from './actions.js';

export const RETRAIN_PIPELINE = 'movie_training_pipeline';

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
  const record = async (
    event: PublishedEvent,
    outcome: 'triggered' | 'suppressed' | 'failed',
    detail: string,
    runId?: string,
  ) => {
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
    if (event.type !== 'model.drift_detected') return;
    const score = Number(event.data.drift_score);
    const threshold = Number(event.data.threshold);
    if (!(score > threshold))
      return record(event, 'suppressed', `drift score ${score} is not above its threshold ${threshold}`);
    const active = await db
      .selectFrom('pipeline_runs')
      .select('run_id')
      .where('pipeline_id', '=', RETRAIN_PIPELINE)
      .where('state', 'in', ['queued', 'running'])
      .executeTakeFirst();
    if (active !== undefined)
      return record(
        event,
        'suppressed',
        `a retrain is already under way: run ${active.run_id}`,
        active.run_id,
      );
    const last = await db
      .selectFrom('automation_actions')
      .select(['run_id', 'created_at'])
      .where('automation', '=', 'retrain_on_drift')
      .where('outcome', '=', 'triggered')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const sinceMs = last === undefined ? Number.POSITIVE_INFINITY : Date.now() - last.created_at.getTime();
    if (sinceMs < options.cooldownMs)
      return record(
        event,
        'suppressed',
        `cooling down: a retrain started ${Math.round(sinceMs / 1000)} s ago (run ${last?.run_id}); cool-down ${Math.round(options.cooldownMs / 1000)} s`,
        last?.run_id ?? undefined,
      );
    try {
      const run = await engine.trigger(RETRAIN_PIPELINE, {
        runType: 'event',
        note: `drift alert ${event.id}: ${event.data.drift_type} drift ${score.toFixed(3)} > ${threshold} on ${event.data.model_name} v${event.data.model_version}`,
      });
      await record(event, 'triggered', `started ${RETRAIN_PIPELINE} run ${run.run_id}`, run.run_id);
    } catch (error) {
      await record(event, 'failed', `could not start ${RETRAIN_PIPELINE}: ${String(error)}`);
      throw error;
    }
  };
}

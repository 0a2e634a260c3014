import type { MetadataDb } from '../storage/index.js';
import type { ModelVersion } from './model-registry.js';
import { getModelVersion } from './model-version-store.js';
import { getRegisteredModel } from './registered-model-store.js';
import { getRun } from './run-store.js';
import { listTransitions, setAlias, transitionStage } from './stage-alias-store.js';
import { invalid } from './tracking-errors.js';

export const CHAMPION = 'champion';
/** Run param (or tag) naming the dataset version a model was evaluated on. */
export const EVALUATION_DATASET_KEY = 'eval_dataset_version';

export interface Threshold {
  metric: string;
  operator: '>=' | '<=';
  value: number;
}

export interface PromotionPolicy {
  /** The metric that decides "better", e.g. `ndcg_at_10`. */
  metric: string;
  isHigherBetter: boolean;
  /** The candidate must beat the champion by at least this much (absolute, in the metric's unit). */
  minImprovement: number;
  /** Absolute bars every candidate must pass, e.g. `ndcg_at_10 >= 0.05`. */
  thresholds: Threshold[];
}

export const DEFAULT_POLICY: PromotionPolicy = {
  metric: 'ndcg_at_10',
  isHigherBetter: true,
  minImprovement: 0,
  thresholds: [],
};

export interface PromotionDecision {
  name: string;
  candidate: string;
  champion: string | undefined;
  isPromoted: boolean;
  /** Every check, passed or not, in words. */
  reasons: string[];
  candidateMetrics: Record<string, number>;
  championMetrics: Record<string, number> | undefined;
}

/** `ndcg_at_10>=0.05` → a threshold. */
export function parseThreshold(text: string): Threshold {
  const match = /^\s*([\w.\-/ ]+?)\s*(>=|<=)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$/.exec(text);
  if (match === null)
    throw invalid(`threshold "${text}" must look like ndcg_at_10>=0.05 or rmse<=0.9`, 'threshold');
  return { metric: match[1] ?? '', operator: match[2] as '>=' | '<=', value: Number(match[3]) };
}

/**
 * Decides whether `candidate` may replace the champion: it must pass every threshold, have been evaluated
 * on the same dataset version as the champion, and beat the champion's metric by `minImprovement`.
 * Decides only; `promote` acts.
 */
export async function decidePromotion(
  db: MetadataDb,
  name: string,
  candidate: string,
  policy: PromotionPolicy,
): Promise<PromotionDecision> {
  const candidateVersion = await getModelVersion(db, name, candidate);
  const model = await getRegisteredModel(db, name);
  const championVersion = model.aliases.find((alias) => alias.alias === CHAMPION)?.version;
  const candidateEvaluation = await evaluationOf(db, candidateVersion);
  const reasons: string[] = [];
  let isPromoted = true;

  const value = candidateEvaluation.metrics[policy.metric];
  if (value === undefined || Number.isNaN(value)) {
    return reject(`candidate version ${candidate} has no ${policy.metric} metric in its run`);
  }
  for (const threshold of policy.thresholds) {
    const observed = candidateEvaluation.metrics[threshold.metric];
    const passes =
      observed !== undefined &&
      (threshold.operator === '>=' ? observed >= threshold.value : observed <= threshold.value);
    reasons.push(
      `${passes ? 'passes' : 'fails'} ${threshold.metric} ${threshold.operator} ${threshold.value} (is ${observed ?? 'missing'})`,
    );
    if (!passes) isPromoted = false;
  }

  let championMetrics: Record<string, number> | undefined;
  if (championVersion === undefined) {
    reasons.push('no current champion: the first version that passes the thresholds becomes champion');
  } else if (championVersion === candidate) {
    reasons.push(`version ${candidate} is already the champion`);
    isPromoted = false;
  } else {
    const championEvaluation = await evaluationOf(db, await getModelVersion(db, name, championVersion));
    championMetrics = championEvaluation.metrics;
    if (championEvaluation.dataset !== candidateEvaluation.dataset) {
      reasons.push(
        `not comparable: candidate evaluated on ${candidateEvaluation.dataset ?? 'an unrecorded dataset'}, champion on ${championEvaluation.dataset ?? 'an unrecorded dataset'}; evaluate both on the same dataset version`,
      );
      isPromoted = false;
    } else {
      const championValue = championEvaluation.metrics[policy.metric] ?? Number.NaN;
      const gain = policy.isHigherBetter ? value - championValue : championValue - value;
      // A tie is not better: the champion stays (no swap for nothing).
      const beats = Number.isNaN(championValue) || (gain > 0 && gain >= policy.minImprovement);
      reasons.push(
        `${beats ? 'beats' : 'does not beat'} champion version ${championVersion} on ${policy.metric}: ${value} vs ${championValue} (needs ${policy.isHigherBetter ? '+' : '-'}${policy.minImprovement})`,
      );
      if (!beats) isPromoted = false;
    }
  }
  return {
    name,
    candidate,
    champion: championVersion,
    isPromoted,
    reasons,
    candidateMetrics: candidateEvaluation.metrics,
    championMetrics,
  };

  function reject(reason: string): PromotionDecision {
    return {
      name,
      candidate,
      champion: championVersion,
      isPromoted: false,
      reasons: [reason],
      candidateMetrics: candidateEvaluation.metrics,
      championMetrics: undefined,
    };
  }
}

/**
 * Makes `version` the champion: stage Production (the previous Production version is archived) and alias
 * `champion`. Every change goes to the transition history with who and why, which is also the registry's
 * event outbox.
 */
export async function promote(
  db: MetadataDb,
  name: string,
  version: string,
  context: { actor: string; reason: string },
): Promise<ModelVersion> {
  await transitionStage(db, { name, version, stage: 'Production', archiveExisting: true, ...context });
  await setAlias(db, { name, alias: CHAMPION, version, ...context });
  return getModelVersion(db, name, version);
}

/** Gives the champion alias (and Production stage) back to the version that held it before the last change. */
export async function rollback(
  db: MetadataDb,
  name: string,
  context: { actor: string; reason: string },
): Promise<{ from: string; to: string }> {
  const changes = (await listTransitions(db, name)).filter((change) => change.change === `alias:${CHAMPION}`);
  const last = changes[0];
  if (last === undefined || last.from_value === null) {
    throw invalid(`model ${name} has no earlier champion to roll back to`, 'name');
  }
  const to = last.from_value;
  await getModelVersion(db, name, to);
  await promote(db, name, to, {
    actor: context.actor,
    reason: `rollback from version ${last.to_value}: ${context.reason}`,
  });
  return { from: last.to_value ?? '', to };
}

async function evaluationOf(
  db: MetadataDb,
  version: ModelVersion,
): Promise<{ metrics: Record<string, number>; dataset: string | undefined }> {
  if (version.run_id === '') return { metrics: {}, dataset: undefined };
  const run = await getRun(db, version.run_id);
  const metrics = Object.fromEntries(run.data.metrics.map((metric) => [metric.key, metric.value]));
  const dataset =
    run.data.params.find((param) => param.key === EVALUATION_DATASET_KEY)?.value ??
    run.data.tags.find((tag) => tag.key === EVALUATION_DATASET_KEY)?.value;
  return { metrics, dataset };
}

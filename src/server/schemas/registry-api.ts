import { z } from 'zod';

/** The registry's convenience routes under `/mlflow/...` (routes/registry-routes.ts). */

const Tag = z.object({ key: z.string(), value: z.string() });
const Stage = z.enum(['None', 'Staging', 'Production', 'Archived']);

export const Experiment = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string(),
  lifecycle_stage: z.enum(['active', 'deleted']),
  creation_time: z.number(),
  last_update_time: z.number(),
  tags: z.array(Tag),
});
export type Experiment = z.input<typeof Experiment>;

export const ExperimentList = z.object({ experiments: z.array(Experiment), count: z.number() });
export const ExperimentCreated = z.object({
  experiment: Experiment,
  /** `already_exists` when an active experiment of that name was there (HTTP 200, not 201). */
  status: z.literal('already_exists').optional(),
});

export const ModelVersion = z.object({
  name: z.string(),
  version: z.string(),
  creation_timestamp: z.number(),
  last_updated_timestamp: z.number(),
  user_id: z.string(),
  current_stage: Stage,
  description: z.string(),
  source: z.string(),
  run_id: z.string(),
  status: z.literal('READY'),
  status_message: z.string(),
  run_link: z.string(),
  tags: z.array(Tag),
  aliases: z.array(z.string()),
  /** The MLflow 3 logged model the version was registered from. */
  model_id: z.string().optional(),
});
export type ModelVersion = z.input<typeof ModelVersion>;

export const RegisteredModelSummary = z.object({
  name: z.string(),
  creation_timestamp: z.number(),
  last_updated_timestamp: z.number(),
  user_id: z.string(),
  description: z.string(),
  latest_versions: z.array(ModelVersion),
  tags: z.array(Tag),
  aliases: z.array(z.object({ alias: z.string(), version: z.string() })),
});
export type RegisteredModelSummary = z.input<typeof RegisteredModelSummary>;

export const ModelList = z.object({ models: z.array(RegisteredModelSummary), count: z.number() });
export type ModelList = z.input<typeof ModelList>;

/** One stage or alias change of a model (`change`: `stage` or `alias:<name>`). */
export const ModelChange = z.object({
  transition_id: z.number(),
  name: z.string(),
  version: z.number(),
  change: z.string(),
  from_value: z.string().nullable(),
  to_value: z.string().nullable(),
  actor: z.string(),
  reason: z.string(),
  created_at: z.number(),
});
export type ModelChange = z.input<typeof ModelChange>;

/** `GET /mlflow/models/:name`: the model, every version and its change history (newest first). */
export const ModelTimeline = RegisteredModelSummary.extend({
  versions: z.array(ModelVersion),
  history: z.array(ModelChange),
});
export type ModelTimeline = z.input<typeof ModelTimeline>;

export const StageTransition = z.object({ model_version: ModelVersion });

export const PromotionDecision = z.object({
  name: z.string(),
  candidate: z.string(),
  champion: z.string().optional(),
  isPromoted: z.boolean(),
  /** Every check, passed or not, in words. */
  reasons: z.array(z.string()),
  candidateMetrics: z.record(z.string(), z.number()),
  championMetrics: z.record(z.string(), z.number()).optional(),
});

/** `POST /mlflow/models/:name/promote-to-production`: the version and the policy's decision. */
export const PromotionAnswer = z.union([
  z.object({
    model_version: ModelVersion,
    decision: z.object({ isPromoted: z.literal(false), reasons: z.array(z.string()) }),
    status: z.literal('already_champion'),
  }),
  z.object({ model_version: ModelVersion, decision: PromotionDecision }),
]);
export type PromotionAnswer = z.input<typeof PromotionAnswer>;

export const RollbackAnswer = z.object({ from: z.string(), to: z.string() });
export type RollbackAnswer = z.input<typeof RollbackAnswer>;

export const VersionComparison = z.object({
  version: z.string(),
  current_stage: z.string(),
  aliases: z.array(z.string()),
  run_id: z.string(),
  params: z.record(z.string(), z.string()),
  /** A metric that is not finite (NaN, Infinity) is given as its string. */
  metrics: z.record(z.string(), z.union([z.number(), z.string()])),
});
export type VersionComparison = z.input<typeof VersionComparison>;

export const ModelComparison = z.object({ name: z.string(), versions: z.array(VersionComparison) });
export type ModelComparison = z.input<typeof ModelComparison>;

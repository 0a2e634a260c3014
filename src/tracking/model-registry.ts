/**
 * The model registry's shapes (MLflow's): registered models, their versions, stages and aliases. The
 * registry itself is `registered-model-store.ts`, `model-version-store.ts` and `stage-alias-store.ts`.
 */

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

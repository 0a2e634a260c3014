/** The model registry's convenience routes under `/mlflow/models`. Types: src/server/schemas/registry-api.ts. */
import type {
  ModelComparison,
  ModelList,
  ModelTimeline,
  PromotionAnswer,
  RollbackAnswer,
} from '../../../src/server/schemas/registry-api';
import { getJson, postJson } from './http';

export type {
  ModelChange,
  ModelTimeline,
  PromotionAnswer,
  RegisteredModelSummary,
  VersionComparison,
} from '../../../src/server/schemas/registry-api';

export const fetchModels = () => getJson<ModelList>('/mlflow/models');
export const fetchModelVersions = (name: string) =>
  getJson<ModelComparison>(`/mlflow/models/${encodeURIComponent(name)}/compare`);
/** A registered model's versions (when each was registered) and its change history (promotions, rollbacks). */
export const fetchModelHistory = (name: string) =>
  getJson<ModelTimeline>(`/mlflow/models/${encodeURIComponent(name)}`);
export const promoteVersion = (name: string, version: string, force: boolean) =>
  postJson<PromotionAnswer>(
    `/mlflow/models/${encodeURIComponent(name)}/promote-to-production?version=${version}`,
    {
      force,
      reason: force ? 'promoted from the web UI despite the policy' : 'promoted from the web UI',
    },
  );
export const rollbackModel = (name: string) =>
  postJson<RollbackAnswer>(`/mlflow/models/${encodeURIComponent(name)}/rollback`, {
    reason: 'rolled back from the web UI',
  });

import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Platform } from '../../platform/index.js';
import { trackingService } from '../../tracking/index.js';
import { Empty, ExperimentAnswer, ExperimentId, ExperimentSearch } from '../schemas/mlflow-api.js';
import { setMlflowErrorHandling } from './mlflow-errors.js';
import { keyValue, mlflowRpc, orderBy, viewType } from './mlflow-rpc.js';
import { registerMlflowRunRoutes } from './mlflow-run-routes.js';
import { int64 } from './wire-numbers.js';

/**
 * The MLflow tracking REST API (`/api/2.0/mlflow/...`, also under `/ajax-api/`), with MLflow's field
 * names, enums, page tokens and error format, so the official `mlflow` client works unchanged.
 */
export function mlflowRoutes(platform: Platform): FastifyPluginAsyncZod {
  const tracking = trackingService(platform);
  return async (app) => {
    setMlflowErrorHandling(app as unknown as FastifyInstance);
    for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
      const { get, post } = mlflowRpc(app, prefix);
      post(
        'experiments/create',
        z.object({
          name: z.string(),
          artifact_location: z.string().optional(),
          tags: z.array(keyValue).optional(),
        }),
        'Create an experiment',
        ExperimentId,
        async (body) => ({
          experiment_id: await tracking.createExperiment({
            name: body.name,
            ...(body.artifact_location ? { artifactLocation: body.artifact_location } : {}),
            ...(body.tags ? { tags: body.tags } : {}),
          }),
        }),
      );
      get(
        'experiments/get',
        z.object({ experiment_id: z.string() }),
        'Get an experiment by id',
        ExperimentAnswer,
        async (query) => ({
          experiment: await tracking.getExperiment(query.experiment_id),
        }),
      );
      get(
        'experiments/get-by-name',
        z.object({ experiment_name: z.string() }),
        'Get an experiment by name',
        ExperimentAnswer,
        async (query) => ({
          experiment: await tracking.getExperimentByName(query.experiment_name),
        }),
      );
      const searchExperimentsInput = z.object({
        max_results: int64.pipe(z.number().min(1).max(50_000)).optional(),
        page_token: z.string().optional(),
        filter: z.string().optional(),
        order_by: orderBy.optional(),
        view_type: viewType.optional(),
      });
      const doSearchExperiments = async (input: z.infer<typeof searchExperimentsInput>) => {
        const { experiments, nextPageToken } = await tracking.searchExperiments({
          viewType: input.view_type ?? 'ACTIVE_ONLY',
          maxResults: input.max_results ?? 1000,
          pageToken: input.page_token,
          filter: input.filter,
          ...(input.order_by ? { orderBy: input.order_by } : {}),
        });
        return { experiments, ...(nextPageToken ? { next_page_token: nextPageToken } : {}) };
      };
      post(
        'experiments/search',
        searchExperimentsInput,
        'Search experiments',
        ExperimentSearch,
        doSearchExperiments,
      );
      get(
        'experiments/search',
        searchExperimentsInput,
        'Search experiments',
        ExperimentSearch,
        doSearchExperiments,
      );
      post(
        'experiments/update',
        z.object({ experiment_id: z.string(), new_name: z.string() }),
        'Rename an experiment',
        Empty,
        async (body) => {
          await tracking.renameExperiment(body.experiment_id, body.new_name);
          return {};
        },
      );
      post(
        'experiments/delete',
        z.object({ experiment_id: z.string() }),
        'Delete an experiment and its runs',
        Empty,
        async (body) => {
          await tracking.setExperimentLifecycle(body.experiment_id, 'deleted');
          return {};
        },
      );
      post(
        'experiments/restore',
        z.object({ experiment_id: z.string() }),
        'Restore a deleted experiment',
        Empty,
        async (body) => {
          await tracking.setExperimentLifecycle(body.experiment_id, 'active');
          return {};
        },
      );
      post(
        'experiments/set-experiment-tag',
        z.object({ experiment_id: z.string(), key: z.string(), value: z.string() }),
        'Set an experiment tag',
        Empty,
        async (body) => {
          await tracking.setExperimentTag(body.experiment_id, body.key, body.value);
          return {};
        },
      );

      registerMlflowRunRoutes({ get, post }, platform);
    }
  };
}

import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Platform } from '../../platform/index.js';
import { listProxiedArtifacts, proxyPathOf, streamProxiedArtifact } from '../../tracking/artifact-proxy.js';
import { type LoggedModel, parseLoggedModelStatus, trackingService } from '../../tracking/index.js';
import {
  ArtifactList,
  Empty,
  LoggedModelAnswer,
  LoggedModelSearch,
  type LoggedModel as WireLoggedModel,
} from '../schemas/mlflow-api.js';
import { setMlflowErrorHandling } from './mlflow-errors.js';

const keyValue = z.object({ key: z.string(), value: z.string() });
const int64 = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);
const modelIdParams = z.object({ model_id: z.string().min(1) });
const boolish = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);
const datasetRef = z.object({ dataset_name: z.string(), dataset_digest: z.string().optional() });
const runId = z
  .object({ run_id: z.string().optional(), run_uuid: z.string().optional() })
  .refine((body) => body.run_id || body.run_uuid, {
    message: "Missing value for required parameter 'run_id'",
    path: ['run_id'],
  });

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * MLflow 3's LoggedModel API (`/api/2.0/mlflow/logged-models...`, also under `/ajax-api/`) and the run
 * inputs/outputs it goes with (`runs/log-inputs`, `runs/outputs`): what `mlflow.<flavor>.log_model`,
 * `search_logged_models`, `register_model("models:/<id>")` and `log_input` call.
 */
export function mlflowLoggedModelRoutes(platform: Platform): FastifyPluginAsyncZod {
  const tracking = trackingService(platform);
  const store = platform.artifacts;
  return async (app) => {
    setMlflowErrorHandling(app as unknown as FastifyInstance);
    for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
      const hide = prefix.startsWith('/ajax');
      // Each handler is checked against its response schema by this signature.
      const rpc = <P extends z.ZodType, I extends z.ZodType, R extends z.ZodType>(
        method: Method,
        path: string,
        params: P | undefined,
        // Undefined for DELETEs: the client sends them with a `null` JSON body.
        input: I | undefined,
        summary: string,
        response: R,
        handler: (params: z.infer<P>, input: z.infer<I>) => Promise<z.output<R>>,
      ) =>
        app.route({
          method,
          url: `${prefix}/${path}`,
          schema: {
            ...(params === undefined ? {} : { params }),
            ...(input === undefined ? {} : { [method === 'GET' ? 'querystring' : 'body']: input }),
            tags: ['mlflow'],
            summary,
            hide,
            response: { 200: response as z.ZodType },
          },
          handler: async (request) =>
            handler(
              request.params as z.infer<P>,
              (method === 'GET' ? request.query : request.body) as z.infer<I>,
            ),
        });

      rpc(
        'POST',
        'logged-models',
        undefined,
        z.object({
          experiment_id: z.string().min(1),
          name: z.string().optional(),
          model_type: z.string().optional(),
          source_run_id: z.string().optional(),
          params: z.array(keyValue).optional(),
          tags: z.array(keyValue).optional(),
        }),
        'Create a logged model (MLflow 3), PENDING until finalized',
        LoggedModelAnswer,
        async (_params, body) => ({
          model: toWire(
            await tracking.createLoggedModel({
              experimentId: body.experiment_id,
              name: body.name,
              modelType: body.model_type,
              sourceRunId: body.source_run_id,
              params: body.params ?? [],
              tags: body.tags ?? [],
            }),
          ),
        }),
      );
      rpc(
        'POST',
        'logged-models/search',
        undefined,
        z.object({
          experiment_ids: z.array(z.string()),
          filter: z.string().optional(),
          datasets: z.array(datasetRef).optional(),
          max_results: int64.pipe(z.number().min(1).max(50_000)).optional(),
          order_by: z
            .array(
              z.object({
                field_name: z.string(),
                ascending: z.boolean().optional(),
                dataset_name: z.string().optional(),
                dataset_digest: z.string().optional(),
              }),
            )
            .optional(),
          page_token: z.string().optional(),
        }),
        'Search logged models with an MLflow filter string',
        LoggedModelSearch,
        async (_params, body) => {
          const { models, nextPageToken } = await tracking.searchLoggedModels({
            experimentIds: body.experiment_ids,
            filter: body.filter,
            datasets: body.datasets ?? [],
            maxResults: body.max_results,
            orderBy: body.order_by ?? [],
            pageToken: body.page_token,
          });
          return {
            ...(models.length > 0 ? { models: models.map(toWire) } : {}),
            ...(nextPageToken ? { next_page_token: nextPageToken } : {}),
          };
        },
      );
      rpc(
        'GET',
        'logged-models/:model_id',
        modelIdParams,
        z.object({ allow_deleted: boolish.optional() }),
        'Get a logged model',
        LoggedModelAnswer,
        async (params, query) => ({
          model: toWire(
            await tracking.getLoggedModel(params.model_id, { allowDeleted: query.allow_deleted === true }),
          ),
        }),
      );
      rpc(
        'PATCH',
        'logged-models/:model_id',
        modelIdParams,
        z.object({
          status: z.union([z.string(), z.number().int()]).transform((status, context) => {
            try {
              return parseLoggedModelStatus(status);
            } catch (error) {
              context.addIssue({ code: 'custom', message: (error as Error).message });
              return z.NEVER;
            }
          }),
        }),
        'Finalize a logged model: READY, or FAILED when its upload failed',
        LoggedModelAnswer,
        async (params, body) => ({
          model: toWire(await tracking.finalizeLoggedModel(params.model_id, body.status)),
        }),
      );
      rpc(
        'DELETE',
        'logged-models/:model_id',
        modelIdParams,
        undefined,
        'Delete a logged model',
        Empty,
        async (params) => {
          await tracking.deleteLoggedModel(params.model_id);
          return {};
        },
      );
      rpc(
        'PATCH',
        'logged-models/:model_id/tags',
        modelIdParams,
        z.object({ tags: z.array(keyValue) }),
        'Set tags of a logged model',
        Empty,
        async (params, body) => {
          await tracking.setLoggedModelTags(params.model_id, body.tags);
          return {};
        },
      );
      rpc(
        'DELETE',
        'logged-models/:model_id/tags/:tag_key',
        z.object({ model_id: z.string().min(1), tag_key: z.string().min(1) }),
        undefined,
        'Delete a tag of a logged model',
        Empty,
        async (params) => {
          await tracking.deleteLoggedModelTag(params.model_id, params.tag_key);
          return {};
        },
      );
      rpc(
        'POST',
        'logged-models/:model_id/params',
        modelIdParams,
        z.object({ params: z.array(keyValue) }),
        'Log params of a logged model (write-once)',
        Empty,
        async (params, body) => {
          await tracking.logLoggedModelParams(params.model_id, body.params);
          return {};
        },
      );
      rpc(
        'GET',
        'logged-models/:model_id/artifacts/directories',
        modelIdParams,
        z.object({ artifact_directory_path: z.string().optional(), page_token: z.string().optional() }),
        "List a logged model's artifacts (one directory level)",
        ArtifactList,
        async (params, query) => {
          const model = await tracking.getLoggedModel(params.model_id);
          const root = proxyPathOf(model.info.artifact_uri);
          const relative = (query.artifact_directory_path ?? '').replace(/^\/+|\/+$/g, '');
          const files = await listProxiedArtifacts(
            store,
            relative === '' ? root : `${root}/${relative}`,
            relative,
          );
          return { root_uri: model.info.artifact_uri, ...(files.length > 0 ? { files } : {}) };
        },
      );
      app.get(
        `${prefix}/logged-models/:model_id/artifacts/files`,
        {
          schema: {
            params: modelIdParams,
            querystring: z.object({ artifact_file_path: z.string().min(1) }),
            tags: ['mlflow'],
            summary: "Download one file of a logged model's artifacts",
            hide,
          },
        },
        async (request, reply) => {
          const { model_id } = request.params as z.infer<typeof modelIdParams>;
          const { artifact_file_path } = request.query as { artifact_file_path: string };
          const model = await tracking.getLoggedModel(model_id);
          const path = `${proxyPathOf(model.info.artifact_uri)}/${artifact_file_path.replace(/^\/+/, '')}`;
          const { stream, size, contentType } = await streamProxiedArtifact(store, path);
          const name = path.split('/').at(-1) ?? 'artifact';
          return reply
            .header('content-type', contentType ?? 'application/octet-stream')
            .header('content-length', String(size))
            .header('content-disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`)
            .send(stream);
        },
      );

      rpc(
        'POST',
        'runs/log-inputs',
        undefined,
        z.intersection(
          runId,
          z.object({
            datasets: z
              .array(
                z.object({
                  tags: z.array(keyValue).optional(),
                  dataset: z.object({
                    name: z.string(),
                    digest: z.string(),
                    source_type: z.string(),
                    source: z.string(),
                    schema: z.string().optional(),
                    profile: z.string().optional(),
                  }),
                }),
              )
              .optional(),
            models: z.array(z.object({ model_id: z.string().min(1) })).optional(),
          }),
        ),
        'Log the datasets (and logged models) a run reads',
        Empty,
        async (_params, body) => {
          await tracking.logRunInputs(body.run_id || body.run_uuid || '', {
            datasets: (body.datasets ?? []).map((entry) => ({
              tags: entry.tags ?? [],
              dataset: {
                name: entry.dataset.name,
                digest: entry.dataset.digest,
                source_type: entry.dataset.source_type,
                source: entry.dataset.source,
                ...(entry.dataset.schema === undefined ? {} : { schema: entry.dataset.schema }),
                ...(entry.dataset.profile === undefined ? {} : { profile: entry.dataset.profile }),
              },
            })),
            modelIds: (body.models ?? []).map((model) => model.model_id),
          });
          return {};
        },
      );
      rpc(
        'POST',
        'runs/outputs',
        undefined,
        z.object({
          run_id: z.string().min(1),
          models: z.array(
            z.object({
              model_id: z.string().min(1),
              step: int64.refine(Number.isSafeInteger, 'step must be a safe integer').optional(),
            }),
          ),
        }),
        'Log the logged models a run produced',
        Empty,
        async (_params, body) => {
          await tracking.logRunOutputs(
            body.run_id,
            body.models.map((model) => ({ modelId: model.model_id, step: model.step ?? 0 })),
          );
          return {};
        },
      );
    }
  };
}

/** NaN and infinities are not JSON: like a run's metrics, a model's go out as proto-JSON's strings. */
function toWire(model: LoggedModel): WireLoggedModel {
  return {
    ...model,
    data: {
      ...model.data,
      metrics: model.data.metrics.map((metric) => ({
        ...metric,
        value: Number.isFinite(metric.value) ? metric.value : String(metric.value),
      })),
    },
  };
}

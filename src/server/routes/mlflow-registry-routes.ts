import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ValidationError } from '../../errors/index.js';
import type { Platform } from '../../platform/index.js';
import { registryService } from '../../tracking/index.js';
import {
  DownloadUri,
  Empty,
  ModelVersionAnswer,
  ModelVersionList,
  ModelVersionSearch,
  RegisteredModelAnswer,
  RegisteredModelSearch,
} from '../schemas/mlflow-api.js';
import { setMlflowErrorHandling } from './mlflow-errors.js';
import { int64 } from './wire-numbers.js';

const keyValue = z.object({ key: z.string(), value: z.string() });
const orderBy = z.union([z.array(z.string()), z.string().transform((value) => [value])]);
const stringList = z.union([z.array(z.string()), z.string().transform((value) => [value])]);
const name = z.object({ name: z.string() });
const nameVersion = z.object({
  name: z.string(),
  version: z.union([z.string(), z.number().int().transform(String)]),
});
const boolish = z.union([
  z.boolean(),
  z.enum(['true', 'false', 'True', 'False']).transform((value) => value.toLowerCase() === 'true'),
]);

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** The MLflow model registry REST API: registered models, versions, stages, aliases and tags. */
export function mlflowRegistryRoutes(platform: Platform): FastifyPluginAsyncZod {
  const registry = registryService(platform);
  // The model serving follows must keep its name and versions: renaming or deleting it would take the
  // recommendations down.
  const refuseServedModel = (name: string, what: 'renamed' | 'deleted') => {
    if (name === platform.config.serving.modelName)
      throw new ValidationError(
        `${name} is the model serving follows (MLOPS_SERVING_MODEL) and cannot be ${what}; serve another model first`,
        { field: 'name' },
      );
  };
  return async (app) => {
    setMlflowErrorHandling(app as unknown as FastifyInstance);
    for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
      const hide = prefix.startsWith('/ajax');
      const rpc = <T extends z.ZodType, R extends z.ZodType>(
        methods: Method[],
        path: string,
        input: T,
        summary: string,
        response: R,
        handler: (input: z.infer<T>) => Promise<z.output<R>>,
      ) => {
        for (const method of methods) {
          const where = method === 'GET' ? 'querystring' : 'body';
          app.route({
            method,
            url: `${prefix}/${path}`,
            schema: {
              [where]: input,
              tags: ['mlflow'],
              summary,
              hide,
              response: { 200: response as z.ZodType },
            },
            // `rpc`'s signature checks each handler against its response schema.
            handler: async (request) =>
              (await handler((method === 'GET' ? request.query : request.body) as z.infer<T>)) as unknown,
          });
        }
      };

      rpc(
        ['POST'],
        'registered-models/create',
        name.extend({ tags: z.array(keyValue).optional(), description: z.string().optional() }),
        'Register a model name',
        RegisteredModelAnswer,
        async (body) => ({
          registered_model: await registry.createRegisteredModel({
            name: body.name,
            ...(body.description ? { description: body.description } : {}),
            ...(body.tags ? { tags: body.tags } : {}),
          }),
        }),
      );
      rpc(
        ['GET'],
        'registered-models/get',
        name,
        'Get a registered model',
        RegisteredModelAnswer,
        async (query) => ({
          registered_model: await registry.getRegisteredModel(query.name),
        }),
      );
      rpc(
        ['GET', 'POST'],
        'registered-models/search',
        z.object({
          filter: z.string().optional(),
          max_results: int64.pipe(z.number().min(1).max(1000)).optional(),
          order_by: orderBy.optional(),
          page_token: z.string().optional(),
        }),
        'Search registered models',
        RegisteredModelSearch,
        async (input) => {
          const { models, nextPageToken } = await registry.searchRegisteredModels({
            filter: input.filter,
            maxResults: input.max_results ?? 100,
            pageToken: input.page_token,
            ...(input.order_by ? { orderBy: input.order_by } : {}),
          });
          return {
            ...(models.length ? { registered_models: models } : {}),
            ...(nextPageToken ? { next_page_token: nextPageToken } : {}),
          };
        },
      );
      rpc(
        ['PATCH'],
        'registered-models/update',
        name.extend({ description: z.string().optional() }),
        'Update a description',
        RegisteredModelAnswer,
        async (body) => ({
          registered_model: await registry.updateRegisteredModel(body.name, body.description ?? ''),
        }),
      );
      rpc(
        ['POST'],
        'registered-models/rename',
        name.extend({ new_name: z.string() }),
        'Rename a registered model (not the one serving follows)',
        RegisteredModelAnswer,
        async (body) => {
          refuseServedModel(body.name, 'renamed');
          return { registered_model: await registry.renameRegisteredModel(body.name, body.new_name) };
        },
      );
      rpc(
        ['DELETE'],
        'registered-models/delete',
        name,
        'Delete a registered model and its versions (not the one serving follows)',
        Empty,
        async (body) => {
          refuseServedModel(body.name, 'deleted');
          await registry.deleteRegisteredModel(body.name);
          return {};
        },
      );
      rpc(
        ['POST'],
        'registered-models/set-tag',
        name.extend(keyValue.shape),
        'Set a registered model tag',
        Empty,
        async (body) => {
          await registry.setRegisteredModelTag(body.name, body.key, body.value);
          return {};
        },
      );
      rpc(
        ['DELETE'],
        'registered-models/delete-tag',
        name.extend({ key: z.string() }),
        'Delete a registered model tag',
        Empty,
        async (body) => {
          await registry.deleteRegisteredModelTag(body.name, body.key);
          return {};
        },
      );
      rpc(
        ['GET', 'POST'],
        'registered-models/get-latest-versions',
        name.extend({ stages: stringList.optional() }),
        'Latest version per stage',
        ModelVersionList,
        async (input) => ({
          model_versions: await registry.getLatestVersions(input.name, input.stages),
        }),
      );
      rpc(
        ['POST'],
        'registered-models/alias',
        nameVersion.extend({ alias: z.string() }),
        'Point an alias at a version',
        Empty,
        async (body) => {
          await registry.setAlias({
            name: body.name,
            alias: body.alias,
            version: body.version,
            reason: 'set through the MLflow API',
          });
          return {};
        },
      );
      rpc(
        ['DELETE'],
        'registered-models/alias',
        name.extend({ alias: z.string() }),
        'Delete an alias',
        Empty,
        async (body) => {
          await registry.deleteAlias({
            name: body.name,
            alias: body.alias,
            reason: 'deleted through the MLflow API',
          });
          return {};
        },
      );
      rpc(
        ['GET'],
        'registered-models/alias',
        name.extend({ alias: z.string() }),
        'The version an alias points at',
        ModelVersionAnswer,
        async (query) => ({
          model_version: await registry.getVersionByAlias(query.name, query.alias),
        }),
      );

      rpc(
        ['POST'],
        'model-versions/create',
        name.extend({
          source: z.string(),
          run_id: z.string().optional(),
          tags: z.array(keyValue).optional(),
          run_link: z.string().optional(),
          description: z.string().optional(),
          model_id: z.string().optional(),
        }),
        'Register a new version of a model (from a run’s artifacts or an MLflow 3 logged model)',
        ModelVersionAnswer,
        async (body) => {
          // `models:/<model_id>` becomes the logged model's artifact location, so serving reads it as any other.
          const { source, runId, modelId } = await registry.resolveVersionSource({
            source: body.source,
            runId: body.run_id,
            modelId: body.model_id,
          });
          const version = await registry.createModelVersion({
            name: body.name,
            source,
            artifacts: platform.artifacts,
            ...(runId ? { runId } : {}),
            ...(modelId ? { modelId } : {}),
            ...(body.run_link ? { runLink: body.run_link } : {}),
            ...(body.description ? { description: body.description } : {}),
            ...(body.tags ? { tags: body.tags } : {}),
          });
          if (modelId)
            await registry.recordModelVersion(modelId, { name: version.name, version: version.version });
          return { model_version: version };
        },
      );
      rpc(
        ['GET'],
        'model-versions/get',
        nameVersion,
        'Get a model version',
        ModelVersionAnswer,
        async (query) => ({
          model_version: await registry.getModelVersion(query.name, query.version),
        }),
      );
      rpc(
        ['GET', 'POST'],
        'model-versions/search',
        z.object({
          filter: z.string().optional(),
          max_results: int64.pipe(z.number().min(1).max(200_000)).optional(),
          order_by: orderBy.optional(),
          page_token: z.string().optional(),
        }),
        'Search model versions',
        ModelVersionSearch,
        async (input) => {
          const { versions, nextPageToken } = await registry.searchModelVersions({
            filter: input.filter,
            maxResults: input.max_results ?? 10_000,
            pageToken: input.page_token,
          });
          return {
            ...(versions.length ? { model_versions: versions } : {}),
            ...(nextPageToken ? { next_page_token: nextPageToken } : {}),
          };
        },
      );
      rpc(
        ['PATCH'],
        'model-versions/update',
        nameVersion.extend({ description: z.string().optional() }),
        'Update a version description',
        ModelVersionAnswer,
        async (body) => ({
          model_version: await registry.updateModelVersion(body.name, body.version, body.description ?? ''),
        }),
      );
      rpc(['DELETE'], 'model-versions/delete', nameVersion, 'Delete a model version', Empty, async (body) => {
        await registry.deleteModelVersion(body.name, body.version);
        return {};
      });
      rpc(
        ['POST'],
        'model-versions/transition-stage',
        nameVersion.extend({ stage: z.string(), archive_existing_versions: boolish.optional() }),
        'Move a version to a stage',
        ModelVersionAnswer,
        async (body) => ({
          model_version: await registry.transitionStage({
            name: body.name,
            version: body.version,
            stage: body.stage,
            archiveExisting: body.archive_existing_versions ?? false,
            reason: 'transition through the MLflow API',
          }),
        }),
      );
      rpc(
        ['GET'],
        'model-versions/get-download-uri',
        nameVersion,
        'Where the version’s files are',
        DownloadUri,
        async (query) => ({
          artifact_uri: (await registry.getModelVersion(query.name, query.version)).source,
        }),
      );
      rpc(
        ['POST'],
        'model-versions/set-tag',
        nameVersion.extend(keyValue.shape),
        'Set a model version tag',
        Empty,
        async (body) => {
          await registry.setModelVersionTag(body.name, body.version, body.key, body.value);
          return {};
        },
      );
      rpc(
        ['DELETE'],
        'model-versions/delete-tag',
        nameVersion.extend({ key: z.string() }),
        'Delete a model version tag',
        Empty,
        async (body) => {
          await registry.deleteModelVersionTag(body.name, body.version, body.key);
          return {};
        },
      );
    }
  };
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import type { FeatureStore } from '../../features/index.js';
import { UNKNOWN_USER_KEY, userIdSchema } from '../../identity/index.js';
import type { Platform } from '../../platform/index.js';
import {
  EntityFeatureBatch,
  EntityFeatures,
  FeatureRegistry,
  FeatureViewDetail,
} from '../schemas/feature-api.js';
import { withErrors } from '../schemas/wire.js';

// The answers are built by the feature store in exactly this shape: checking each of up to 100,000 values
// against the schema again would cost more than reading them. The schema still documents the route.
export const plainJson = () => (data: unknown) => JSON.stringify(data);

type ZodApp = Parameters<FastifyPluginAsyncZod>[0];

const reference = z.string().min(1).max(200);

const featureList = z
  .string()
  .max(2000)
  .optional()
  .describe('comma-separated feature names (`popularity` or `movie_catalogue:popularity`); default all');

/**
 * The reference API's online features per entity (`/api/v1/features/...`, on every surface). Registered by
 * featureRoutes, in its scope.
 */
export function registerEntityFeatureRoutes(app: ZodApp, platform: Platform, store: FeatureStore): void {
  app.post(
    '/api/v1/features/batch',
    {
      serializerCompiler: plainJson,
      schema: {
        tags: ['features'],
        summary: 'Online features of many movies or users at once (the reference API)',
        body: z.object({
          entity_ids: z
            .array(z.union([z.number(), z.string()]))
            .min(1)
            .max(100_000),
          features: z.array(reference).max(1000).optional(),
          entity_type: z.string().min(1).max(64).default('movie'),
        }),
        response: { 200: EntityFeatureBatch },
      },
    },
    async (request) => {
      const { entity_ids, features, entity_type } = request.body;
      const keys = await entityKeys(platform, entity_type, entity_ids, 'body.entity_ids');
      const answer = await store.entityFeatures(entity_type, keys, features);
      return {
        entity_type,
        feature_names: answer.feature_names,
        results: answer.rows.map((row, index) => ({
          ...row,
          entity_id: entity_ids[index] ?? row.entity_id,
        })),
        count: answer.rows.length,
      };
    },
  );

  app.get(
    '/api/v1/features/:entity_type/:entity_id',
    {
      schema: {
        tags: ['features'],
        summary: 'Online features of one movie or user, e.g. /api/v1/features/movie/123 (the reference API)',
        params: z.object({ entity_type: z.string().min(1).max(64), entity_id: z.string().min(1).max(200) }),
        querystring: z.object({ features: featureList }),
        response: withErrors({ 200: EntityFeatures }),
      },
    },
    async (request) => {
      const { entity_type, entity_id } = request.params;
      const registry = await store.online.currentRegistry();
      const entity = registry.entities.find((item) => item.name === entity_type);
      let id: number | string = entity_id;
      if (entity_type === 'user') {
        id =
          (await entityKeys(platform, entity_type, [entity_id], 'params.entity_id'))[0] ?? UNKNOWN_USER_KEY;
      } else if (entity?.valueType === 'int64') {
        // `123`, or the seed guide's `movie_123`.
        const prefix = `${entity_type}_`;
        const digits = entity_id.startsWith(prefix) ? entity_id.slice(prefix.length) : entity_id;
        if (!/^\d{1,15}$/.test(digits))
          throw new ValidationError(`entity_id must be an integer (got "${entity_id}")`, {
            field: 'params.entity_id',
          });
        id = Number(digits);
      }
      const features = request.query.features
        ?.split(',')
        .map((name) => name.trim())
        .filter(Boolean);
      const answer = await store.entityFeatures(entity_type, [id], features);
      const row = answer.rows[0];
      if (row === undefined) throw new Error('no row answered');
      return { entity_type, ...row, entity_id: entity_type === 'user' ? entity_id : row.entity_id };
    },
  );
}

/** The registry with each view's builds, statistics and materialization state, for the UI. */
export function registerFeatureRegistryRoutes(app: ZodApp, _platform: Platform, store: FeatureStore): void {
  app.get(
    '/api/v1/features/registry',
    {
      schema: {
        tags: ['features'],
        summary:
          'Applied entities, feature views, on-demand views and services, with each view’s latest build',
        response: withErrors({ 200: FeatureRegistry }),
      },
    },
    async () => {
      const registry = await store.registry();
      const views = (await store.featureViewSummaries()).map(({ object, build, materialization }) => ({
        ...object,
        latest_build:
          build === undefined
            ? null
            : {
                build_id: build.build_id,
                row_count: build.row_count,
                created_at: build.created_at,
                is_valid: build.validation.passed,
                dataset_version_id: build.dataset_version_id,
              },
        materialization: materialization ?? null,
      }));
      const of = (kind: string) => registry.objects.filter((object) => object.kind === kind);
      return {
        online_store: store.onlineStore.backend,
        entities: of('entity'),
        feature_views: views,
        on_demand_feature_views: of('on_demand_feature_view'),
        feature_services: of('feature_service'),
      };
    },
  );

  app.get(
    '/api/v1/features/views/:name',
    {
      schema: {
        tags: ['features'],
        summary: 'One feature view: its versions, builds with statistics and validation, and materialization',
        params: z.object({ name: z.string().min(1).max(64) }),
        response: withErrors({ 200: FeatureViewDetail }),
      },
    },
    async (request) => {
      const history = await store.definitionHistory(request.params.name);
      const current = history.find(
        (item) => item.kind === 'feature_view' || item.kind === 'on_demand_feature_view',
      );
      if (current === undefined) {
        throw new NotFoundError(`no feature view named ${request.params.name}`, { field: 'params.name' });
      }
      const builds = await store.builds(request.params.name, 10);
      const materialized = await store.materializationState();
      return {
        name: current.name,
        kind: current.kind,
        version: current.version,
        is_removed: current.removed_at !== null,
        spec: current.spec,
        versions: history.map((item) => ({
          version: item.version,
          applied_at: item.applied_at,
          removed_at: item.removed_at,
        })),
        builds,
        materialization: materialized.find((item) => item.feature_view === current.name) ?? null,
      };
    },
  );
}

/** Users are looked up by any external id (a string id through the identity map); other entities as given. */
async function entityKeys(
  platform: Platform,
  entityType: string,
  ids: readonly (number | string)[],
  field: string,
): Promise<(number | string)[]> {
  if (entityType !== 'user') return [...ids];
  return Promise.all(
    ids.map(async (id, index) => {
      const parsed = userIdSchema.safeParse(id);
      if (!parsed.success)
        throw new ValidationError(
          `${field}.${index}: ${parsed.error.issues[0]?.message ?? 'not a user id'}`,
          {
            field: `${field}.${index}`,
          },
        );
      return (await platform.users.find(parsed.data)) ?? UNKNOWN_USER_KEY;
    }),
  );
}

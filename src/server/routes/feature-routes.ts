import type { FastifyError, FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ValidationError } from '../../errors/index.js';
import { type ColumnarFrame, type FeatureStore, parseTimestamp } from '../../features/index.js';
import { userIdSchema } from '../../identity/index.js';
import type { Platform } from '../../platform/index.js';
import { FeatureStatus } from '../schemas/feature-api.js';
import {
  plainJson,
  registerEntityFeatureRoutes,
  registerFeatureRegistryRoutes,
} from './feature-entity-routes.js';

const reference = z.string().min(1).max(200);
// Entity values are checked against their entity's key type by the feature store, naming the index.
const entityColumn = z.array(z.unknown()).max(100_000, { error: 'at most 100000 values per entity column' });

// Feast's data frame as JSON: column → values. Each value is checked against its view's schema, naming it.
// A single value stands for every row, as pandas broadcasts it (Feast's own docs send `"string_feature": "x"`).
const frame = z
  .record(
    z.string().min(1).max(200),
    z.union([
      z.array(z.unknown()).max(100_000, { error: 'at most 100000 values per column' }),
      z.union([z.string(), z.number(), z.boolean(), z.null()]),
    ]),
  )
  .describe(
    'column → one value per row (or one value for every row): join keys, the timestamp column and every feature of the view',
  )
  .transform((df, context): ColumnarFrame => {
    const lengths = Object.values(df).flatMap((values) => (Array.isArray(values) ? [values.length] : []));
    const rows = lengths[0];
    if (rows === undefined) {
      context.addIssue({ code: 'custom', message: 'give at least one column as a list of values' });
      return {};
    }
    return Object.fromEntries(
      Object.entries(df).map(([name, values]) => [
        name,
        Array.isArray(values) ? values : new Array<unknown>(rows).fill(values),
      ]),
    );
  });

// ISO 8601, as Feast's clients send it (`2026-01-01T00:00:00`, no zone = UTC); parsed to ms since the epoch.
const timestamp = z
  .string()
  .max(64)
  .refine((text) => parseTimestamp(text) !== undefined, {
    error: 'must be an ISO 8601 timestamp like 2026-01-01T00:00:00Z',
  })
  .transform((text) => parseTimestamp(text) as number);

const OnlineResponse = z.object({
  metadata: z.object({ feature_names: z.array(z.string()) }),
  results: z.array(
    z.object({
      values: z.array(z.unknown()),
      statuses: z.array(FeatureStatus),
      event_timestamps: z.array(z.string()),
    }),
  ),
});

/**
 * Feature serving (stage 2): Feast's `POST /get-online-features`, the reference's per-entity routes, and
 * the registry with each view's builds, statistics and materialization state (for the UI).
 */
export function featureRoutes(
  platform: Platform,
  store: FeatureStore,
  options: { surface: 'all' | 'serving' },
): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onClose', async () => {
      await store.close();
    });
    acceptUntypedJson(app);

    app.post(
      '/get-online-features',
      {
        serializerCompiler: plainJson,
        schema: {
          tags: ['features'],
          summary: "Online features for entity rows (Feast's feature server request and response)",
          body: z
            .object({
              features: z
                .array(reference)
                .max(1000)
                .optional()
                .describe('`view:feature` or `view` references'),
              feature_service: z.string().min(1).max(200).optional(),
              entities: z
                .record(z.string().max(200), entityColumn)
                .describe('join key → one value per entity row'),
              full_feature_names: z.boolean().default(false).describe('name features `view__feature`'),
            })
            .refine((body) => (body.features === undefined) !== (body.feature_service === undefined), {
              error: 'give either features or feature_service',
              path: ['features'],
            }),
          response: { 200: OnlineResponse },
        },
      },
      async (request) => {
        const entities = await withUserKeys(platform, request.body.entities);
        const answer = await store.getOnlineFeatures({
          ...(request.body.features === undefined ? {} : { features: request.body.features }),
          ...(request.body.feature_service === undefined
            ? {}
            : { featureService: request.body.feature_service }),
          entities,
          fullFeatureNames: request.body.full_feature_names,
        });
        // Answer with the ids as asked, not the keys they were looked up by.
        const column = answer.metadata.feature_names.indexOf('user_id');
        const result = answer.results[column];
        if (entities !== request.body.entities && result !== undefined)
          result.values = [...(request.body.entities.user_id ?? result.values)];
        return answer;
      },
    );

    app.post(
      '/push',
      {
        schema: {
          tags: ['features'],
          summary:
            "Push rows to the views a push source feeds (Feast's POST /push): online, offline or both; answers an empty 200",
          body: z.object({
            push_source_name: z.string().min(1).max(200).describe('e.g. `movie_catalogue_push`'),
            df: frame,
            to: z
              .enum(['online', 'offline', 'online_and_offline'], {
                error: 'must be online, offline or online_and_offline',
              })
              .default('online'),
            allow_registry_cache: z.boolean().default(true),
            transform_on_write: z.boolean().default(true).describe('accepted for Feast clients; no effect'),
          }),
        },
      },
      async (request, reply) => {
        const { push_source_name, to, allow_registry_cache } = request.body;
        const results = await store.push({
          pushSourceName: push_source_name,
          df: await withWriteUserKeys(platform, request.body.df),
          to,
          allowRegistryCache: allow_registry_cache,
        });
        logWrites(request.log, 'PUSH', results);
        return reply.code(200).send();
      },
    );

    app.post(
      '/write-to-online-store',
      {
        serializerCompiler: plainJson,
        schema: {
          tags: ['features'],
          summary:
            "Write rows of one feature view to the online store (Feast's POST /write-to-online-store, used by its remote online store)",
          body: z.object({
            feature_view_name: z.string().min(1).max(200),
            df: frame,
            allow_registry_cache: z.boolean().default(true),
            transform_on_write: z.boolean().default(true).describe('accepted for Feast clients; no effect'),
          }),
          response: { 200: z.null() },
        },
      },
      async (request) => {
        const result = await store.writeToOnlineStore({
          featureViewName: request.body.feature_view_name,
          df: await withWriteUserKeys(platform, request.body.df),
          allowRegistryCache: request.body.allow_registry_cache,
        });
        logWrites(request.log, 'WRITE_ONLINE', [result]);
        return null;
      },
    );

    registerEntityFeatureRoutes(app, platform, store);

    if (options.surface === 'serving') return;

    app.post(
      '/materialize',
      {
        serializerCompiler: plainJson,
        schema: {
          tags: ['features'],
          summary:
            "Materialize the latest value per entity between start_ts and end_ts into the online store (Feast's POST /materialize)",
          body: z.object({
            start_ts: timestamp.optional(),
            end_ts: timestamp.optional(),
            feature_views: z.array(z.string().min(1).max(200)).max(1000).optional(),
            disable_event_timestamp: z
              .boolean()
              .default(false)
              .describe('true: everything up to now, start_ts and end_ts not needed'),
            full_feature_names: z.boolean().default(false).describe('accepted for Feast clients; no effect'),
          }),
          response: { 200: z.null() },
        },
      },
      async (request) => {
        const body = request.body;
        let startTime: Date | undefined;
        let endTime: Date;
        if (body.disable_event_timestamp) {
          startTime = new Date(0);
          endTime = new Date();
        } else {
          if (body.start_ts === undefined || body.end_ts === undefined) {
            throw new ValidationError(
              'start_ts and end_ts are required unless disable_event_timestamp is true',
              {
                field: body.start_ts === undefined ? 'body.start_ts' : 'body.end_ts',
              },
            );
          }
          startTime = new Date(body.start_ts);
          endTime = new Date(body.end_ts);
          if (startTime.getTime() >= endTime.getTime()) {
            throw new ValidationError(
              `start_ts (${startTime.toISOString()}) must be before end_ts (${endTime.toISOString()})`,
              { field: 'body.start_ts' },
            );
          }
        }
        const results = await store.materialize({
          ...(body.feature_views === undefined ? {} : { views: body.feature_views }),
          startTime,
          endTime,
        });
        request.log.info(
          {
            component: 'FEATURE_STORE',
            action: 'MATERIALIZE',
            views: results.map((item) => item.feature_view),
          },
          'materialized on request',
        );
        return null;
      },
    );

    app.post(
      '/materialize-incremental',
      {
        serializerCompiler: plainJson,
        schema: {
          tags: ['features'],
          summary:
            "Materialize what changed since each view's last materialization, up to end_ts (Feast's POST /materialize-incremental)",
          body: z.object({
            end_ts: timestamp,
            feature_views: z.array(z.string().min(1).max(200)).max(1000).optional(),
            full_feature_names: z.boolean().default(false).describe('accepted for Feast clients; no effect'),
          }),
          response: { 200: z.null() },
        },
      },
      async (request) => {
        const results = await store.materialize({
          ...(request.body.feature_views === undefined ? {} : { views: request.body.feature_views }),
          incremental: true,
          endTime: new Date(request.body.end_ts),
        });
        request.log.info(
          {
            component: 'FEATURE_STORE',
            action: 'MATERIALIZE',
            views: results.map((item) => item.feature_view),
          },
          'materialized incrementally on request',
        );
        return null;
      },
    );

    registerFeatureRegistryRoutes(app, platform, store);
  };
}

/** Feast's entity columns with string user ids turned into their keys (`{"user_id": ["test_user_001"]}`). */
async function withUserKeys(
  platform: Platform,
  entities: Record<string, unknown[]>,
): Promise<Record<string, unknown[]>> {
  const users = entities.user_id;
  if (users === undefined || !users.some((value) => typeof value === 'string')) return entities;
  return { ...entities, user_id: await platform.users.lookupKeys(users) };
}

/** A data frame's string user ids turned into their keys (new ids get one: a write introduces the user). */
async function withWriteUserKeys(platform: Platform, df: ColumnarFrame): Promise<ColumnarFrame> {
  const users = df.user_id;
  if (users === undefined || !users.some((value) => typeof value === 'string')) return df;
  const parsed = users.map((value) => userIdSchema.safeParse(value));
  const valid = parsed.flatMap((result) => (result.success ? [result.data] : []));
  const keys = await platform.users.assignAll(valid);
  let next = 0;
  // A value that is no user id is kept for the feature store to refuse, naming its row.
  return { ...df, user_id: parsed.map((result, index) => (result.success ? keys[next++] : users[index])) };
}

function logWrites(
  log: { info(details: object, message: string): void },
  action: string,
  results: Awaited<ReturnType<FeatureStore['push']>>,
): void {
  for (const result of results)
    log.info(
      { component: 'FEATURE_STORE', action, ...result },
      `${result.rows} rows written to ${result.feature_view}`,
    );
}

/**
 * Feast's documented calls send JSON without saying so (`curl -d '{...}'` as form data,
 * `requests.post(url, data=json.dumps(...))` without a type), and Feast reads it as JSON: so do these routes.
 * Not from a browser, though: a page on another site can send such a request without asking (no CORS
 * preflight), so one that carries an Origin header must declare application/json.
 */
function acceptUntypedJson(app: FastifyInstance): void {
  const parse = (
    request: { headers: Record<string, unknown> },
    body: string | Buffer,
    done: (error: Error | null, value?: unknown) => void,
  ) => {
    if (request.headers.origin !== undefined) {
      const error = new Error(
        'a browser request must send its JSON body as Content-Type: application/json',
      ) as FastifyError;
      Object.assign(error, { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 });
      return done(error);
    }
    try {
      done(null, JSON.parse(String(body)));
    } catch (cause) {
      const error = cause as FastifyError;
      Object.assign(error, { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 });
      done(error);
    }
  };
  app.addContentTypeParser(['application/x-www-form-urlencoded', 'text/plain'], { parseAs: 'string' }, parse);
  app.addContentTypeParser('*', { parseAs: 'string' }, parse);
}

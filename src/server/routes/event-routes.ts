import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Principal } from '../../auth/index.js';
import { type Automations, automationService } from '../../automations/index.js';
import { MlopsError, ValidationError } from '../../errors/index.js';
import {
  EVENT_SCHEMAS,
  type EventInput,
  isDriftAboveThreshold,
  type PublishedEvent,
  TOPICS,
  type Topic,
} from '../../events/index.js';
import type { Platform } from '../../platform/index.js';
import type { ServingService } from '../../serving/index.js';
import { registryService } from '../../tracking/index.js';
import {
  AutomationsReport,
  DriftAccepted,
  type DriftTrigger,
  EventAccepted,
  EventConsumers,
  InteractionAccepted,
  OverloadAccepted,
  type OverloadTrigger,
  RecentEvents,
} from '../schemas/event-api.js';
import { withErrors } from '../schemas/wire.js';
import { registerEventStreamRoutes } from './event-stream-routes.js';

const BODY_LIMIT = 64 * 1024;
const topic = z.enum(TOPICS).describe(`one of ${TOPICS.join(', ')}`);
const accepted = (event: PublishedEvent) => ({
  event_id: event.id,
  topic: event.topic,
  type: event.type,
  partition: event.partition,
  offset: event.offset,
  status: 'accepted' as const,
  timestamp: event.time,
});
/** The seed guide's overload report has no threshold for memory; this is ours (percent of memory in use). */
const MEMORY_PERCENT_THRESHOLD = 90;
const percent = z.number().finite().min(0).max(100_000);
const overloadMetrics = ['cpu', 'latency', 'queue_depth', 'memory', 'error_rate'] as const;
const driftAlert = EVENT_SCHEMAS['model-drift-alerts']['model.drift_detected'];
/** The one topic users publish to; the platform emits on every other one itself (or through a trigger route). */
const USER_TOPIC: Topic = 'user-events';

// The drift report: the event's schema, with what the guide leaves out defaulted: the version (the
// champion) and the kind of drift (data).
const driftTriggerBody = driftAlert.extend({
  model_version: z
    .union([driftAlert.shape.model_version, z.number().int().transform(String)])
    .optional()
    .describe("default: the model's champion version"),
  drift_type: driftAlert.shape.drift_type.default('data'),
});

// One metric (`metric`, `value`, `threshold`) or the seed guide's usage report.
const overloadBody = z.union([
  EVENT_SCHEMAS['system-health']['system.overload'],
  z
    .object({
      service_name: z.string().min(1).max(256),
      cpu_usage: percent.optional().describe('percent of CPU in use'),
      memory_usage: percent.optional().describe('percent of memory in use'),
      response_time_ms: z.number().finite().min(0).optional(),
      status: z.string().max(64).optional(),
      metadata: z.record(z.string(), z.unknown()).optional(),
    })
    .strict()
    .refine(
      (body) =>
        body.cpu_usage !== undefined ||
        body.memory_usage !== undefined ||
        body.response_time_ms !== undefined,
      { error: 'give metric, value and threshold, or cpu_usage, memory_usage or response_time_ms' },
    ),
]);

// What the web client sends (DriftTrigger, OverloadTrigger of schemas/event-api.ts) these routes take.
type Accepts<Body extends z.ZodType, Sent> = Sent extends z.input<Body> ? true : false;
const isWebRequestAccepted: [
  Accepts<typeof driftTriggerBody, DriftTrigger>,
  Accepts<typeof overloadBody, OverloadTrigger>,
] = [true, true];
void isWebRequestAccepted;

/**
 * Topics and event types the platform emits (model.promoted, pipeline.*, alert.*, system.overload, dead
 * letters, served recommendations, drift) are reserved: a non-admin token publishes user events only, and
 * reports drift and overload through the trigger routes, so no one forges what automations act on.
 */
function assertMayPublish(principal: Principal | undefined, topic: Topic): void {
  if (topic === USER_TOPIC || principal === undefined || principal.role === 'admin') return;
  throw new MlopsError(
    'MLOPS_ERR_FORBIDDEN',
    `topic ${topic} is reserved to the platform: token ${principal.token_id} (${principal.role}) may publish user events on ${USER_TOPIC}, report drift with POST /api/v1/trigger/model-drift and overload with POST /api/v1/trigger/system-overload; only an admin token publishes here`,
    { field: 'params.topic' },
  );
}

/** Who published: the caller's token id, always (with the label they gave, if any); `api` when tokens are off. */
function stampedSource(principal: Principal | undefined, given?: string): string {
  if (principal === undefined) return given ?? 'api';
  const stamp = `token:${principal.token_id}`;
  return given === undefined ? stamp : `${given.slice(0, 256 - stamp.length - 3)} (${stamp})`;
}

export interface EventRoutesOptions {
  automations?: Automations | undefined;
  serving?: ServingService | undefined;
}

/**
 * Stage 9 over HTTP: the reference system's event and trigger endpoints, a generic publish, recent events,
 * a live stream (server-sent events) for the UI and `mlops events tail`, consumer lag and automations.
 */
export function eventRoutes(platform: Platform, options: EventRoutesOptions = {}): FastifyPluginAsyncZod {
  return async (app) => {
    const bus = await platform.events();
    app.post(
      '/api/v1/events/user-interaction',
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          tags: ['events'],
          summary:
            "Publish a user interaction on user-events; the personalisation automation applies it to the user's history and online features",
          // The event's own schema: what the route takes is exactly what the topic stores.
          body: EVENT_SCHEMAS['user-events']['user.interaction'],
          response: withErrors({ 202: InteractionAccepted }),
        },
      },
      async (request, reply) => {
        const body = request.body;
        if (body.interaction_type === 'rating' && (body.rating ?? null) === null)
          throw new ValidationError('a rating interaction needs a rating from 0 to 10', {
            field: 'body.rating',
          });
        const event = await bus.publish('user-events', {
          type: 'user.interaction',
          source: stampedSource(request.principal),
          data: body,
        });
        // A stream must not lose facts because the catalogue lags: the event is kept, but nothing can be
        // learnt from a movie nobody knows, so it is not applied (and counted).
        if (options.serving !== undefined && !options.serving.knowsMovie(body.movie_id)) {
          return reply.code(202).send({
            ...accepted(event),
            applied: false,
            warning: unknownMovie(body.movie_id),
          });
        }
        return reply.code(202).send({ ...accepted(event), applied: true });
      },
    );

    app.post(
      '/api/v1/trigger/model-drift',
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          tags: ['events'],
          summary:
            'Report model drift on model-drift-alerts; above its threshold, the retrain automation starts movie_training_pipeline (with a cool-down)',
          // The event's schema, with what the guide leaves out defaulted: the version (the champion) and
          // the kind of drift (data).
          body: driftTriggerBody,
          response: withErrors({ 202: DriftAccepted }),
        },
      },
      async (request, reply) => {
        const model_version =
          request.body.model_version ?? (await championVersion(platform, request.body.model_name));
        const event = await bus.publish('model-drift-alerts', {
          type: 'model.drift_detected',
          source: stampedSource(request.principal),
          data: { ...request.body, model_version },
        });
        return reply.code(202).send({
          ...accepted(event),
          alert_triggered: isDriftAboveThreshold(request.body),
        });
      },
    );

    app.post(
      '/api/v1/trigger/system-overload',
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          tags: ['events'],
          summary:
            "Report an overload on system-health — one metric (`metric`, `value`, `threshold`) or the seed guide's usage report (`cpu_usage`, `memory_usage`, `response_time_ms`) checked against the platform's thresholds; over a threshold, the automation raises the scaling alert and sheds non-critical work",
          body: overloadBody,
          response: withErrors({ 202: OverloadAccepted }),
        },
      },
      async (request, reply) => {
        const readings = overloadReadings(request.body, platform.config.events.overload);
        const events: PublishedEvent[] = [];
        for (const reading of readings)
          events.push(
            await bus.publish('system-health', {
              type: 'system.overload',
              source: stampedSource(request.principal),
              data: reading,
            }),
          );
        const [first] = events;
        // The body's schema asks for at least one reading, so there is always a first event.
        if (first === undefined) throw new Error('an overload report without any reading');
        return reply.code(202).send({
          ...accepted(first),
          events: events.map(accepted),
          overloaded: readings.some((reading) => reading.value > reading.threshold),
        });
      },
    );

    app.post(
      '/api/v1/events/:topic',
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          tags: ['events'],
          summary:
            "Publish an event of a topic (`mlops events publish`); the schema is checked first. Topics the platform emits itself (everything but user-events) need an admin token; the event is stamped with the caller's token id",
          params: z.object({ topic }),
          body: z
            .object({
              type: z.string().min(1).max(128),
              data: z.record(z.string(), z.unknown()),
              source: z.string().min(1).max(256).optional(),
              key: z.string().max(512).optional(),
              id: z.string().min(1).max(128).optional(),
            })
            .strict(),
          response: withErrors({ 202: EventAccepted }),
        },
      },
      async (request, reply) => {
        const { type, data, source, key, id } = request.body;
        assertMayPublish(request.principal, request.params.topic);
        // Any topic and type from the outside: `buildEvent` checks them against the schemas at run time.
        const event = await bus.publish(request.params.topic, {
          type,
          data,
          source: stampedSource(request.principal, source),
          ...(key === undefined ? {} : { key }),
          ...(id === undefined ? {} : { id }),
        } as EventInput);
        return reply.code(202).send(accepted(event));
      },
    );

    app.get(
      '/api/v1/events',
      {
        schema: {
          tags: ['events'],
          summary: 'Recent events, newest first, of every topic or one',
          querystring: z.object({
            topic: topic.optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
          }),
          response: withErrors({ 200: RecentEvents }),
        },
      },
      async (request) => {
        const events = await bus.recent({
          limit: request.query.limit,
          ...(request.query.topic === undefined ? {} : { topic: request.query.topic }),
        });
        // Interactions about movies the catalogue does not hold are kept but were not applied: say so.
        const serving = options.serving;
        const annotated =
          serving === undefined
            ? events
            : events.map((event) =>
                event.type === 'user.interaction' && !serving.knowsMovie(Number(event.data.movie_id))
                  ? { ...event, applied: false, warning: unknownMovie(Number(event.data.movie_id)) }
                  : event,
              );
        return { backend: bus.backend, events: annotated, count: annotated.length };
      },
    );

    registerEventStreamRoutes(app, platform, bus);

    app.get(
      '/api/v1/events/consumers',
      {
        schema: {
          tags: ['events'],
          summary: "The automations' consumer groups and how far behind each is, per topic",
          response: withErrors({ 200: EventConsumers }),
        },
      },
      async () => ({
        backend: bus.backend,
        location: bus.location,
        consumers: (await options.automations?.measureLag()) ?? [],
      }),
    );

    app.get(
      '/api/v1/automations',
      {
        schema: {
          tags: ['events'],
          summary: 'The automations, their settings, load shedding, and what they did recently',
          querystring: z.object({
            automation: z.string().max(64).optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(50),
          }),
          response: withErrors({ 200: AutomationsReport }),
        },
      },
      async (request) => ({
        is_enabled: options.automations !== undefined,
        automations: options.automations?.info ?? [],
        load_shedding: platform.loadShedder.status(),
        actions: await automationService(platform).listActions({
          limit: request.query.limit,
          ...(request.query.automation === undefined ? {} : { automation: request.query.automation }),
        }),
      }),
    );
  };
}

function unknownMovie(movieId: number): string {
  return `movie ${movieId} is not in the catalogue: the event is stored but not applied to features or recommendations`;
}

/** The version the registry's `champion` alias (or Production stage) points at, else `unknown`. */
async function championVersion(platform: Platform, modelName: string): Promise<string> {
  const model = await registryService(platform)
    .getRegisteredModel(modelName)
    .catch(() => undefined);
  return (
    model?.aliases.find((entry) => entry.alias === 'champion')?.version ??
    model?.latest_versions.find((version) => version.current_stage === 'Production')?.version ??
    'unknown'
  );
}

type OverloadBody =
  | { service_name: string; metric: (typeof overloadMetrics)[number]; value: number; threshold: number }
  | { service_name: string; cpu_usage?: number; memory_usage?: number; response_time_ms?: number };

/** One `system.overload` per metric reported: the guide's usage report is checked against our thresholds. */
function overloadReadings(body: OverloadBody, thresholds: { cpuPercent: number; p95LatencyMs: number }) {
  if ('metric' in body) return [body];
  const { service_name, cpu_usage, memory_usage, response_time_ms, ...rest } = body as OverloadBody & {
    cpu_usage?: number;
    memory_usage?: number;
    response_time_ms?: number;
    status?: string;
    metadata?: Record<string, unknown>;
  };
  const readings: {
    service_name: string;
    metric: (typeof overloadMetrics)[number];
    value: number;
    threshold: number;
    severity: 'warning' | 'critical';
    metadata?: Record<string, unknown>;
  }[] = [];
  const add = (metric: (typeof overloadMetrics)[number], value: number | undefined, threshold: number) => {
    if (value === undefined) return;
    readings.push({
      service_name,
      metric,
      value,
      threshold,
      severity: value > threshold * 1.5 ? 'critical' : 'warning',
      ...(rest.metadata === undefined && rest.status === undefined
        ? {}
        : { metadata: { ...rest.metadata, ...(rest.status === undefined ? {} : { status: rest.status }) } }),
    });
  };
  add('cpu', cpu_usage, thresholds.cpuPercent);
  add('memory', memory_usage, MEMORY_PERCENT_THRESHOLD);
  add('latency', response_time_ms, thresholds.p95LatencyMs);
  return readings;
}

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { MlopsError } from '../errors/index.js';
import { movieIdSchema, userIdSchema } from '../identity/index.js';

/**
 * The topics of the platform, by their logical names (a deployment may prefix them: MLOPS_EVENT_TOPIC_PREFIX).
 * The first four are the reference system's documented topics.
 */
export const TOPICS = [
  'user-events',
  'movie-recommendations',
  'model-drift-alerts',
  'system-health',
  'pipeline-events',
  'registry-events',
  'dead-letter',
] as const;
export type Topic = (typeof TOPICS)[number];

export function isTopic(name: string): name is Topic {
  return (TOPICS as readonly string[]).includes(name);
}

const id = z.number().int().min(0).max(2_147_483_647);
const metadata = z.record(z.string(), z.unknown()).optional();
const name = z.string().min(1).max(256);

/** Interaction kinds: ours (feedback) and the reference system's (`view`, `share`, `watchlist_add`, ...). */
export const EVENT_INTERACTION_TYPES = [
  'watch',
  'like',
  'click',
  'rating',
  'dislike',
  'skip',
  'view',
  'share',
  'watchlist_add',
  'watchlist_remove',
  'search',
  'filter',
] as const;

const userInteraction = z
  .object({
    user_id: userIdSchema,
    movie_id: movieIdSchema,
    interaction_type: z.enum(EVENT_INTERACTION_TYPES),
    rating: z.number().min(0).max(10).nullable().optional(),
    session_id: z.string().max(256).optional(),
    device_type: z.string().max(64).optional(),
    duration_seconds: z
      .number()
      .min(0)
      .max(86_400 * 7)
      .optional(),
    page_url: z.string().max(2048).optional(),
    referrer: z.string().max(2048).optional(),
    metadata,
  })
  .strict();

const recommendationServed = z
  .object({
    // null: an anonymous visitor (the popular list).
    user_id: userIdSchema.nullable(),
    movie_ids: z.array(id).max(1000),
    model_name: name,
    model_version: z.string().max(64),
    variant: z.enum(['champion', 'challenger', 'baseline']),
    latency_ms: z.number().min(0).optional(),
  })
  .strict();

const driftDetected = z
  .object({
    model_name: name,
    model_version: z.string().max(64),
    drift_score: z.number().finite(),
    threshold: z.number().finite(),
    drift_type: z.enum(['data', 'prediction', 'concept', 'feature']),
    affected_features: z.array(z.string().max(256)).max(1000).optional(),
    report_version: z.string().max(256).optional(),
    metadata,
  })
  .strict();

const overload = z
  .object({
    service_name: name,
    metric: z.enum(['cpu', 'latency', 'queue_depth', 'memory', 'error_rate']),
    value: z.number().finite(),
    threshold: z.number().finite(),
    severity: z.enum(['info', 'warning', 'error', 'critical']).default('warning'),
    message: z.string().max(4096).optional(),
    metadata,
  })
  .strict();

const alert = z
  .object({
    alert_id: z.string().max(256),
    name,
    severity: z.string().max(32),
    status: z.enum(['firing', 'resolved']),
    summary: z.string().max(4096),
    description: z.string().max(16_384),
    value: z.number(),
    runbook: z.string().max(1024),
  })
  .strict();

const runFinished = z
  .object({
    pipeline_id: name,
    run_id: name,
    state: z.enum(['success', 'failed']),
    run_type: z.string().max(64),
    triggered_by: z.string().max(512).optional(),
    duration_seconds: z.number().min(0).nullable().optional(),
  })
  .strict();

const modelPromoted = z
  .object({
    model_name: name,
    version: z.string().max(64),
    previous_version: z.string().max(64).nullable(),
    reasons: z.array(z.string().max(4096)).max(100),
    run_id: z.string().max(256).optional(),
  })
  .strict();

const deadLettered = z
  .object({
    topic: z.string().max(256),
    group: z.string().max(256),
    reason: z.enum(['undecodable', 'handler_failed']),
    error: z.string().max(16_384),
    /** The message as it arrived (cut at 64 KiB). */
    payload: z.string().max(65_536),
    offset: z.string().max(64),
  })
  .strict();

/** A feedback the user undid, as it was recorded: the withdrawal keeps the history whole. */
const feedbackRetracted = z
  .object({
    feedback_id: z.string().min(1).max(100),
    user_id: userIdSchema,
    movie_id: movieIdSchema,
    interaction_type: z.string().min(1).max(32),
    rating: z.number().min(0).max(10).nullable(),
    variant: z.string().max(32),
    model_name: z.string().max(256),
    model_version: z.string().max(64),
    given_at: z.iso.datetime({ offset: true }),
  })
  .strict();

/** Each topic's event types and their data schemas (version 1 of each). */
export const EVENT_SCHEMAS = {
  'user-events': { 'user.interaction': userInteraction, 'feedback.retracted': feedbackRetracted },
  'movie-recommendations': { 'recommendation.served': recommendationServed },
  'model-drift-alerts': { 'model.drift_detected': driftDetected },
  'system-health': { 'system.overload': overload, 'alert.firing': alert, 'alert.resolved': alert },
  'pipeline-events': { 'pipeline.run_finished': runFinished },
  'registry-events': { 'model.promoted': modelPromoted },
  'dead-letter': { 'event.dead_lettered': deadLettered },
} as const satisfies Record<Topic, Record<string, z.ZodType>>;

type Schemas = typeof EVENT_SCHEMAS;
export type EventType<T extends Topic = Topic> = T extends Topic ? keyof Schemas[T] & string : never;
/** The data of an event of a type, as producers give it (defaults still optional). */
export type EventDataInput<T extends Topic, K extends EventType<T>> = z.input<
  Schemas[T][K & keyof Schemas[T]] & z.ZodType
>;
export type EventData<T extends Topic, K extends EventType<T>> = z.output<
  Schemas[T][K & keyof Schemas[T]] & z.ZodType
>;

/** The schema version the envelope's `version` field carries. */
export const EVENT_SCHEMA_VERSION = 1;

/** Every event on the wire: a CloudEvents-like envelope around the type's data. */
export interface MlopsEvent<D = Record<string, unknown>> {
  id: string;
  topic: Topic;
  type: string;
  version: number;
  source: string;
  /** ISO 8601, when the producer created the event. */
  time: string;
  /** Partition key: events with one key keep their order (`user_<id>`, `model_<name>`, `service_<name>`). */
  key: string;
  data: D;
}

// Ids travel in server-sent event lines: no spaces or line breaks.
const EVENT_ID = z.string().regex(/^[\w.:-]{1,128}$/, { error: 'must be 1-128 letters, digits and _ . : -' });

const envelope = z
  .object({
    id: EVENT_ID,
    topic: z.enum(TOPICS),
    type: z.string().min(1).max(128),
    version: z.number().int().min(1),
    source: z.string().min(1).max(256),
    time: z.iso.datetime({ offset: true }),
    key: z.string().max(512),
    data: z.record(z.string(), z.unknown()),
  })
  .strict();

/** What a producer may set besides the type and data. */
export interface EventMeta {
  /** Who produced it (`api`, `cli`, `pipeline:movie_drift_check`, ...); default `mlops`. */
  source?: string;
  key?: string;
  /** Set to re-publish an event under its own id (consumers de-duplicate by id). */
  id?: string;
  time?: string;
}

/**
 * An event as a producer gives it, typed by topic and type: `{type: 'model.promoted', data}` on
 * registry-events takes exactly that type's data (checked again at run time by `buildEvent`).
 */
export type EventInput<T extends Topic = Topic> = T extends Topic
  ? { [K in EventType<T>]: EventMeta & { type: K; data: EventDataInput<T, K> } }[EventType<T>]
  : never;

/** An event of a known topic and type, its data typed by the schema (what `isEventOf` narrows to). */
export type TypedEvent<T extends Topic, K extends EventType<T>> = MlopsEvent<EventData<T, K>> & {
  topic: T;
  type: K;
};

/** Narrows an event read off the bus to one topic and type, so consumers use its data without casts. */
export function isEventOf<T extends Topic, K extends EventType<T>>(
  event: MlopsEvent,
  topic: T,
  type: K,
): event is MlopsEvent & TypedEvent<T, K> {
  return event.topic === topic && event.type === type;
}

/** The drift rule, in one place: an alert retrains only when its score is above its threshold. */
export function isDriftAboveThreshold(data: { drift_score: number; threshold: number }): boolean {
  return data.drift_score > data.threshold;
}

/**
 * Validates an event for a topic and wraps it in the envelope. Invalid events never reach the bus: the
 * error names the field (`data.user_id`) and the problem.
 */
export function buildEvent(
  topic: string,
  input: EventMeta & { type: string; data: Record<string, unknown> },
): MlopsEvent {
  if (!isTopic(topic))
    throw new MlopsError('MLOPS_ERR_EVENT_INVALID', `unknown topic ${topic}: one of ${TOPICS.join(', ')}`, {
      field: 'topic',
    });
  const types = EVENT_SCHEMAS[topic] as Record<string, z.ZodType>;
  const schema = types[input.type];
  if (schema === undefined)
    throw new MlopsError(
      'MLOPS_ERR_EVENT_INVALID',
      `topic ${topic} has no event type ${JSON.stringify(input.type)}: one of ${Object.keys(types).join(', ')}`,
      { field: 'type' },
    );
  if (input.id !== undefined && !EVENT_ID.safeParse(input.id).success)
    throw new MlopsError('MLOPS_ERR_EVENT_INVALID', 'an event id is 1-128 letters, digits and _ . : -', {
      field: 'id',
    });
  const parsed = schema.safeParse(input.data);
  if (!parsed.success) throw invalid(parsed.error, 'data', `${topic} ${input.type}`);
  const data = parsed.data as Record<string, unknown>;
  return {
    id: input.id ?? randomUUID(),
    topic,
    type: input.type,
    version: EVENT_SCHEMA_VERSION,
    source: input.source ?? 'mlops',
    time: input.time ?? new Date().toISOString(),
    key: input.key ?? defaultKey(topic, data),
    data,
  };
}

/**
 * Reads an event off the wire. Throws (for the dead-letter topic) on anything that is not a valid event
 * of the topic it arrived on.
 */
export function decodeEvent(raw: string, topic: Topic): MlopsEvent {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new MlopsError('MLOPS_ERR_EVENT_INVALID', `not JSON: ${(error as Error).message}`);
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success) throw invalid(parsed.error, '', 'the envelope');
  if (parsed.data.topic !== topic)
    throw new MlopsError(
      'MLOPS_ERR_EVENT_INVALID',
      `an event of topic ${parsed.data.topic} arrived on ${topic}`,
      { field: 'topic' },
    );
  if (parsed.data.version > EVENT_SCHEMA_VERSION)
    throw new MlopsError(
      'MLOPS_ERR_EVENT_INVALID',
      `schema version ${parsed.data.version} is newer than this platform reads (${EVENT_SCHEMA_VERSION})`,
      { field: 'version' },
    );
  return buildEvent(topic, parsed.data);
}

function invalid(error: z.ZodError, prefix: string, what: string): MlopsError {
  const issue = error.issues[0];
  const field = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  return new MlopsError(
    'MLOPS_ERR_EVENT_INVALID',
    `invalid ${what}${field === '' ? '' : ` at ${field}`}: ${issue?.message ?? 'does not match the schema'}`,
    field === '' ? {} : { field },
  );
}

function defaultKey(topic: Topic, data: Record<string, unknown>): string {
  if (typeof data.user_id === 'number' || typeof data.user_id === 'string') return `user_${data.user_id}`;
  if (typeof data.model_name === 'string') return `model_${data.model_name}`;
  if (typeof data.service_name === 'string') return `service_${data.service_name}`;
  if (typeof data.pipeline_id === 'string') return `pipeline_${data.pipeline_id}`;
  if (typeof data.name === 'string') return `alert_${data.name}`;
  return topic;
}

import { z } from 'zod';
import { LoadShedding } from './monitoring-api.js';
import { isoDateTime } from './wire.js';

/** The event bus's topics (src/events/schemas.ts), in the order the Events page offers them. */
export const EVENT_TOPICS = [
  'user-events',
  'movie-recommendations',
  'model-drift-alerts',
  'system-health',
  'pipeline-events',
  'registry-events',
  'dead-letter',
] as const;
export const EventTopic = z.enum(EVENT_TOPICS);
export type EventTopic = z.input<typeof EventTopic>;

/** One event as the bus stores it: the envelope, its data, and where it sits in its topic. */
export const BusEvent = z.object({
  id: z.string(),
  topic: EventTopic,
  type: z.string(),
  version: z.number(),
  source: z.string(),
  time: z.string(),
  key: z.string(),
  data: z.record(z.string(), z.unknown()),
  partition: z.number(),
  offset: z.string(),
});
export type BusEvent = z.input<typeof BusEvent>;

/** `GET /api/v1/events`: an interaction about a movie the catalogue lacks says it was not applied. */
export const RecentEvents = z.object({
  backend: z.string(),
  events: z.array(BusEvent.extend({ applied: z.boolean().optional(), warning: z.string().optional() })),
  count: z.number(),
});
export type RecentEvents = z.input<typeof RecentEvents>;

/** The answer to a publish or trigger: the event's id and where it landed (HTTP 202). */
export const EventAccepted = z.object({
  event_id: z.string(),
  topic: EventTopic,
  type: z.string(),
  partition: z.number(),
  offset: z.string(),
  status: z.literal('accepted'),
  timestamp: z.string(),
});
export type EventAccepted = z.input<typeof EventAccepted>;

export const InteractionAccepted = EventAccepted.extend({
  /** False when the movie is not in the catalogue: the event is kept but not applied. */
  applied: z.boolean(),
  warning: z.string().optional(),
});
export type InteractionAccepted = z.input<typeof InteractionAccepted>;

export const DriftAccepted = EventAccepted.extend({ alert_triggered: z.boolean() });
export type DriftAccepted = z.input<typeof DriftAccepted>;

/** The first reading's event, every event (one per metric reported) and whether any is over its threshold. */
export const OverloadAccepted = EventAccepted.extend({
  events: z.array(EventAccepted),
  overloaded: z.boolean(),
});
export type OverloadAccepted = z.input<typeof OverloadAccepted>;

/** `POST /api/v1/trigger/model-drift`, as the web UI sends it (the route takes more: see its schema). */
export const DriftTrigger = z.object({
  model_name: z.string(),
  model_version: z.string(),
  drift_score: z.number(),
  threshold: z.number(),
  drift_type: z.enum(['data', 'prediction', 'concept', 'feature']),
});
export type DriftTrigger = z.input<typeof DriftTrigger>;

/** `POST /api/v1/trigger/system-overload` with one metric, as the web UI sends it. */
export const OverloadTrigger = z.object({
  service_name: z.string(),
  metric: z.enum(['cpu', 'latency', 'queue_depth', 'memory', 'error_rate']),
  value: z.number(),
  threshold: z.number(),
});
export type OverloadTrigger = z.input<typeof OverloadTrigger>;

export const StreamTicket = z.object({
  /** Null when tokens are off: the stream needs no ticket. */
  ticket: z.string().nullable(),
  expires_at: z.string(),
  expires_in_seconds: z.number(),
});
export type StreamTicket = z.input<typeof StreamTicket>;

export const ConsumerLag = z.object({ group: z.string(), topic: EventTopic, lag: z.number() });
export type ConsumerLag = z.input<typeof ConsumerLag>;

export const EventConsumers = z.object({
  backend: z.string(),
  location: z.string(),
  consumers: z.array(ConsumerLag),
});
export type EventConsumers = z.input<typeof EventConsumers>;

export const AutomationInfo = z.object({
  name: z.string(),
  group: z.string(),
  topics: z.array(EventTopic),
  description: z.string(),
  isRunning: z.boolean(),
  settings: z.record(z.string(), z.union([z.string(), z.number()])),
});
export type AutomationInfo = z.input<typeof AutomationInfo>;

export const AutomationAction = z.object({
  action_id: z.string(),
  automation: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  outcome: z.enum(['triggered', 'applied', 'suppressed', 'failed']),
  detail: z.string(),
  run_id: z.string().nullable(),
  created_at: isoDateTime,
});
export type AutomationAction = z.input<typeof AutomationAction>;

/** `GET /api/v1/automations`: the automations, load shedding, and what they did recently. */
export const AutomationsReport = z.object({
  is_enabled: z.boolean(),
  automations: z.array(AutomationInfo),
  load_shedding: LoadShedding,
  actions: z.array(AutomationAction),
});
export type AutomationsReport = z.input<typeof AutomationsReport>;

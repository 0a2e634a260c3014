/** Events, triggers, the live stream and automations. Types come from src/server/schemas/event-api.ts. */
import type {
  AutomationsReport,
  DriftAccepted,
  DriftTrigger,
  EventConsumers,
  EventTopic,
  OverloadAccepted,
  OverloadTrigger,
  StreamTicket,
} from '../../../src/server/schemas/event-api';
import { getJson, postJson, storedToken } from './http';

export type {
  AutomationAction,
  AutomationInfo,
  AutomationsReport,
  BusEvent,
  ConsumerLag,
  DriftTrigger,
  EventAccepted,
  EventTopic,
  OverloadTrigger,
} from '../../../src/server/schemas/event-api';

/**
 * The event bus's topics, in the order the Events page offers them: the server's list
 * (`EVENT_TOPICS` of src/server/schemas/event-api.ts), kept here as a value so the bundle does not carry
 * zod; the `satisfies` and the check below fail the build if the two lists part.
 */
export const EVENT_TOPICS = [
  'user-events',
  'movie-recommendations',
  'model-drift-alerts',
  'system-health',
  'pipeline-events',
  'registry-events',
  'dead-letter',
] as const satisfies readonly EventTopic[];
const everyTopicListed: Record<EventTopic, true> = Object.fromEntries(
  EVENT_TOPICS.map((topic) => [topic, true]),
) as { [topic in (typeof EVENT_TOPICS)[number]]: true };
void everyTopicListed;

/**
 * The live stream (server-sent events, `event: mlops`), after a replay of the latest events. EventSource
 * cannot send headers, so with a token the URL carries a single-use ticket valid 60 s, never the token
 * itself (which would end up in the browser's history): ask for a new URL at each connection.
 */
export async function eventStreamUrl(topic: EventTopic | undefined, replay = 50): Promise<string> {
  const url = `/api/v1/events/stream?replay=${replay}${topic === undefined ? '' : `&topic=${encodeURIComponent(topic)}`}`;
  if (storedToken() === undefined) return url;
  const { ticket } = await postJson<StreamTicket>('/api/v1/events/stream-ticket', {});
  return ticket === null ? url : `${url}&ticket=${encodeURIComponent(ticket)}`;
}
export const fetchAutomations = () => getJson<AutomationsReport>('/api/v1/automations');
export const fetchEventConsumers = () => getJson<EventConsumers>('/api/v1/events/consumers');
export const reportDrift = (body: DriftTrigger) =>
  postJson<DriftAccepted>('/api/v1/trigger/model-drift', body);
export const reportOverload = (body: OverloadTrigger) =>
  postJson<OverloadAccepted>('/api/v1/trigger/system-overload', body);

import type { Logger } from '../logging/index.js';
import type { PlatformMetrics } from '../monitoring/index.js';
import type { MetadataDb } from '../storage/index.js';
import { buildEvent, decodeEvent, type EventInput, type MlopsEvent, type Topic } from './schemas.js';

/** An event as the bus stored it: where it sits in its topic. */
export interface PublishedEvent extends MlopsEvent {
  partition: number;
  /** Position in the partition: a sequence number, a Kafka offset or a Redis stream id. */
  offset: string;
}

export type EventHandler = (event: PublishedEvent) => Promise<void>;

export interface SubscribeOptions {
  /** Consumer group: each group sees every event once; its position survives restarts. */
  group: string;
  topics: readonly Topic[];
  handler: EventHandler;
  /** Where a group without a stored position starts: `earliest` (default) or `latest`. */
  start?: 'earliest' | 'latest';
  /**
   * Skip events the group already handled, by id (default true). Off for observers that only show
   * events (the live stream), so they leave no record per event.
   */
  isIdempotent?: boolean;
}

export interface Subscription {
  readonly group: string;
  stop(): Promise<void>;
}

/**
 * The event bus: publish validated events, consume them in groups with at-least-once delivery. Every
 * backend (embedded log, Kafka, Redis Streams) implements this and passes the same contract suite.
 */
export interface EventBus {
  readonly backend: 'embedded' | 'kafka' | 'redis';
  readonly location: string;
  /** Validates (throws MLOPS_ERR_EVENT_INVALID naming the field), stores and returns the event. */
  publish<T extends Topic>(topic: T, input: EventInput<T>): Promise<PublishedEvent>;
  /** Puts bytes on a topic without validation: what a foreign producer might send. */
  publishRaw(topic: Topic, key: string, payload: string): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** The newest events, newest first, of one topic or all. */
  recent(options: { topic?: Topic; limit: number }): Promise<PublishedEvent[]>;
  /** Events published but not yet handled by the group, per topic. */
  lag(group: string, topics: readonly Topic[]): Promise<Map<Topic, number>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What every backend's consumer needs to deliver: the idempotency table, metrics and a log. */
export interface DeliveryContext {
  db: MetadataDb;
  metrics: PlatformMetrics | undefined;
  logger: Logger;
  /** Where undecodable or repeatedly failing events go. */
  deadLetter: (topic: Topic, key: string, payload: string) => Promise<void>;
  /** Attempts per event before it is dead-lettered (default 3). */
  attempts?: number;
  retryDelayMs?: number;
}

/** One message as a backend read it. */
export interface RawMessage {
  topic: Topic;
  partition: number;
  offset: string;
  key: string;
  payload: string;
  publishedAt?: Date;
}

/**
 * Delivers a batch to a group's handler, the same way on every backend:
 * - undecodable messages go to the dead-letter topic and are skipped;
 * - events the group already handled (by id) are skipped, so redelivery never double-counts;
 * - a failing handler is retried, then the event is dead-lettered;
 * - handled ids are recorded before the caller commits its position.
 * Throws only when the dead-letter topic or the database cannot be written: then the caller must not
 * commit, and the batch comes again.
 */
export async function deliverBatch(
  context: DeliveryContext,
  group: string,
  messages: readonly RawMessage[],
  handler: EventHandler,
  isIdempotent = true,
): Promise<void> {
  if (messages.length === 0) return;
  const decoded: { message: RawMessage; event: PublishedEvent }[] = [];
  for (const message of messages) {
    try {
      const event = decodeOnTopic(message);
      decoded.push({ message, event });
    } catch (error) {
      await sendToDeadLetter(context, group, message, 'undecodable', error);
    }
  }
  const ids = [...new Set(decoded.map(({ event }) => event.id))];
  const seen = new Set<string>();
  for (let start = 0; isIdempotent && start < ids.length; start += 1000) {
    const rows = await context.db
      .selectFrom('event_processed')
      .select('event_id')
      .where('group_id', '=', group)
      .where('event_id', 'in', ids.slice(start, start + 1000))
      .execute();
    for (const row of rows) seen.add(row.event_id);
  }
  const handled: string[] = [];
  const attempts = context.attempts ?? 3;
  try {
    await handleEach();
  } finally {
    // Also when the batch breaks off (the dead-letter topic or the database failed): what was handled
    // is recorded, so the batch coming again skips it rather than applying it twice.
    if (isIdempotent && handled.length > 0)
      await context.db
        .insertInto('event_processed')
        .values(handled.map((event_id) => ({ group_id: group, event_id })))
        .onConflict((conflict) => conflict.columns(['group_id', 'event_id']).doNothing())
        .execute();
  }

  async function handleEach(): Promise<void> {
    for (const { message, event } of decoded) {
      if (seen.has(event.id)) {
        context.metrics?.eventsConsumed.inc({ topic: message.topic, group, outcome: 'duplicate' });
        continue;
      }
      seen.add(event.id);
      let failure: unknown;
      for (let attempt = 1; attempt <= attempts; attempt += 1) {
        try {
          await handler(event);
          failure = undefined;
          break;
        } catch (error) {
          failure = error;
          context.logger.warn(
            {
              action: 'EVENT_HANDLER_FAILED',
              group,
              topic: message.topic,
              event_id: event.id,
              attempt,
              err: error,
            },
            `${group} failed on ${event.type} ${event.id} (attempt ${attempt} of ${attempts}): ${String(error)}`,
          );
          if (attempt < attempts)
            await new Promise((resolve) => setTimeout(resolve, (context.retryDelayMs ?? 100) * attempt));
        }
      }
      if (failure !== undefined) await sendToDeadLetter(context, group, message, 'handler_failed', failure);
      else {
        context.metrics?.eventsConsumed.inc({ topic: message.topic, group, outcome: 'handled' });
        const published = Date.parse(event.time);
        if (Number.isFinite(published))
          context.metrics?.eventLatency.observe(
            { topic: message.topic },
            Math.max(0, (Date.now() - published) / 1000),
          );
      }
      handled.push(event.id);
    }
  }
}

function decodeOnTopic(message: RawMessage): PublishedEvent {
  const event = decodeEvent(message.payload, message.topic);
  return { ...event, partition: message.partition, offset: message.offset };
}

async function sendToDeadLetter(
  context: DeliveryContext,
  group: string,
  message: RawMessage,
  reason: 'undecodable' | 'handler_failed',
  error: unknown,
): Promise<void> {
  context.metrics?.eventsFailed.inc({ topic: message.topic, group, reason });
  context.logger.error(
    {
      action: 'EVENT_DEAD_LETTERED',
      group,
      topic: message.topic,
      offset: message.offset,
      reason,
      err: error,
    },
    `${group}: ${message.topic} message at ${message.offset} went to the dead-letter topic (${reason}): ${String(error instanceof Error ? error.message : error)}`,
  );
  // A dead letter of a dead letter would loop: those are only logged.
  if (message.topic === 'dead-letter') return;
  const event = buildEvent('dead-letter', {
    type: 'event.dead_lettered',
    source: `consumer:${group}`,
    key: message.key,
    data: {
      topic: message.topic,
      group,
      reason,
      error: String(error instanceof Error ? error.message : error).slice(0, 16_384),
      payload: message.payload.slice(0, 65_536),
      offset: message.offset,
    },
  });
  await context.deadLetter('dead-letter', event.key, JSON.stringify(event));
}

/** The wire form of an event: its JSON envelope. */
export function encodeEvent(event: MlopsEvent): string {
  return JSON.stringify(event);
}

/** A stable name for this process as a consumer (host and pid). */
export function consumerName(): string {
  return `${process.env.HOSTNAME ?? 'host'}-${process.pid}`;
}

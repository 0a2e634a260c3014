import { Redis } from 'ioredis';
import { redactUrlPassword } from '../config/index.js';
import { MlopsError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { PlatformMetrics } from '../monitoring/index.js';
import type { MetadataDb } from '../storage/index.js';
import {
  consumerName,
  type DeliveryContext,
  deliverBatch,
  type EventBus,
  encodeEvent,
  type PublishedEvent,
  type RawMessage,
  type SubscribeOptions,
  type Subscription,
} from './event-bus.js';
import { buildEvent, decodeEvent, type EventInput, TOPICS, type Topic } from './schemas.js';

export interface RedisEventBusOptions {
  url: string;
  db: MetadataDb;
  logger: Logger;
  metrics?: PlatformMetrics | undefined;
  topicPrefix?: string;
  /** Streams are trimmed to about this many entries (XADD MAXLEN ~). */
  maxLength?: number;
  /** Pending entries idle this long (a consumer died holding them) are claimed by another consumer. */
  claimIdleMs?: number;
}

type StreamEntries = [id: string, fields: string[]][];
type ReadReply = [stream: string, entries: StreamEntries][] | null;

/**
 * Redis Streams, for the simple case: one stream per topic, consumer groups with XREADGROUP and XACK,
 * entries a dead consumer left pending claimed back with XAUTOCLAIM (at-least-once).
 */
export class RedisEventBus implements EventBus {
  readonly backend = 'redis' as const;
  readonly location: string;
  private readonly subscriptions = new Set<RedisSubscription>();
  private readonly delivery: DeliveryContext;

  private constructor(
    private readonly redis: Redis,
    private readonly options: RedisEventBusOptions,
  ) {
    this.location = redactUrlPassword(options.url);
    this.delivery = {
      db: options.db,
      metrics: options.metrics,
      logger: options.logger,
      deadLetter: (topic, key, payload) => this.publishRaw(topic, key, payload),
    };
  }

  static async open(options: RedisEventBusOptions): Promise<RedisEventBus> {
    const redis = connect(options.url);
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      throw unreachable(options.url, error);
    }
    return new RedisEventBus(redis, options);
  }

  stream(topic: Topic): string {
    return `${this.options.topicPrefix ?? ''}${topic}`;
  }

  async publish<T extends Topic>(topic: T, input: EventInput<T>): Promise<PublishedEvent> {
    const event = buildEvent(topic, input);
    const offset = await this.add(topic, event.key, encodeEvent(event));
    this.options.metrics?.eventsPublished.inc({ topic, type: event.type });
    return { ...event, partition: 0, offset };
  }

  async publishRaw(topic: Topic, key: string, payload: string): Promise<void> {
    await this.add(topic, key, payload);
  }

  private async add(topic: Topic, key: string, payload: string): Promise<string> {
    try {
      const id = await this.redis.xadd(
        this.stream(topic),
        'MAXLEN',
        '~',
        String(this.options.maxLength ?? 1_000_000),
        '*',
        'key',
        key,
        'payload',
        payload,
      );
      return String(id);
    } catch (error) {
      throw unreachable(this.options.url, error);
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    for (const topic of options.topics) {
      try {
        await this.redis.xgroup(
          'CREATE',
          this.stream(topic),
          options.group,
          options.start === 'latest' ? '$' : '0',
          'MKSTREAM',
        );
      } catch (error) {
        if (!String(error).includes('BUSYGROUP')) throw unreachable(this.options.url, error);
      }
    }
    const reader = this.redis.duplicate();
    reader.on('error', () => undefined);
    const subscription = new RedisSubscription(
      reader,
      this,
      this.delivery,
      options,
      this.options.claimIdleMs ?? 30_000,
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  async recent({ topic, limit }: { topic?: Topic; limit: number }): Promise<PublishedEvent[]> {
    const topics = topic === undefined ? TOPICS : [topic];
    const all: PublishedEvent[] = [];
    for (const name of topics) {
      const entries = (await this.redis.xrevrange(
        this.stream(name),
        '+',
        '-',
        'COUNT',
        limit,
      )) as StreamEntries;
      for (const [id, fields] of entries) {
        try {
          all.push({ ...decodeEvent(field(fields, 'payload'), name), partition: 0, offset: id });
        } catch {
          // foreign bytes: the dead-letter topic has them
        }
      }
    }
    return all.sort((a, b) => compareIds(b.offset, a.offset) || b.time.localeCompare(a.time)).slice(0, limit);
  }

  async lag(group: string, topics: readonly Topic[]): Promise<Map<Topic, number>> {
    const lag = new Map<Topic, number>();
    for (const topic of topics) {
      const groups = (await this.redis.xinfo('GROUPS', this.stream(topic)).catch(() => [])) as unknown[][];
      const info = groups.map(toRecord).find((entry) => entry.name === group);
      // `lag` counts entries never delivered; `pending` those delivered but not acknowledged.
      lag.set(topic, info === undefined ? 0 : Number(info.lag ?? 0) + Number(info.pending ?? 0));
    }
    return lag;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    this.redis.disconnect();
  }
}

class RedisSubscription implements Subscription {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly consumer = consumerName();

  constructor(
    private readonly redis: Redis,
    private readonly bus: RedisEventBus,
    private readonly delivery: DeliveryContext,
    private readonly options: SubscribeOptions,
    private readonly claimIdleMs: number,
    private readonly onStop: () => void,
  ) {}

  get group(): string {
    return this.options.group;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Unblocks a pending XREADGROUP.
    this.redis.disconnect();
    await this.loop;
    this.onStop();
  }

  private async run(): Promise<void> {
    const streams = this.options.topics.map((topic) => this.bus.stream(topic));
    let lastClaim = 0;
    // First what this consumer left pending before a restart, then new entries.
    let readPending = true;
    while (!this.stopped) {
      try {
        if (Date.now() - lastClaim > this.claimIdleMs) {
          lastClaim = Date.now();
          await this.claimAbandoned();
        }
        const reply = (await this.redis.call(
          'XREADGROUP',
          'GROUP',
          this.group,
          this.consumer,
          'COUNT',
          500,
          ...(readPending ? [] : ['BLOCK', 1000]),
          'STREAMS',
          ...streams,
          ...streams.map(() => (readPending ? '0' : '>')),
        )) as ReadReply;
        const entries = reply ?? [];
        if (readPending && entries.every(([, list]) => list.length === 0)) readPending = false;
        for (const [stream, list] of entries) await this.handle(stream, list);
      } catch (error) {
        if (this.stopped) break;
        this.delivery.logger.error(
          { action: 'EVENT_CONSUME_FAILED', group: this.group, err: error },
          `consumer group ${this.group} failed to read Redis: ${String(error)}`,
        );
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private async claimAbandoned(): Promise<void> {
    for (const topic of this.options.topics) {
      const reply = (await this.redis.xautoclaim(
        this.bus.stream(topic),
        this.group,
        this.consumer,
        this.claimIdleMs,
        '0-0',
        'COUNT',
        500,
      )) as [string, StreamEntries];
      await this.handle(this.bus.stream(topic), reply[1] ?? []);
    }
  }

  private async handle(stream: string, entries: StreamEntries): Promise<void> {
    if (entries.length === 0) return;
    const topic = this.options.topics.find((name) => this.bus.stream(name) === stream);
    if (topic === undefined) return;
    const messages: RawMessage[] = entries
      .filter(([, fields]) => fields !== null)
      .map(([id, fields]) => ({
        topic,
        partition: 0,
        offset: id,
        key: field(fields, 'key'),
        payload: field(fields, 'payload'),
      }));
    await deliverBatch(this.delivery, this.group, messages, this.options.handler, this.options.isIdempotent);
    await this.redis.xack(stream, this.group, ...entries.map(([id]) => id));
  }
}

function connect(url: string): Redis {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 5000 });
  // Failures surface through the commands that meet them; the client reconnects by itself.
  redis.on('error', () => undefined);
  return redis;
}

function unreachable(url: string, error: unknown): MlopsError {
  if (error instanceof MlopsError) return error;
  return new MlopsError(
    'MLOPS_ERR_EVENT_BUS_UNAVAILABLE',
    `cannot reach the Redis event bus at ${redactUrlPassword(url)} (REDIS_URL): ${error instanceof Error ? error.message : String(error)}`,
    { field: 'REDIS_URL', cause: error },
  );
}

function field(fields: string[], name: string): string {
  for (let index = 0; index < fields.length - 1; index += 2)
    if (fields[index] === name) return fields[index + 1] ?? '';
  return '';
}

function toRecord(entry: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let index = 0; index < entry.length - 1; index += 2) record[String(entry[index])] = entry[index + 1];
  return record;
}

function compareIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

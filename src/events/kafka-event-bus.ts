import { randomUUID } from 'node:crypto';
import {
  Admin,
  Consumer,
  type Message,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { MlopsError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { PlatformMetrics } from '../monitoring/index.js';
import type { MetadataDb } from '../storage/index.js';
import {
  type DeliveryContext,
  deliverBatch,
  type EventBus,
  encodeEvent,
  type PublishedEvent,
  type SubscribeOptions,
  type Subscription,
} from './event-bus.js';
import { buildEvent, decodeEvent, type EventInput, TOPICS, type Topic } from './schemas.js';

export interface KafkaEventBusOptions {
  brokers: string[];
  db: MetadataDb;
  logger: Logger;
  metrics?: PlatformMetrics | undefined;
  topicPrefix?: string;
  partitions?: number;
  clientId?: string;
}

type StringMessage = Message<string, string, string, string>;

/**
 * Kafka: topics created on start, events keyed by user/model/service so one key keeps its order, consumer
 * groups with offsets committed only after the group handled (and recorded) the event.
 */
export class KafkaEventBus implements EventBus {
  readonly backend = 'kafka' as const;
  readonly location: string;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly delivery: DeliveryContext;
  private readonly clientId: string;

  private constructor(
    private readonly producer: Producer<string, string, string, string>,
    private readonly admin: Admin,
    private readonly options: KafkaEventBusOptions,
  ) {
    this.location = options.brokers.join(',');
    this.clientId = options.clientId ?? 'movie-mlops';
    this.delivery = {
      db: options.db,
      metrics: options.metrics,
      logger: options.logger,
      deadLetter: (topic, key, payload) => this.publishRaw(topic, key, payload),
    };
  }

  /** Connects and creates every topic that does not exist yet. */
  static async open(options: KafkaEventBusOptions): Promise<KafkaEventBus> {
    const clientId = options.clientId ?? 'movie-mlops';
    const common = { bootstrapBrokers: options.brokers, retries: 3, retryDelay: 500, timeout: 10_000 };
    const admin = new Admin({ ...common, clientId: `${clientId}-admin` });
    const producer = new Producer({
      ...common,
      clientId: `${clientId}-producer`,
      serializers: stringSerializers,
      acks: ProduceAcks.ALL,
      // Without it, a retried batch right after topic creation can write its messages twice.
      idempotent: true,
    });
    const bus = new KafkaEventBus(producer, admin, options);
    try {
      await bus.createTopics();
    } catch (error) {
      await bus.close().catch(() => undefined);
      throw unreachable(options.brokers, error);
    }
    return bus;
  }

  topicName(topic: Topic): string {
    return `${this.options.topicPrefix ?? ''}${topic}`;
  }

  private async createTopics(): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const missing = TOPICS.map((topic) => this.topicName(topic)).filter((name) => !existing.has(name));
    if (missing.length === 0) return;
    try {
      await this.admin.createTopics({
        topics: missing,
        partitions: this.options.partitions ?? 3,
        replicas: 1,
      });
    } catch (error) {
      // Another process may have created them in between.
      if (!/already exists/i.test(describe(error))) throw error;
    }
  }

  async publish<T extends Topic>(topic: T, input: EventInput<T>): Promise<PublishedEvent> {
    const event = buildEvent(topic, input);
    const result = await this.send(topic, event.key, encodeEvent(event), event.type);
    this.options.metrics?.eventsPublished.inc({ topic, type: event.type });
    const written = result.offsets?.[0];
    return {
      ...event,
      partition: written?.partition ?? 0,
      offset: written === undefined ? '' : String(written.offset),
    };
  }

  async publishRaw(topic: Topic, key: string, payload: string): Promise<void> {
    await this.send(topic, key, payload, 'raw');
  }

  private async send(topic: Topic, key: string, value: string, type: string) {
    try {
      return await this.producer.send({
        messages: [{ topic: this.topicName(topic), key, value, headers: { 'mlops-type': type } }],
      });
    } catch (error) {
      throw unreachable(this.options.brokers, error);
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const consumer = new Consumer({
      bootstrapBrokers: this.options.brokers,
      clientId: `${this.clientId}-${options.group}`,
      groupId: `${this.options.topicPrefix ?? ''}${options.group}`,
      deserializers: stringDeserializers,
      autocommit: false,
      retries: Number.POSITIVE_INFINITY,
      retryDelay: 1000,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTime: 500,
    });
    const subscription = new KafkaSubscription(consumer, this, this.delivery, options, () =>
      this.subscriptions.delete(subscription),
    );
    try {
      await subscription.start();
    } catch (error) {
      await closeNow(consumer);
      throw unreachable(this.options.brokers, error);
    }
    this.subscriptions.add(subscription);
    return subscription;
  }

  topicOf(name: string): Topic | undefined {
    return TOPICS.find((topic) => this.topicName(topic) === name);
  }

  /** Reads the tail of each partition with a throw-away group that never commits. */
  async recent({ topic, limit }: { topic?: Topic; limit: number }): Promise<PublishedEvent[]> {
    const topics = (topic === undefined ? TOPICS : [topic]).map((name) => this.topicName(name));
    const consumer = new Consumer({
      bootstrapBrokers: this.options.brokers,
      clientId: `${this.clientId}-recent`,
      groupId: `mlops-recent-${randomUUID()}`,
      deserializers: stringDeserializers,
      autocommit: false,
      maxWaitTime: 200,
      timeout: 10_000,
    });
    try {
      const latest = await consumer.listOffsets({ topics });
      const earliest = await consumer.listOffsets({ topics, timestamp: -2n });
      const offsets: { topic: string; partition: number; offset: bigint }[] = [];
      const ends = new Map<string, bigint>();
      for (const [name, partitions] of latest) {
        partitions.forEach((end, partition) => {
          const start = earliest.get(name)?.[partition] ?? 0n;
          if (end <= start) return;
          const from = end - BigInt(limit) > start ? end - BigInt(limit) : start;
          offsets.push({ topic: name, partition, offset: from });
          ends.set(`${name}/${partition}`, end);
        });
      }
      if (offsets.length === 0) return [];
      const stream = await consumer.consume({ topics, mode: 'manual', offsets, autocommit: false });
      const events: PublishedEvent[] = [];
      const deadline = setTimeout(() => void stream.close(), 5000);
      try {
        for await (const message of stream as AsyncIterable<StringMessage>) {
          const name = this.topicOf(message.topic);
          if (name !== undefined)
            try {
              events.push({
                ...decodeEvent(message.value, name),
                partition: message.partition,
                offset: String(message.offset),
              });
            } catch {
              // foreign bytes: the dead-letter topic has them
            }
          const key = `${message.topic}/${message.partition}`;
          if (message.offset + 1n >= (ends.get(key) ?? 0n)) ends.delete(key);
          if (ends.size === 0) break;
        }
      } finally {
        clearTimeout(deadline);
        await stream.close().catch(() => undefined);
      }
      return events.sort((a, b) => b.time.localeCompare(a.time)).slice(0, limit);
    } finally {
      await closeNow(consumer);
    }
  }

  async lag(group: string, topics: readonly Topic[]): Promise<Map<Topic, number>> {
    const names = topics.map((topic) => this.topicName(topic));
    const groupId = `${this.options.topicPrefix ?? ''}${group}`;
    const [committed] = await this.admin.listConsumerGroupOffsets({ groups: [groupId] });
    const consumer = new Consumer({
      bootstrapBrokers: this.options.brokers,
      clientId: `${this.clientId}-lag`,
      groupId: `mlops-lag-${randomUUID()}`,
      timeout: 10_000,
    });
    try {
      const latest = await consumer.listOffsets({ topics: names });
      const lag = new Map<Topic, number>();
      for (const topic of topics) {
        const ends = latest.get(this.topicName(topic)) ?? [];
        const positions = committed?.topics.find((entry) => entry.name === this.topicName(topic));
        let total = 0;
        ends.forEach((end, partition) => {
          const at = positions?.partitions.find(
            (entry) => entry.partitionIndex === partition,
          )?.committedOffset;
          total += Number(end - (at !== undefined && at >= 0n ? at : 0n));
        });
        lag.set(topic, total);
      }
      return lag;
    } finally {
      await closeNow(consumer);
    }
  }

  async ping(): Promise<void> {
    await this.admin.metadata({ topics: [this.topicName('system-health')] });
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.producer.close().catch(() => undefined);
    await this.admin.close().catch(() => undefined);
  }
}

class KafkaSubscription implements Subscription {
  private loop: Promise<void> | undefined;
  private stream: (AsyncIterable<StringMessage> & { close(): Promise<void> }) | undefined;
  private stopped = false;

  constructor(
    private readonly consumer: Consumer<string, string, string, string>,
    private readonly bus: KafkaEventBus,
    private readonly delivery: DeliveryContext,
    private readonly options: SubscribeOptions,
    private readonly onStop: () => void,
  ) {}

  get group(): string {
    return this.options.group;
  }

  async start(): Promise<void> {
    this.stream = (await this.consumer.consume({
      topics: this.options.topics.map((topic) => this.bus.topicName(topic)),
      mode: 'committed',
      fallbackMode: this.options.start === 'latest' ? 'latest' : 'earliest',
      autocommit: false,
    })) as unknown as AsyncIterable<StringMessage> & { close(): Promise<void> };
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const stream = this.stream;
    if (stream === undefined) return;
    try {
      for await (const message of stream) {
        const topic = this.bus.topicOf(message.topic);
        if (topic === undefined) continue;
        // Retried until it goes through: the offset is committed only after the event was handled.
        for (;;) {
          try {
            await deliverBatch(
              this.delivery,
              this.group,
              [
                {
                  topic,
                  partition: message.partition,
                  offset: String(message.offset),
                  key: message.key ?? '',
                  payload: message.value ?? '',
                },
              ],
              this.options.handler,
            );
            await message.commit();
            break;
          } catch (error) {
            if (this.stopped) return;
            this.delivery.logger.error(
              { action: 'EVENT_CONSUME_FAILED', group: this.group, err: error },
              `consumer group ${this.group} could not finish ${message.topic}/${message.partition}@${message.offset}: ${describe(error)}`,
            );
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        }
        if (this.stopped) return;
      }
    } catch (error) {
      if (!this.stopped)
        this.delivery.logger.error(
          { action: 'EVENT_CONSUME_FAILED', group: this.group, err: error },
          `consumer group ${this.group} stopped reading Kafka: ${describe(error)}`,
        );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.stream?.close().catch(() => undefined);
    await this.loop;
    await closeNow(this.consumer);
    this.onStop();
  }
}

/** Closes a client at once (in-flight fetches dropped), never throwing: used on the way out. */
function closeNow(client: { close(force: boolean, callback: (error?: Error | null) => void): void }) {
  return new Promise<void>((resolve) => client.close(true, () => resolve()));
}

function describe(error: unknown): string {
  if (error instanceof AggregateError)
    return [...new Set(error.errors.map((inner: unknown) => describe(inner)))].join('; ') || error.message;
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause === undefined ? error.message : `${error.message} (${describe(cause)})`;
  }
  return String(error);
}

function unreachable(brokers: string[], error: unknown): MlopsError {
  if (error instanceof MlopsError) return error;
  return new MlopsError(
    'MLOPS_ERR_EVENT_BUS_UNAVAILABLE',
    `cannot reach Kafka at ${brokers.join(',')} (KAFKA_BROKERS): ${describe(error)}`,
    { field: 'KAFKA_BROKERS', cause: error },
  );
}

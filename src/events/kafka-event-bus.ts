import { randomUUID } from 'node:crypto';
import { Admin, Consumer, type Producer, stringDeserializers } from '@platformatic/kafka';
import type { Logger } from '../logging/index.js';
import type { PlatformMetrics } from '../monitoring/index.js';
import type { MetadataDb } from '../storage/index.js';
import {
  type DeliveryContext,
  type EventBus,
  encodeEvent,
  type PublishedEvent,
  type SubscribeOptions,
  type Subscription,
} from './event-bus.js';
import { closeNow, createProducer, describe, partitionOf, unreachable } from './kafka-clients.js';
import { KafkaSubscription, type StringMessage } from './kafka-subscription.js';
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

interface Pending {
  message: { topic: string; key: string; value: string; partition: number; headers: Record<string, string> };
  resolve: (written: { partition: number; offset: string }) => void;
  reject: (error: unknown) => void;
}

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
  private readonly partitions = new Map<string, number>();
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;

  private constructor(
    private producer: Producer<string, string, string, string>,
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
    const bus = new KafkaEventBus(createProducer(options), admin, options);
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

  /** Creates missing topics, then learns every topic's partition count (events are partitioned here). */
  private async createTopics(): Promise<void> {
    const names = TOPICS.map((topic) => this.topicName(topic));
    const existing = new Set(await this.admin.listTopics());
    const missing = names.filter((name) => !existing.has(name));
    if (missing.length > 0)
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
    const metadata = await this.admin.metadata({ topics: names });
    for (const [name, topic] of metadata.topics) this.partitions.set(name, topic.partitionsCount);
  }

  async publish<T extends Topic>(topic: T, input: EventInput<T>): Promise<PublishedEvent> {
    const event = buildEvent(topic, input);
    const written = await this.send(topic, event.key, encodeEvent(event), event.type);
    this.options.metrics?.eventsPublished.inc({ topic, type: event.type });
    return { ...event, ...written };
  }

  async publishRaw(topic: Topic, key: string, payload: string): Promise<void> {
    await this.send(topic, key, payload, 'raw');
  }

  /**
   * Sends go out one batch at a time: the client's idempotent producer takes each partition's sequence
   * number when a request is built and advances it on the answer, so overlapping sends would reuse numbers
   * (the broker drops them as duplicates, or refuses them as out of order). Events published meanwhile
   * join the next batch. Each event's partition is chosen here (by key), so its offset is known.
   */
  private send(
    topic: Topic,
    key: string,
    value: string,
    type: string,
  ): Promise<{ partition: number; offset: string }> {
    const name = this.topicName(topic);
    const partition = partitionOf(key, this.partitions.get(name) ?? 1);
    return new Promise((resolve, reject) => {
      this.queue.push({
        message: { topic: name, key, value, partition, headers: { 'mlops-type': type } },
        resolve,
        reject,
      });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, 500);
      try {
        const result = await this.producer.send({ messages: batch.map((pending) => pending.message) });
        const next = new Map<string, bigint>();
        for (const written of result.offsets ?? [])
          next.set(`${written.topic}/${written.partition}`, written.offset);
        for (const pending of batch) {
          const slot = `${pending.message.topic}/${pending.message.partition}`;
          const offset = next.get(slot) ?? -1n;
          next.set(slot, offset + 1n);
          pending.resolve({ partition: pending.message.partition, offset: String(offset) });
        }
      } catch (error) {
        for (const pending of batch) pending.reject(unreachable(this.options.brokers, error));
        // A producer that failed may keep failing (its sequence state is stale): start a fresh one.
        const broken = this.producer;
        this.producer = createProducer(this.options);
        await broken.close().catch(() => undefined);
      }
    }
    this.flushing = undefined;
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
    await this.flushing;
    await this.producer.close().catch(() => undefined);
    await this.admin.close().catch(() => undefined);
  }
}

import type { Consumer, Message } from '@platformatic/kafka';
import { type DeliveryContext, deliverBatch, type SubscribeOptions, type Subscription } from './event-bus.js';
import { closeNow, describe } from './kafka-clients.js';
import type { Topic } from './schemas.js';

export type StringMessage = Message<string, string, string, string>;

/** What a subscription asks of its bus: topic names with the bus's prefix, and a group's lag. */
export interface KafkaTopics {
  topicName(topic: Topic): string;
  topicOf(name: string): Topic | undefined;
  lag(group: string, topics: readonly Topic[]): Promise<Map<Topic, number>>;
}

/** One consumer group on Kafka: reads batches, delivers them, commits offsets after delivery. */
export class KafkaSubscription implements Subscription {
  private loop: Promise<void> | undefined;
  private stream: (AsyncIterable<StringMessage> & { close(): Promise<void>; read(): unknown }) | undefined;
  private stopped = false;
  private watchdog: NodeJS.Timeout | undefined;
  private lastActivity = Date.now();

  constructor(
    private readonly consumer: Consumer<string, string, string, string>,
    private readonly bus: KafkaTopics,
    private readonly delivery: DeliveryContext,
    private readonly options: SubscribeOptions,
    private readonly onStop: () => void,
  ) {}

  get group(): string {
    return this.options.group;
  }

  async start(): Promise<void> {
    this.stream = await this.openStream();
    this.loop = this.run();
    this.watchdog = setInterval(() => void this.checkStalled(), 10_000);
    this.watchdog.unref();
  }

  /**
   * A stream can stall without an error after a broker restart (fetching nothing while the group has
   * events waiting): idle for 10 s with lag behind it, the stream is closed and the run loop reopens it.
   */
  private async checkStalled(): Promise<void> {
    // A group that starts at the newest event has no commits on quiet partitions: no lag to read.
    if (this.options.start === 'latest') return;
    if (this.stopped || Date.now() - this.lastActivity < 10_000) return;
    const lag = await this.bus.lag(this.group, this.options.topics).catch(() => undefined);
    const behind = [...(lag?.values() ?? [])].reduce((sum, value) => sum + value, 0);
    if (behind === 0 || this.stopped || Date.now() - this.lastActivity < 10_000) return;
    this.delivery.logger.warn(
      { action: 'EVENT_STREAM_STALLED', group: this.group, lag: behind },
      `consumer group ${this.group} read nothing for 10 s with ${behind} event(s) waiting: reopening its stream`,
    );
    this.lastActivity = Date.now();
    await this.stream?.close().catch(() => undefined);
  }

  private async openStream() {
    return (await this.consumer.consume({
      topics: this.options.topics.map((topic) => this.bus.topicName(topic)),
      mode: 'committed',
      fallbackMode: this.options.start === 'latest' ? 'latest' : 'earliest',
      autocommit: false,
    })) as unknown as AsyncIterable<StringMessage> & { close(): Promise<void>; read(): unknown };
  }

  /** Reads until stopped; a stream that fails (a broker restart, a lost group) is opened again. */
  private async run(): Promise<void> {
    while (!this.stopped) {
      const stream = this.stream;
      try {
        if (stream === undefined) throw new Error('no stream');
        for await (const first of stream) {
          this.lastActivity = Date.now();
          // What the last fetch already buffered goes with it: one batch, one commit per partition.
          const batch: StringMessage[] = [first];
          for (let next = stream.read() as StringMessage | null; next !== null; ) {
            batch.push(next);
            if (batch.length >= 500) break;
            next = stream.read() as StringMessage | null;
          }
          await this.handle(batch);
          if (this.stopped) return;
        }
      } catch (error) {
        if (this.stopped) return;
        this.delivery.logger.warn(
          { action: 'EVENT_STREAM_FAILED', group: this.group, err: error },
          `consumer group ${this.group} lost its Kafka stream, reopening it: ${describe(error)}`,
        );
      }
      if (this.stopped) return;
      this.lastActivity = Date.now();
      await stream?.close().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      this.stream = await this.openStream().catch(() => undefined);
    }
  }

  /** Retried until it goes through: offsets are committed only after the batch was handled and recorded. */
  private async handle(batch: StringMessage[]): Promise<void> {
    const messages = batch.flatMap((message) => {
      const topic = this.bus.topicOf(message.topic);
      return topic === undefined
        ? []
        : [
            {
              topic,
              partition: message.partition,
              offset: String(message.offset),
              key: message.key ?? '',
              payload: message.value ?? '',
            },
          ];
    });
    const last = new Map<string, StringMessage>();
    for (const message of batch) last.set(`${message.topic}/${message.partition}`, message);
    for (;;) {
      try {
        await deliverBatch(
          this.delivery,
          this.group,
          messages,
          this.options.handler,
          this.options.isIdempotent,
        );
        break;
      } catch (error) {
        if (this.stopped) return;
        this.delivery.logger.error(
          { action: 'EVENT_CONSUME_FAILED', group: this.group, err: error },
          `consumer group ${this.group} could not finish ${batch.length} message(s) from ${[...last.keys()].join(', ')}: ${describe(error)}`,
        );
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    // A commit lost to a broker restart or a rebalance only means redelivery, which the handled-id
    // record turns into skips: go on reading rather than wait on a generation that is gone.
    for (const message of last.values())
      await Promise.resolve(message.commit()).catch((error: unknown) =>
        this.delivery.logger.warn(
          { action: 'EVENT_COMMIT_FAILED', group: this.group, err: error },
          `consumer group ${this.group} could not commit ${message.topic}/${message.partition}@${message.offset} (it will be redelivered and skipped): ${describe(error)}`,
        ),
      );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watchdog);
    await this.stream?.close().catch(() => undefined);
    // A loop stuck reopening against brokers that stay down must not hold the shutdown.
    await Promise.race([this.loop, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    await closeNow(this.consumer);
    this.onStop();
  }
}

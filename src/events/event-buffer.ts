import type { Logger } from '../logging/index.js';
import type { PlatformMetrics } from '../monitoring/index.js';
import type { EventBus } from './event-bus.js';
import type { EventInput, Topic } from './schemas.js';

export interface EventBufferOptions {
  topic: Topic;
  /** Events held at most; past it new ones are dropped and counted, never waited for. */
  capacity: number;
  /** Share of offered events kept (0–1): 1 keeps all, 0.1 one in ten. */
  sampleRate: number;
  /**
   * Events kept per second at most (0: no cap). A busy server's lists past it are counted, not stored: the
   * event log is for what happened, Prometheus counts every request.
   */
  maxPerSecond?: number;
  /** How often the buffer is flushed (it also flushes as soon as a batch is full). */
  flushIntervalMs?: number;
  /** Events per flush (published concurrently, so the embedded log writes them in one insert). */
  batchSize?: number;
  metrics?: PlatformMetrics | undefined;
  logger: Logger;
  random?: () => number;
  now?: () => number;
}

/** How often a warning about dropped events may be logged. */
const WARN_EVERY_MS = 30_000;

/**
 * Takes events from a hot path (served recommendations) at the cost of an array push: they are published
 * in batches off the request path. Memory is bounded: when the bus falls behind and the buffer is full,
 * new events are dropped, counted in `mlops_events_dropped_total{topic,reason}` and warned about (at most
 * every 30 s) — a request never waits for, or fails with, the event log. Publish failures are counted the
 * same way, never swallowed silently.
 */
export class EventBuffer<T extends Topic = Topic> {
  private queue: EventInput<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private lastWarning = 0;
  private droppedSinceWarning = 0;
  private isStopped = false;
  private readonly batchSize: number;
  private readonly random: () => number;
  private second = 0;
  private keptThisSecond = 0;
  // Left-out counts wait here and reach the metric once a second: a labelled increment per request costs.
  private readonly leftOut = { sampled_out: 0, over_rate: 0 };

  constructor(
    private readonly bus: () => Promise<EventBus>,
    private readonly options: EventBufferOptions & { topic: T },
  ) {
    this.batchSize = options.batchSize ?? 1000;
    this.random = options.random ?? Math.random;
  }

  /** Events waiting to be published. */
  get size(): number {
    return this.queue.length;
  }

  /** Keeps the event for the next flush (or leaves it out: sampled out, over the rate cap or capacity). Never throws. */
  offer(input: EventInput<T>): void {
    if (this.isStopped) return;
    if (this.options.sampleRate < 1 && !(this.random() < this.options.sampleRate)) {
      this.count('sampled_out');
      return;
    }
    const cap = this.options.maxPerSecond ?? 0;
    if (cap > 0) {
      const second = Math.floor((this.options.now ?? Date.now)() / 1000);
      if (second !== this.second) {
        this.second = second;
        this.keptThisSecond = 0;
        this.reportLeftOut();
      }
      if (this.keptThisSecond >= cap) {
        this.count('over_rate');
        return;
      }
      this.keptThisSecond++;
    }
    if (this.queue.length >= this.options.capacity) {
      this.drop('buffer_full', 1);
      return;
    }
    this.queue.push(input);
    if (this.queue.length >= this.batchSize) void this.publishBatches(false);
    else this.schedule();
  }

  /** Publishes everything buffered now, one batch after another. */
  async flush(): Promise<void> {
    await this.publishBatches(true);
    if (this.queue.length > 0) await this.publishBatches(true);
  }

  /** One drain at a time; concurrent calls share it. */
  private publishBatches(isEverything: boolean): Promise<void> {
    this.flushing ??= this.drain(isEverything).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Publishes what is left and takes no more. */
  async stop(): Promise<void> {
    this.isStopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    await this.flush();
  }

  /**
   * Publishes a batch, and another only while a full one is waiting (or when stopping): events that arrive
   * during a publish wait for the next tick of the timer, so a busy server writes one batch a tick rather
   * than a stream of small ones (each a database round trip on the embedded bus).
   */
  private async drain(isEverything: boolean): Promise<void> {
    this.reportLeftOut();
    let isFirst = true;
    while (
      this.queue.length > 0 &&
      (isFirst || isEverything || this.isStopped || this.queue.length >= this.batchSize)
    ) {
      isFirst = false;
      const batch = this.queue.splice(0, this.batchSize);
      let bus: EventBus;
      try {
        bus = await this.bus();
      } catch (error) {
        this.drop('publish_failed', batch.length, error);
        continue;
      }
      const results = await Promise.allSettled(batch.map((input) => bus.publish(this.options.topic, input)));
      const failed = results.filter((result) => result.status === 'rejected');
      if (failed.length > 0) this.drop('publish_failed', failed.length, failed[0]?.reason);
    }
    if (this.queue.length > 0 && !this.isStopped) this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.publishBatches(false);
    }, this.options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Left out by configuration (sampling, the rate cap): counted, never warned about. */
  private count(reason: 'sampled_out' | 'over_rate'): void {
    this.leftOut[reason]++;
    this.schedule();
  }

  private reportLeftOut(): void {
    for (const reason of ['sampled_out', 'over_rate'] as const) {
      const count = this.leftOut[reason];
      if (count === 0) continue;
      this.options.metrics?.eventsDropped.inc({ topic: this.options.topic, reason }, count);
      this.leftOut[reason] = 0;
    }
  }

  private drop(reason: 'buffer_full' | 'publish_failed', count: number, error?: unknown): void {
    this.options.metrics?.eventsDropped.inc({ topic: this.options.topic, reason }, count);
    this.droppedSinceWarning += count;
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.options.logger.warn(
      {
        component: 'EVENTS',
        action: 'EVENTS_DROPPED',
        topic: this.options.topic,
        reason,
        dropped: this.droppedSinceWarning,
        ...(error === undefined ? {} : { err: error }),
      },
      reason === 'buffer_full'
        ? `${this.droppedSinceWarning} ${this.options.topic} event(s) dropped: the event bus is behind and the buffer of ${this.options.capacity} is full`
        : `${this.droppedSinceWarning} ${this.options.topic} event(s) dropped: publishing failed (${String(error)})`,
    );
    this.lastWarning = now;
    this.droppedSinceWarning = 0;
  }
}

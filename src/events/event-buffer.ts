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
  /** How often the buffer is flushed (it also flushes as soon as a batch is full). */
  flushIntervalMs?: number;
  /** Events per flush (published concurrently, so the embedded log writes them in one insert). */
  batchSize?: number;
  metrics?: PlatformMetrics | undefined;
  logger: Logger;
  random?: () => number;
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

  /** Keeps the event for the next flush (or drops it, sampled out or over capacity). Never throws. */
  offer(input: EventInput<T>): void {
    if (this.isStopped || this.options.sampleRate <= 0) return;
    if (this.options.sampleRate < 1 && this.random() >= this.options.sampleRate) return;
    if (this.queue.length >= this.options.capacity) {
      this.drop('buffer_full', 1);
      return;
    }
    this.queue.push(input);
    if (this.queue.length >= this.batchSize) void this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.options.flushIntervalMs ?? 1000);
      this.timer.unref();
    }
  }

  /** Publishes what is buffered now, one batch after another; concurrent calls share the work. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
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

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
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

import { EventEmitter } from 'node:events';
import { sql } from 'kysely';
import type { Logger } from '../logging/index.js';
import type { PlatformMetrics } from '../monitoring/index.js';
import type { MetadataDatabase } from '../storage/index.js';
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
import { buildEvent, decodeEvent, type EventInput, isTopic, type Topic } from './schemas.js';

export interface EmbeddedEventBusOptions {
  database: MetadataDatabase;
  logger: Logger;
  metrics?: PlatformMetrics | undefined;
  /** How often consumers look for events other processes wrote (this process's wake them at once). */
  pollMs?: number;
  /** Events a consumer takes at once. */
  batchSize?: number;
  /** How long a consumer group's lease lasts without renewal (another process takes over after it). */
  leaseMs?: number;
  retentionMs?: number;
}

interface Pending {
  row: { topic: string; event_id: string | null; type: string | null; key: string; payload: string };
  resolve: (seq: string) => void;
  reject: (error: unknown) => void;
}

// Serialises writers across processes (PostgreSQL): a sequence number is then only visible once every
// lower one is, so a consumer's position never skips an event still being committed.
const PUBLISH_LOCK = 0x6d6c6f70;

/**
 * The default bus: a log table in the metadata database (PGlite or PostgreSQL). Publishes are batched
 * into multi-row inserts; consumer groups keep a position per topic and hold a lease, so one process of a
 * group consumes at a time; events this process publishes wake its consumers at once.
 */
export class EmbeddedEventBus implements EventBus {
  readonly backend = 'embedded' as const;
  private readonly wake = new EventEmitter();
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private readonly subscriptions = new Set<EmbeddedSubscription>();
  private readonly delivery: DeliveryContext;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: EmbeddedEventBusOptions) {
    this.wake.setMaxListeners(0);
    this.delivery = {
      db: options.database.db,
      metrics: options.metrics,
      logger: options.logger,
      deadLetter: (topic, key, payload) => this.publishRaw(topic, key, payload),
    };
    const retention = options.retentionMs;
    if (retention !== undefined) {
      this.pruneTimer = setInterval(() => void this.prune(retention).catch(() => undefined), 3_600_000);
      this.pruneTimer.unref();
    }
  }

  get location(): string {
    return `${this.options.database.backend} event log`;
  }

  async publish<T extends Topic>(topic: T, input: EventInput<T>): Promise<PublishedEvent> {
    const event = buildEvent(topic, input);
    const seq = await this.enqueue({
      topic,
      event_id: event.id,
      type: event.type,
      key: event.key,
      payload: encodeEvent(event),
    });
    this.options.metrics?.eventsPublished.inc({ topic, type: event.type });
    return { ...event, partition: 0, offset: seq };
  }

  async publishRaw(topic: Topic, key: string, payload: string): Promise<void> {
    await this.enqueue({ topic, event_id: null, type: null, key, payload });
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const subscription = new EmbeddedSubscription(this.options, this.delivery, options, this.wake, () =>
      this.subscriptions.delete(subscription),
    );
    await subscription.start();
    this.subscriptions.add(subscription);
    return subscription;
  }

  async recent({ topic, limit }: { topic?: Topic; limit: number }): Promise<PublishedEvent[]> {
    let query = this.options.database.db
      .selectFrom('events')
      .select(['seq', 'topic', 'payload'])
      .orderBy('seq', 'desc')
      .limit(limit);
    if (topic !== undefined) query = query.where('topic', '=', topic);
    const rows = await query.execute();
    return rows.flatMap((row) => {
      if (!isTopic(row.topic)) return [];
      try {
        return [{ ...decodeEvent(row.payload, row.topic), partition: 0, offset: String(row.seq) }];
      } catch {
        return []; // foreign bytes: the dead-letter topic has them
      }
    });
  }

  async lag(group: string, topics: readonly Topic[]): Promise<Map<Topic, number>> {
    const lag = new Map<Topic, number>();
    const db = this.options.database.db;
    for (const topic of topics) {
      const position = await db
        .selectFrom('event_consumer_offsets')
        .select('position')
        .where('group_id', '=', group)
        .where('topic', '=', topic)
        .executeTakeFirst();
      const row = await db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('topic', '=', topic)
        .where('seq', '>', String(position?.position ?? 0))
        .executeTakeFirstOrThrow();
      lag.set(topic, Number(row.n));
    }
    return lag;
  }

  async ping(): Promise<void> {
    await this.options.database.ping();
  }

  async close(): Promise<void> {
    clearInterval(this.pruneTimer);
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.flushing;
  }

  /** Drops events and handled-id records older than the retention. */
  async prune(retentionMs: number): Promise<number> {
    const before = new Date(Date.now() - retentionMs);
    const db = this.options.database.db;
    const removed = await db.deleteFrom('events').where('published_at', '<', before).executeTakeFirst();
    await db.deleteFrom('event_processed').where('processed_at', '<', before).execute();
    return Number(removed.numDeletedRows);
  }

  private enqueue(row: Pending['row']): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.flushing ??= new Promise<void>((done) => setImmediate(done)).then(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    const topics = new Set<string>();
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, 1000);
      for (const pending of batch) topics.add(pending.row.topic);
      try {
        const rows = await this.options.database.db.transaction().execute(async (trx) => {
          if (this.options.database.backend === 'postgres')
            await sql`select pg_advisory_xact_lock(${PUBLISH_LOCK})`.execute(trx);
          return trx
            .insertInto('events')
            .values(batch.map((pending) => pending.row))
            .returning('seq')
            .execute();
        });
        for (const [index, pending] of batch.entries()) pending.resolve(String(rows[index]?.seq));
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    this.flushing = undefined;
    this.wake.emit('published', topics);
  }
}

class EmbeddedSubscription implements Subscription {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nudge: (() => void) | undefined;
  private readonly owner = `${consumerName()}-${Math.random().toString(36).slice(2, 8)}`;
  // Set by a publish that arrives while a batch is being handled, so the loop looks again at once.
  private woken = false;
  // Only publishes to this group's topics wake it: served-recommendation batches must not make every
  // consumer re-read the log.
  private readonly onPublished = (topics: ReadonlySet<string>) => {
    if (!this.subscribe.topics.some((topic) => topics.has(topic))) return;
    this.woken = true;
    this.nudge?.();
  };

  constructor(
    private readonly options: EmbeddedEventBusOptions,
    private readonly delivery: DeliveryContext,
    private readonly subscribe: SubscribeOptions,
    private readonly wake: EventEmitter,
    private readonly onStop: () => void,
  ) {}

  get group(): string {
    return this.subscribe.group;
  }

  async start(): Promise<void> {
    const db = this.options.database.db;
    // A new group starts at the beginning of each topic, or after its newest event.
    for (const topic of this.subscribe.topics) {
      let position = '0';
      if (this.subscribe.start === 'latest') {
        const newest = await db
          .selectFrom('events')
          .select((eb) => eb.fn.max('seq').as('seq'))
          .where('topic', '=', topic)
          .executeTakeFirst();
        position = String(newest?.seq ?? 0);
      }
      await db
        .insertInto('event_consumer_offsets')
        .values({ group_id: this.group, topic, position })
        .onConflict((conflict) => conflict.columns(['group_id', 'topic']).doNothing())
        .execute();
    }
    this.wake.on('published', this.onPublished);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.off('published', this.onPublished);
    this.nudge?.();
    await this.loop;
    await this.options.database.db
      .deleteFrom('event_consumer_leases')
      .where('group_id', '=', this.group)
      .where('owner', '=', this.owner)
      .execute()
      .catch(() => undefined);
    this.onStop();
  }

  private async run(): Promise<void> {
    const pollMs = this.options.pollMs ?? 250;
    while (!this.stopped) {
      let more = false;
      this.woken = false;
      try {
        if (await this.holdLease()) more = await this.consumeBatch();
      } catch (error) {
        this.options.logger.error(
          { action: 'EVENT_CONSUME_FAILED', group: this.group, err: error },
          `consumer group ${this.group} failed to read the event log: ${String(error)}`,
        );
      }
      if (!more && !this.stopped && !this.woken)
        await new Promise<void>((resolve) => {
          this.nudge = resolve;
          this.timer = setTimeout(resolve, pollMs);
        });
      clearTimeout(this.timer);
      this.nudge = undefined;
    }
  }

  /** Takes or renews the group's lease; false while another process holds it. */
  private async holdLease(): Promise<boolean> {
    const leaseMs = this.options.leaseMs ?? 15_000;
    const until = new Date(Date.now() + leaseMs);
    const row = await this.options.database.db
      .insertInto('event_consumer_leases')
      .values({ group_id: this.group, owner: this.owner, lease_until: until })
      .onConflict((conflict) =>
        conflict
          .column('group_id')
          .doUpdateSet({ owner: this.owner, lease_until: until })
          .where((eb) =>
            eb.or([
              eb('event_consumer_leases.owner', '=', this.owner),
              eb('event_consumer_leases.lease_until', '<', new Date()),
            ]),
          ),
      )
      .returning('owner')
      .executeTakeFirst();
    return row?.owner === this.owner;
  }

  /** Handles the next batch; true when there may be more right away. */
  private async consumeBatch(): Promise<boolean> {
    const db = this.options.database.db;
    const batchSize = this.options.batchSize ?? 500;
    const positions = await db
      .selectFrom('event_consumer_offsets')
      .select(['topic', 'position'])
      .where('group_id', '=', this.group)
      .where('topic', 'in', [...this.subscribe.topics])
      .execute();
    if (positions.length === 0) return false;
    const rows = await db
      .selectFrom('events')
      .select(['seq', 'topic', 'key', 'payload', 'published_at'])
      .where((eb) =>
        eb.or(
          positions.map((position) =>
            eb.and([eb('topic', '=', position.topic), eb('seq', '>', String(position.position))]),
          ),
        ),
      )
      .orderBy('seq')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) return false;
    const messages: RawMessage[] = rows.map((row) => ({
      topic: row.topic as Topic,
      partition: 0,
      offset: String(row.seq),
      key: row.key,
      payload: row.payload,
      publishedAt: row.published_at,
    }));
    await deliverBatch(
      this.delivery,
      this.group,
      messages,
      this.subscribe.handler,
      this.subscribe.isIdempotent,
    );
    const newest = new Map<string, string>();
    for (const row of rows) newest.set(row.topic, String(row.seq));
    for (const [topic, position] of newest)
      await db
        .updateTable('event_consumer_offsets')
        .set({ position, updated_at: new Date() })
        .where('group_id', '=', this.group)
        .where('topic', '=', topic)
        .execute();
    return rows.length === batchSize;
  }
}

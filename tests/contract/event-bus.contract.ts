import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/errors/index.js';
import type { EventBus, PublishedEvent, Subscription } from '../../src/events/index.js';
import type { Platform } from '../../src/platform/index.js';

export interface EventBusFixture {
  bus: EventBus;
  platform: Platform;
  dispose(): Promise<void>;
}

/** Collects what a handler saw, and waits for it. */
class Received {
  readonly events: PublishedEvent[] = [];
  handler = async (event: PublishedEvent) => {
    this.events.push(event);
  };
  async waitFor(count: number, timeoutMs = 20_000): Promise<PublishedEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < count) {
      if (Date.now() > deadline)
        throw new Error(`received ${this.events.length} of ${count} events within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.events;
  }
}

const interaction = (userId: number, movieId: number) => ({
  type: 'user.interaction' as const,
  source: 'test',
  data: { user_id: userId, movie_id: movieId, interaction_type: 'watch' as const },
});

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The behaviour every event bus backend must have; each backend's test file runs it against the real engine. */
export function runEventBusContract(name: string, open: () => Promise<EventBusFixture>): void {
  describe(`event bus contract: ${name}`, () => {
    let fixture: EventBusFixture | undefined;
    const subscriptions: Subscription[] = [];
    const opened = () => {
      if (fixture === undefined) throw new Error('the bus did not open');
      return fixture;
    };
    const group = () => `g-${randomUUID().slice(0, 8)}`;

    beforeEach(async () => {
      fixture = await open();
    });
    afterEach(async () => {
      for (const subscription of subscriptions.splice(0)) await subscription.stop();
      await fixture?.dispose();
    });

    it('rejects an invalid event at the producer, naming the field, and stores nothing', async () => {
      const { bus } = opened();
      const attempt = bus.publish('user-events', {
        type: 'user.interaction',
        data: { user_id: 'se ven', movie_id: 1, interaction_type: 'watch' as const },
      });
      await expect(attempt).rejects.toMatchObject({ code: 'MLOPS_ERR_EVENT_INVALID', field: 'data.user_id' });
      await expect(
        // A producer outside the type system (a script, another language) can still send these.
        bus.publish('user-events', { type: 'model.promoted', data: {} } as never),
      ).rejects.toMatchObject({ code: 'MLOPS_ERR_EVENT_INVALID', field: 'type' });
      await expect(
        bus.publish('user-events', {
          type: 'user.interaction',
          data: { user_id: 1, movie_id: 1, interaction_type: 'watch', extra: true },
        } as never),
      ).rejects.toBeInstanceOf(MlopsError);
      expect(await bus.recent({ topic: 'user-events', limit: 10 })).toEqual([]);
    });

    it('delivers every event to a group in order per key, and lists them newest first', async () => {
      const { bus } = opened();
      const received = new Received();
      subscriptions.push(
        await bus.subscribe({ group: group(), topics: ['user-events'], handler: received.handler }),
      );
      const published: PublishedEvent[] = [];
      for (let index = 0; index < 20; index += 1) {
        published.push(await bus.publish('user-events', interaction(index % 2, 100 + index)));
        // Distinct publish times: "newest first" across Kafka partitions is by time.
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      const events = await received.waitFor(20);
      expect(new Set(events.map((event) => event.id))).toEqual(new Set(published.map((event) => event.id)));
      for (const user of [0, 1]) {
        const movies = events
          .filter((event) => event.data.user_id === user)
          .map((event) => event.data.movie_id);
        expect(movies).toEqual([...movies].sort((a, b) => Number(a) - Number(b)));
      }
      expect(events[0]).toMatchObject({
        topic: 'user-events',
        type: 'user.interaction',
        version: 1,
        source: 'test',
      });
      expect(events[0]?.key).toMatch(/^user_[01]$/);
      const recent = await bus.recent({ topic: 'user-events', limit: 5 });
      expect(recent).toHaveLength(5);
      expect(new Set(recent.map((event) => event.data.movie_id))).toEqual(new Set([115, 116, 117, 118, 119]));
      await bus.publish('system-health', {
        type: 'system.overload',
        data: { service_name: 'api', metric: 'cpu', value: 99, threshold: 90 },
      });
      const health = await bus.recent({ topic: 'system-health', limit: 10 });
      expect(health.map((event) => event.type)).toEqual(['system.overload']);
      expect(health[0]?.data.severity).toBe('warning'); // the schema's default, applied at the producer
    });

    it('stores every one of many concurrent publishes once, each at a position of its own', async () => {
      const { bus } = opened();
      const received = new Received();
      subscriptions.push(
        await bus.subscribe({ group: group(), topics: ['user-events'], handler: received.handler }),
      );
      const published = await Promise.all(
        Array.from({ length: 300 }, (_, index) => bus.publish('user-events', interaction(index % 11, index))),
      );
      expect(new Set(published.map((event) => `${event.partition}/${event.offset}`)).size).toBe(300);
      const events = await received.waitFor(300);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(events).toHaveLength(300);
      expect(new Set(events.map((event) => event.data.movie_id)).size).toBe(300);
      const positions = new Map(published.map((event) => [event.id, `${event.partition}/${event.offset}`]));
      for (const event of events) expect(`${event.partition}/${event.offset}`).toBe(positions.get(event.id));
    });

    it('gives each group every event, and a restarted group resumes where it stopped', async () => {
      const { bus } = opened();
      const first = new Received();
      const other = new Received();
      const name = group();
      const subscription = await bus.subscribe({
        group: name,
        topics: ['user-events'],
        handler: first.handler,
      });
      subscriptions.push(
        await bus.subscribe({ group: group(), topics: ['user-events'], handler: other.handler }),
      );
      for (let index = 0; index < 5; index += 1) await bus.publish('user-events', interaction(1, index));
      await first.waitFor(5);
      await subscription.stop();
      for (let index = 5; index < 8; index += 1) await bus.publish('user-events', interaction(1, index));
      const resumed = new Received();
      subscriptions.push(
        await bus.subscribe({ group: name, topics: ['user-events'], handler: resumed.handler }),
      );
      await resumed.waitFor(3);
      await other.waitFor(8);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(resumed.events.map((event) => event.data.movie_id)).toEqual([5, 6, 7]);
      expect(first.events).toHaveLength(5);
      expect(other.events).toHaveLength(8);
    });

    it('handles a redelivered event once (consumers de-duplicate by event id)', async () => {
      const { bus } = opened();
      const received = new Received();
      subscriptions.push(
        await bus.subscribe({ group: group(), topics: ['user-events'], handler: received.handler }),
      );
      const event = await bus.publish('user-events', interaction(3, 30));
      await bus.publish('user-events', { ...interaction(3, 30), id: event.id });
      await bus.publish('user-events', interaction(3, 31));
      await received.waitFor(2);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(received.events.map((seen) => seen.data.movie_id)).toEqual([30, 31]);
    });

    it('sends undecodable messages and events its handler keeps failing on to the dead-letter topic, and goes on', async () => {
      const { bus } = opened();
      const received = new Received();
      const letters = new Received();
      let failures = 0;
      subscriptions.push(
        await bus.subscribe({
          group: group(),
          topics: ['user-events'],
          handler: async (event) => {
            if (event.data.movie_id === 13) {
              failures += 1;
              throw new Error('movie 13 is cursed');
            }
            await received.handler(event);
          },
        }),
      );
      subscriptions.push(
        await bus.subscribe({ group: group(), topics: ['dead-letter'], handler: letters.handler }),
      );
      await bus.publishRaw('user-events', 'user_9', 'this is not json {');
      await bus.publishRaw('user-events', 'user_9', JSON.stringify({ id: 'x', topic: 'user-events' }));
      await bus.publish('user-events', interaction(9, 13));
      await bus.publish('user-events', interaction(9, 14));
      await received.waitFor(1);
      const dead = await letters.waitFor(3);
      expect(received.events.map((event) => event.data.movie_id)).toEqual([14]);
      expect(failures).toBe(3);
      const reasons = dead.map((letter) => [letter.data.reason, letter.data.topic]);
      expect(reasons).toEqual([
        ['undecodable', 'user-events'],
        ['undecodable', 'user-events'],
        ['handler_failed', 'user-events'],
      ]);
      expect(dead[0]?.data.payload).toBe('this is not json {');
      expect(String(dead[0]?.data.error)).toMatch(/not JSON/);
      expect(String(dead[2]?.data.error)).toMatch(/movie 13 is cursed/);
      const metrics = await opened().platform.metrics.registry.metrics();
      expect(metrics).toMatch(
        /mlops_events_failed_total\{topic="user-events",group="g-[^"]+",reason="undecodable"\} 2/,
      );
    });

    it('reports a group’s lag, and a new group can start after the newest event', async () => {
      const { bus } = opened();
      const name = group();
      const early = await bus.subscribe({
        group: name,
        topics: ['model-drift-alerts'],
        handler: async () => {},
      });
      await early.stop();
      for (let index = 0; index < 4; index += 1)
        await bus.publish('model-drift-alerts', {
          type: 'model.drift_detected',
          data: {
            model_name: 'm',
            model_version: '1',
            drift_score: 0.4 + index,
            threshold: 0.3,
            drift_type: 'data',
          },
        });
      await until(async () => (await bus.lag(name, ['model-drift-alerts'])).get('model-drift-alerts') === 4);
      const received = new Received();
      subscriptions.push(
        await bus.subscribe({ group: name, topics: ['model-drift-alerts'], handler: received.handler }),
      );
      await received.waitFor(4);
      await until(async () => (await bus.lag(name, ['model-drift-alerts'])).get('model-drift-alerts') === 0);

      const late = new Received();
      subscriptions.push(
        await bus.subscribe({
          group: group(),
          topics: ['model-drift-alerts'],
          handler: late.handler,
          start: 'latest',
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await bus.publish('model-drift-alerts', {
        type: 'model.drift_detected',
        data: { model_name: 'm', model_version: '1', drift_score: 9, threshold: 0.3, drift_type: 'data' },
      });
      await late.waitFor(1);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(late.events.map((event) => event.data.drift_score)).toEqual([9]);
    });
  });
}

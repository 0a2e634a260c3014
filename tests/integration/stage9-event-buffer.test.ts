import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBuffer, type EventBus } from '../../src/events/index.js';
import { openTestPlatform, type TestPlatform } from '../helpers/platform.js';

const served = (user: number) => ({
  type: 'recommendation.served' as const,
  source: 'serving',
  data: {
    user_id: user,
    movie_ids: [1, 2, 3],
    model_name: 'movie_predictor',
    model_version: '1',
    variant: 'champion' as const,
  },
});

describe('the served-events buffer, on the embedded event log', () => {
  let test: TestPlatform;
  const stored = async () => {
    const row = await test.platform.database.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('topic', '=', 'movie-recommendations')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  const dropped = async (reason: string) => {
    const metric = await test.platform.metrics.registry.getSingleMetricAsString('mlops_events_dropped_total');
    const line = metric.split('\n').find((entry) => entry.includes(`reason="${reason}"`));
    return Number(line?.split(' ').at(-1) ?? 0);
  };

  beforeAll(async () => {
    test = await openTestPlatform();
  });
  afterAll(async () => {
    await test?.dispose();
  });

  it('publishes what it is offered in batches, off the caller: offer returns before anything is stored', async () => {
    const before = await stored();
    const buffer = new EventBuffer(() => test.platform.events(), {
      topic: 'movie-recommendations',
      capacity: 10_000,
      sampleRate: 1,
      flushIntervalMs: 50,
      logger: test.logger,
      metrics: test.platform.metrics,
    });
    for (let user = 0; user < 700; user++) buffer.offer(served(user));
    expect(await stored()).toBe(before);
    await expect.poll(stored).toBe(before + 700);
    expect(buffer.size).toBe(0);
    await buffer.stop();
  });

  it('never holds more than its capacity: the rest is dropped, counted and warned about once', async () => {
    const before = await stored();
    const droppedBefore = await dropped('buffer_full');
    const buffer = new EventBuffer(() => test.platform.events(), {
      topic: 'movie-recommendations',
      capacity: 5,
      sampleRate: 1,
      logger: test.logger,
      metrics: test.platform.metrics,
    });
    for (let user = 0; user < 20; user++) buffer.offer(served(user));
    expect(buffer.size).toBe(5);
    expect((await dropped('buffer_full')) - droppedBefore).toBe(15);
    const warnings = test.logLines().filter((line) => line.action === 'EVENTS_DROPPED');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/^1 movie-recommendations event\(s\) dropped: .* buffer of 5 is full/);
    await buffer.stop();
    expect(await stored()).toBe(before + 5);
    buffer.offer(served(1));
    expect(buffer.size).toBe(0);
  });

  it('keeps the configured share when sampling, and none at 0', async () => {
    const before = await stored();
    let draw = 0;
    const buffer = new EventBuffer(() => test.platform.events(), {
      topic: 'movie-recommendations',
      capacity: 10_000,
      sampleRate: 0.25,
      logger: test.logger,
      random: () => (draw++ % 4) / 4,
    });
    for (let user = 0; user < 400; user++) buffer.offer(served(user));
    await buffer.stop();
    expect((await stored()) - before).toBe(100);
    const off = new EventBuffer(() => test.platform.events(), {
      topic: 'movie-recommendations',
      capacity: 10_000,
      sampleRate: 0,
      logger: test.logger,
    });
    off.offer(served(1));
    expect(off.size).toBe(0);
  });

  it('counts events the bus refuses instead of losing them without a trace', async () => {
    const before = await dropped('publish_failed');
    const buffer = new EventBuffer(() => test.platform.events(), {
      topic: 'movie-recommendations',
      capacity: 100,
      sampleRate: 1,
      logger: test.logger,
      metrics: test.platform.metrics,
    });
    buffer.offer({ ...served(1), data: { ...served(1).data, variant: 'nobody' as never } });
    buffer.offer(served(2));
    await buffer.stop();
    expect((await dropped('publish_failed')) - before).toBe(1);
  });

  it('writes a busy stream as a few large batches, not one small insert after another', async () => {
    const real = await test.platform.events();
    let batches = 0;
    let isInBatch = false;
    // The buffer publishes a batch in one synchronous sweep: count the sweeps.
    const counting: EventBus = Object.assign(Object.create(real) as EventBus, {
      publish: ((topic, input) => {
        if (!isInBatch) {
          batches++;
          isInBatch = true;
          queueMicrotask(() => {
            isInBatch = false;
          });
        }
        // A bus that takes a few milliseconds per batch, as a loaded database does.
        return new Promise((resolve) => setTimeout(resolve, 5)).then(() => real.publish(topic, input));
      }) as EventBus['publish'],
    });
    const buffer = new EventBuffer(async () => counting, {
      topic: 'movie-recommendations',
      capacity: 10_000,
      sampleRate: 1,
      flushIntervalMs: 100,
      logger: test.logger,
    });
    const before = await stored();
    // 100 rounds of 10 lists, 2 ms apart: what a busy server offers.
    for (let round = 0; round < 100; round++) {
      for (let user = 0; user < 10; user++) buffer.offer(served(round * 10 + user));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await buffer.stop();
    expect(await stored()).toBe(before + 1000);
    expect(batches).toBeGreaterThan(1);
    expect(batches).toBeLessThanOrEqual(12);
  });

  it('keeps at most the configured number a second, and counts what it leaves out', async () => {
    const before = await stored();
    const overBefore = await dropped('over_rate');
    const sampledBefore = await dropped('sampled_out');
    let now = 1_000_000;
    const buffer = new EventBuffer(() => test.platform.events(), {
      topic: 'movie-recommendations',
      capacity: 10_000,
      sampleRate: 1,
      maxPerSecond: 50,
      logger: test.logger,
      metrics: test.platform.metrics,
      now: () => now,
    });
    for (let user = 0; user < 200; user++) buffer.offer(served(user));
    now += 1000; // the next second: another 50
    for (let user = 0; user < 80; user++) buffer.offer(served(user));
    await buffer.stop();
    expect((await stored()) - before).toBe(100);
    expect((await dropped('over_rate')) - overBefore).toBe(180);

    const sampled = new EventBuffer(() => test.platform.events(), {
      topic: 'movie-recommendations',
      capacity: 10_000,
      sampleRate: 0,
      logger: test.logger,
      metrics: test.platform.metrics,
    });
    for (let user = 0; user < 7; user++) sampled.offer(served(user));
    await sampled.stop();
    expect((await dropped('sampled_out')) - sampledBefore).toBe(7);
  });
});

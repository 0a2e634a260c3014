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
  let bus: EventBus;
  const stored = async () => (await bus.recent({ topic: 'movie-recommendations', limit: 1000 })).length;
  const dropped = async (reason: string) => {
    const metric = await test.platform.metrics.registry.getSingleMetricAsString('mlops_events_dropped_total');
    const line = metric.split('\n').find((entry) => entry.includes(`reason="${reason}"`));
    return Number(line?.split(' ').at(-1) ?? 0);
  };

  beforeAll(async () => {
    test = await openTestPlatform();
    bus = await test.platform.events();
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
});

/**
 * Benchmark: the event bus, on each backend — the embedded log (PGlite, or `postgres`: the same log in a
 * PostgreSQL database), Redis Streams and Kafka — opened
 * the way the platform opens it (MLOPS_EVENT_BUS, `platform.events()`), each on a fresh platform whose
 * PGlite database holds the consumers' de-duplication table. For each backend: (1) publish throughput of
 * `user.interaction` events, one awaited call at a time; (2) consume throughput of one new group reading
 * what (1) stored, from `earliest` (the de-duplication check and record included); (3) end-to-end latency,
 * publish call → handler, of `--latency-events` events published one at a time every `--interval-ms` to a
 * subscribed group; (4) publish throughput with `--window` calls in flight at once — last, because it
 * breaks the Kafka bus's producer. Redis and Kafka run under a topic prefix of their own, deleted at the end.
 *
 *   npm run bench:events [-- --events 20000 --window 500 --latency-events 500 --interval-ms 5]
 *   (uses MLOPS_TEST_REDIS_URL / MLOPS_TEST_KAFKA_BROKERS, or starts them with scripts/run_local_services.sh)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.js';
import { type EventBus, type EventInput, TOPICS } from '../src/events/index.js';
import { createLogger } from '../src/logging/index.js';
import { openPlatform } from '../src/platform/index.js';
import { printTable as printRows } from './helpers.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    window: { type: 'string', default: '500' },
    'latency-events': { type: 'string', default: '500' },
    'interval-ms': { type: 'string', default: '5' },
    backends: { type: 'string', default: 'embedded,postgres,redis,kafka' },
    json: { type: 'string' },
  },
});
const EVENTS = Number(values.events);
const WINDOW = Number(values.window);
const LATENCY_EVENTS = Number(values['latency-events']);
const INTERVAL_MS = Number(values['interval-ms']);
const WARMUP = 1000;
/** How long a consumer may take to deliver what it was sent before the bench gives up on it. */
const DELIVERY_TIMEOUT_MS = 600_000;
const repo = path.resolve(import.meta.dirname, '..');
// Warnings go to stderr: stdout is kept for the figures.
const logger = createLogger({
  level: 'warn',
  format: 'json',
  destination: pino.destination({ dest: 2, sync: true }),
});

type Backend = 'embedded' | 'postgres' | 'redis' | 'kafka';

interface Services {
  redisUrl: string;
  kafkaBrokers: string;
  /** An administrator's URL: the bench creates a database of its own there and drops it afterwards. */
  postgresUrl: string;
}

interface Figures {
  backend: Backend;
  location: string;
  publish_sequential_per_s: number;
  publish_concurrent_per_s: number;
  publish_concurrent_rejected: number;
  publish_concurrent_unstored: number;
  publish_concurrent_first_error: string | null;
  consumed: number;
  consume_per_s: number;
  /** Handler calls beyond one per event: redeliveries the de-duplication let through. */
  duplicate_deliveries: number;
  latency_p50_ms: number;
  latency_p95_ms: number;
  latency_p99_ms: number;
  latency_max_ms: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Redis and Kafka from the environment; whichever is missing is started by run_local_services.sh. */
function services(): Services {
  let redisUrl = process.env.MLOPS_TEST_REDIS_URL || undefined;
  let kafkaBrokers = process.env.MLOPS_TEST_KAFKA_BROKERS || undefined;
  let postgresUrl = process.env.MLOPS_TEST_POSTGRES_URL || undefined;
  const missing = [
    ...(redisUrl ? [] : ['redis']),
    ...(kafkaBrokers ? [] : ['kafka']),
    ...(postgresUrl ? [] : ['postgres']),
  ];
  if (missing.length > 0) {
    const output = execFileSync(
      'bash',
      [path.join(repo, 'scripts/run_local_services.sh'), 'up', ...missing],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    ).toString();
    redisUrl ??= /export MLOPS_TEST_REDIS_URL=(\S+)/.exec(output)?.[1];
    kafkaBrokers ??= /export MLOPS_TEST_KAFKA_BROKERS=(\S+)/.exec(output)?.[1];
    postgresUrl ??= /export MLOPS_TEST_POSTGRES_URL=(\S+)/.exec(output)?.[1];
  }
  if (redisUrl === undefined || kafkaBrokers === undefined || postgresUrl === undefined)
    throw new Error('run_local_services.sh did not start Redis, Kafka and PostgreSQL');
  return { redisUrl, kafkaBrokers, postgresUrl };
}

/** The settings that make `platform.events()` open this backend. */
function busEnv(
  backend: Backend,
  { redisUrl, kafkaBrokers, postgresUrl }: Services,
  prefix: string,
): Record<string, string> {
  if (backend === 'postgres')
    return { MLOPS_EVENT_BUS: 'embedded', MLOPS_DATABASE_URL: benchDatabaseUrl(postgresUrl, prefix) };
  if (backend === 'redis')
    return { MLOPS_EVENT_BUS: 'redis', REDIS_URL: redisUrl, MLOPS_EVENT_TOPIC_PREFIX: prefix };
  if (backend === 'kafka')
    return { MLOPS_EVENT_BUS: 'kafka', KAFKA_BROKERS: kafkaBrokers, MLOPS_EVENT_TOPIC_PREFIX: prefix };
  return { MLOPS_EVENT_BUS: 'embedded' };
}

function interaction(index: number): EventInput<'user-events'> {
  return {
    type: 'user.interaction',
    source: 'bench',
    data: { user_id: 1 + (index % 6000), movie_id: 1 + (index % 10_000), interaction_type: 'watch' },
  };
}

/** Rejects with `describe()` if `promise` has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, describe: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(describe())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Events per second over `count` publishes, each awaited before the next. */
async function publishSequential(bus: EventBus, count: number): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < count; index++) await bus.publish('user-events', interaction(index));
  return count / ((performance.now() - started) / 1000);
}

interface Concurrent {
  perSecond: number;
  /** Publishes that threw. */
  rejected: number;
  /** Publishes that resolved with a position another resolved publish also got: acknowledged, not stored. */
  unstored: number;
  firstError: string | undefined;
}

/**
 * Events per second over `count` publishes, `window` in flight at once (a window ends when all settle).
 * Failures are counted rather than thrown, and every resolved publish must have a position of its own.
 */
async function publishConcurrent(bus: EventBus, count: number, window: number): Promise<Concurrent> {
  const positions = new Set<string>();
  let resolved = 0;
  let rejected = 0;
  let firstError: string | undefined;
  const started = performance.now();
  for (let first = 0; first < count; first += window) {
    const calls = [];
    for (let index = first; index < Math.min(count, first + window); index++)
      calls.push(bus.publish('user-events', interaction(index)));
    for (const outcome of await Promise.allSettled(calls)) {
      if (outcome.status === 'fulfilled') {
        resolved++;
        positions.add(`${outcome.value.partition}/${outcome.value.offset}`);
      } else {
        rejected++;
        firstError ??= outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
      }
    }
  }
  const perSecond = count / ((performance.now() - started) / 1000);
  return { perSecond, rejected, unstored: resolved - positions.size, firstError };
}

/** A new group reads the topic from `earliest`: events per second until it has handled `expected`. */
async function consumeAll(
  bus: EventBus,
  expected: number,
): Promise<{ perSecond: number; duplicates: number }> {
  const seen = new Set<string>();
  let calls = 0;
  let finish: (at: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const started = performance.now();
  const subscription = await bus.subscribe({
    group: 'bench-consume',
    topics: ['user-events'],
    start: 'earliest',
    handler: async (event) => {
      calls++;
      seen.add(event.id);
      if (seen.size === expected) finish(performance.now());
    },
  });
  try {
    const ended = await within(
      finished,
      DELIVERY_TIMEOUT_MS,
      () => `${bus.backend}: the consumer handled ${seen.size} of ${expected} events`,
    );
    return { perSecond: expected / ((ended - started) / 1000), duplicates: calls - seen.size };
  } finally {
    await subscription.stop();
  }
}

/** Publishes probes until the subscription delivers one: a `latest` group skips what came before it joined. */
async function untilDelivering(bus: EventBus, isDelivering: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!isDelivering()) {
    if (Date.now() > deadline) throw new Error(`${bus.backend}: the latency group never started delivering`);
    await bus.publish('user-events', interaction(0));
    await sleep(100);
  }
}

/** Publish-call start → handler, per event, for events published one at a time every `intervalMs`. */
async function endToEnd(bus: EventBus, count: number, intervalMs: number): Promise<number[]> {
  const starts = new Map<string, number>();
  const latencies: number[] = [];
  let isDelivering = false;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const subscription = await bus.subscribe({
    group: 'bench-latency',
    topics: ['user-events'],
    start: 'latest',
    handler: async (event) => {
      const start = starts.get(event.id);
      isDelivering = true;
      if (start === undefined) return; // a probe
      latencies.push(performance.now() - start);
      starts.delete(event.id);
      if (latencies.length === count) finish();
    },
  });
  try {
    await untilDelivering(bus, () => isDelivering);
    const began = performance.now();
    for (let index = 0; index < count; index++) {
      // A fixed schedule: a slow publish is not followed by a longer pause.
      const wait = began + index * intervalMs - performance.now();
      if (wait > 0) await sleep(wait);
      const id = randomUUID();
      starts.set(id, performance.now());
      await bus.publish('user-events', { ...interaction(index), id });
    }
    await within(
      finished,
      DELIVERY_TIMEOUT_MS,
      () => `${bus.backend}: the latency group handled ${latencies.length} of ${count} events`,
    );
  } finally {
    await subscription.stop();
  }
  return latencies.sort((a, b) => a - b);
}

/** Runs the four measurements on one backend, on a fresh platform in a temporary home. */
async function measure(backend: Backend, env: Record<string, string>): Promise<Figures> {
  const home = mkdtempSync(path.join(tmpdir(), 'mlops-bench-events-'));
  const platform = await openPlatform(loadConfig({ env: { MLOPS_HOME: home, ...env }, cwd: home }), logger);
  try {
    const bus = await platform.events();
    progress(`${backend} (${bus.location}): warm-up, then ${EVENTS} events published one at a time`);
    await publishSequential(bus, WARMUP); // JIT and connections; consumed below with the rest
    const sequential = await publishSequential(bus, EVENTS);
    const stored = WARMUP + EVENTS;
    progress(`${backend}: one group consuming the ${stored} stored events`);
    const consumed = await consumeAll(bus, stored);
    progress(`${backend}: end-to-end latency over ${LATENCY_EVENTS} events, one every ${INTERVAL_MS} ms`);
    const latencies = await endToEnd(bus, LATENCY_EVENTS, INTERVAL_MS);
    // Last: on Kafka, concurrent publishes desynchronise the idempotent producer's sequence numbers, and
    // every publish after that fails.
    progress(`${backend}: ${EVENTS} events published ${WINDOW} at a time`);
    const concurrent = await publishConcurrent(bus, EVENTS, WINDOW);
    return {
      backend,
      location: bus.location,
      publish_sequential_per_s: sequential,
      publish_concurrent_per_s: concurrent.perSecond,
      publish_concurrent_rejected: concurrent.rejected,
      publish_concurrent_unstored: concurrent.unstored,
      publish_concurrent_first_error: concurrent.firstError ?? null,
      consumed: stored,
      consume_per_s: consumed.perSecond,
      duplicate_deliveries: consumed.duplicates,
      latency_p50_ms: percentile(latencies, 50),
      latency_p95_ms: percentile(latencies, 95),
      latency_p99_ms: percentile(latencies, 99),
      latency_max_ms: latencies.at(-1) ?? Number.NaN,
    };
  } finally {
    await platform.close(); // closes the bus: its subscriptions, and Kafka's clients
    rmSync(home, { recursive: true, force: true });
  }
}

/** Deletes the run's streams (Redis) or topics and groups (Kafka): the broker keeps nothing of the bench. */
/** The URL of the bench's own PostgreSQL database (named after the run's prefix). */
function benchDatabaseUrl(adminUrl: string, prefix: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${prefix.replace('.', '')}`;
  return url.toString();
}

async function withPostgres(adminUrl: string, work: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

async function dropBrokerState(
  backend: Backend,
  { redisUrl, kafkaBrokers, postgresUrl }: Services,
  prefix: string,
) {
  const names = TOPICS.map((topic) => `${prefix}${topic}`);
  if (backend === 'postgres')
    await withPostgres(postgresUrl, (client) =>
      client.query(`drop database if exists ${prefix.replace('.', '')} with (force)`).then(() => undefined),
    );
  if (backend === 'redis') {
    const redis = new Redis(redisUrl);
    await redis.del(...names);
    redis.disconnect();
  }
  if (backend === 'kafka') {
    const admin = new Admin({ clientId: 'bench-events-cleanup', bootstrapBrokers: kafkaBrokers.split(',') });
    // Best effort: a run that failed early has no groups, and the failure is what should be reported.
    await admin
      .deleteGroups({ groups: [`${prefix}bench-consume`, `${prefix}bench-latency`] })
      .catch(() => undefined);
    await admin.deleteTopics({ topics: names }).catch((error: unknown) => progress(`kafka: ${error}`));
    await admin.close();
  }
}

async function redisVersion(url: string): Promise<string> {
  const redis = new Redis(url);
  const info = await redis.info('server');
  redis.disconnect();
  return /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
}

function isConcurrentSound(row: Figures): boolean {
  return row.publish_concurrent_rejected === 0 && row.publish_concurrent_unstored === 0;
}

function printTable(figures: Figures[]): void {
  const columns: [string, (row: Figures) => string][] = [
    ['backend', (row) => row.backend],
    ['publish 1 at a time/s', (row) => Math.round(row.publish_sequential_per_s).toLocaleString('en-US')],
    [
      `publish ${WINDOW} in flight/s`,
      (row) =>
        isConcurrentSound(row) ? Math.round(row.publish_concurrent_per_s).toLocaleString('en-US') : 'failed*',
    ],
    ['consume/s', (row) => Math.round(row.consume_per_s).toLocaleString('en-US')],
    ['e2e p50 ms', (row) => row.latency_p50_ms.toFixed(2)],
    ['e2e p95 ms', (row) => row.latency_p95_ms.toFixed(2)],
    ['e2e p99 ms', (row) => row.latency_p99_ms.toFixed(2)],
    ['e2e max ms', (row) => row.latency_max_ms.toFixed(2)],
  ];
  printRows(columns, figures);
  for (const row of figures.filter((figure) => !isConcurrentSound(figure)))
    process.stdout.write(
      `* ${row.backend}, ${WINDOW} in flight: ${row.publish_concurrent_rejected} of ${EVENTS} publishes threw` +
        ` (first: ${row.publish_concurrent_first_error ?? '-'}), ${row.publish_concurrent_unstored} resolved with a position another publish also got (acknowledged, not stored)\n`,
    );
}

async function main(): Promise<void> {
  const found = services();
  const prefix = `bench${randomBytes(4).toString('hex')}.`;
  const figures: Figures[] = [];
  const backends = (['embedded', 'postgres', 'redis', 'kafka'] as const).filter((backend) =>
    values.backends.split(',').includes(backend),
  );
  for (const backend of backends) {
    if (backend === 'postgres')
      await withPostgres(found.postgresUrl, (client) =>
        client.query(`create database ${prefix.replace('.', '')}`).then(() => undefined),
      );
    try {
      figures.push(await measure(backend, busEnv(backend, found, prefix)));
    } finally {
      await dropBrokerState(backend, found, prefix);
    }
  }
  const cpu = cpus();
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n\n`);
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(figures));
  process.stdout.write(
    `event bus: ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; ` +
      `Redis ${await redisVersion(found.redisUrl)} (${found.redisUrl}), Kafka at ${found.kafkaBrokers} (1 KRaft node, 3 partitions); ` +
      `consumers' de-duplication table in the platform's database (PGlite; PostgreSQL for postgres)\n`,
  );
  printTable(figures);
  process.stdout.write(
    `\nmethod: user.interaction events on user-events, validated and published through platform.events() of a fresh platform per backend. ` +
      `Publish 1 at a time: ${EVENTS.toLocaleString('en-US')} calls, each awaited before the next, after ${WARMUP} warm-up calls. ` +
      `Consume: a new group from 'earliest' over the ${(WARMUP + EVENTS).toLocaleString('en-US')} events stored so far, subscribe call → the handler has seen every one (de-duplication lookup and record included; one group, one consumer). ` +
      `End-to-end: a group from 'latest' (probed until delivering), ${LATENCY_EVENTS} events published one at a time every ${INTERVAL_MS} ms, publish call start → handler entry, same process and clock. ` +
      `Publish ${WINDOW} in flight (run last): ${EVENTS.toLocaleString('en-US')} calls in windows of ${WINDOW}, each window awaited (Promise.allSettled), every resolved call checked for a position of its own.\n`,
  );
}

await main();

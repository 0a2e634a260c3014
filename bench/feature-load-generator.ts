/**
 * The load generator of bench/features.ts, in its own process so it never competes with a server's event
 * loop: `tsx bench/feature-load-generator.ts <url> <entities per request> <entity count> <connections>
 * <seconds>` POSTs Feast's `/get-online-features` body for 10 features of `movie_bench` with random
 * movie ids (the same pseudo-random sequence for every server) and prints autocannon's summary as JSON.
 * With `sequential` as the connection count, one client sends one request at a time and times each with
 * `performance.now()` (autocannon's histogram has whole milliseconds): a request's latency without queueing.
 */
import autocannon from 'autocannon';

const [target, batch, entities, connections, seconds] = process.argv.slice(2);
if (target === undefined)
  throw new Error('usage: feature-load-generator.ts <url> <batch> <entities> <connections> <seconds>');
const batchSize = Number(batch ?? 1);
const entityCount = Number(entities ?? 100_000);
const features = Array.from({ length: 10 }, (_, index) => `movie_bench:f${index}`);
let next = 12_345;
const nextId = () => {
  next = (Math.imul(next, 1_103_515_245) + 12_345) >>> 0;
  return 1 + (next % entityCount);
};

if (connections === 'sequential') {
  const body = () =>
    JSON.stringify({ features, entities: { movie_id: Array.from({ length: batchSize }, nextId) } });
  const post = async (payload: string) => {
    const response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: payload,
    });
    if (!response.ok) throw new Error(`${target}: ${response.status}`);
    await response.arrayBuffer();
  };
  const deadline = Date.now() + Number(seconds ?? 10) * 1000;
  const times: number[] = [];
  while (Date.now() < deadline) {
    const payload = body();
    const started = performance.now();
    await post(payload);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? Number.NaN;
  process.stdout.write(`${JSON.stringify({ p50_ms: at(0.5), p99_ms: at(0.99), requests: times.length })}\n`);
  process.exit(0);
}

const result = await autocannon({
  url: target,
  connections: Number(connections ?? 16),
  duration: Number(seconds ?? 10),
  requests: [
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({
          features,
          entities: { movie_id: Array.from({ length: batchSize }, nextId) },
        }),
      }),
    },
  ],
});
process.stdout.write(
  `${JSON.stringify({
    requests_per_second: result.requests.average,
    latency_p50_ms: result.latency.p50,
    latency_p99_ms: result.latency.p99,
    total: result.requests.total,
    errors: result.errors,
    non_2xx: result.non2xx,
    timeouts: result.timeouts,
  })}\n`,
);

/**
 * The load generator of bench/serving.ts, in its own process so it never competes with the server's
 * event loop: `tsx bench/load-generator.ts <url-prefix> <users> <connections> <seconds>` requests
 * `<url-prefix><random user id>&k=10` and prints autocannon's summary as one JSON line.
 */
import autocannon from 'autocannon';

const [prefix, users, connections, seconds] = process.argv.slice(2);
if (prefix === undefined)
  throw new Error('usage: load-generator.ts <url-prefix> <users> <connections> <seconds>');
const url = new URL(prefix);
const userCount = Number(users ?? 6000);
let next = 12_345;
// A fixed pseudo-random walk over user ids: both servers see the same sequence.
const nextUser = () => {
  next = (Math.imul(next, 1_103_515_245) + 12_345) >>> 0;
  return next % userCount;
};

const result = await autocannon({
  url: url.origin,
  connections: Number(connections ?? 32),
  duration: Number(seconds ?? 10),
  requests: [
    {
      method: 'GET',
      setupRequest: (request) => ({ ...request, path: `${url.pathname}${url.search}${nextUser()}&k=10` }),
    },
  ],
});
process.stdout.write(
  `${JSON.stringify({
    requests_per_second: result.requests.average,
    latency_p50_ms: result.latency.p50,
    latency_p99_ms: result.latency.p99,
    latency_mean_ms: result.latency.average,
    total: result.requests.total,
    errors: result.errors,
    non_2xx: result.non2xx,
    timeouts: result.timeouts,
  })}\n`,
);

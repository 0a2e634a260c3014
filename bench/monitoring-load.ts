/**
 * The HTTP half of bench/monitoring.ts: starts a server with the instrumentation on, then off, and loads
 * `/health` with autocannon (16 connections, 8 s after a 2 s warm-up) from this process.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort } from './helpers.js';

const repo = path.resolve(import.meta.dirname, '..');
const results: Record<
  string,
  { requests_per_second: number; latency_p50_ms: number; latency_p99_ms: number }
> = {};
for (const mode of ['on', 'off', 'on again']) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(repo, 'bench/monitoring-server.ts'),
      mode === 'off' ? 'off' : 'on',
      String(port),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve) =>
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()),
  );
  const url = `http://127.0.0.1:${port}/health`;
  await autocannon({ url, connections: 16, duration: 2 });
  const result = await autocannon({ url, connections: 16, duration: 8 });
  results[mode] = {
    requests_per_second: result.requests.average,
    latency_p50_ms: result.latency.p50,
    latency_p99_ms: result.latency.p99,
  };
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}
process.stdout.write(`${JSON.stringify(results)}\n`);

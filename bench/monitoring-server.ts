/**
 * A server for bench/monitoring.ts: `tsx bench/monitoring-server.ts on|off <port>` serves the platform on
 * an empty embedded home, with the per-request instrumentation (`observeRequest`) on or replaced by a no-op.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/logging/index.js';
import { openPlatform } from '../src/platform/index.js';
import { buildApp, startServer } from '../src/server/index.js';

const [mode, port] = process.argv.slice(2);
const home = mkdtempSync(path.join(tmpdir(), 'mlops-bench-monitoring-'));
const config = loadConfig({
  env: { MLOPS_HOME: home, MLOPS_PORT: port ?? '0', MLOPS_LOG_LEVEL: 'warn' },
  cwd: home,
});
const platform = await openPlatform(config, createLogger({ level: 'warn', format: 'json' }));
if (mode === 'off') platform.metrics.observeRequest = () => undefined;
const server = await startServer(await buildApp(platform), platform);
process.stdout.write(`ready ${server.url}\n`);
process.on('SIGTERM', () => {
  void server.shutdown('bench over').then(() => process.exit(0));
});

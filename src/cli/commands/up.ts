import type { Command } from 'commander';
import { ConfigError, describeError } from '../../errors/index.js';
import { createLogger } from '../../logging/index.js';
import { type FirstStartOutcome, startRuntime } from '../../runtime/index.js';
import { startServer } from '../../server/index.js';
import { EXIT, loadCliConfig, reportFailure } from '../context.js';

interface UpOptions {
  host?: string;
  port?: string;
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('start the whole platform in one process: API, web UI and every component')
    .option('--host <host>', 'address to listen on (MLOPS_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (MLOPS_PORT, default 8000)')
    .action(async (options: UpOptions) => {
      process.exitCode = await runUp(options, 'all');
    });
  program
    .command('serve')
    .description('serve recommendations only (health + serving API): a replica to scale apart from the rest')
    .option('--host <host>', 'address to listen on (MLOPS_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (MLOPS_PORT, default 8000)')
    .action(async (options: UpOptions) => {
      process.exitCode = await runUp(options, 'serving');
    });
}

async function runUp(options: UpOptions, surface: 'all' | 'serving'): Promise<number> {
  let stopped: Promise<void> | undefined;
  try {
    const config = loadCliConfig({ MLOPS_HOST: options.host, MLOPS_PORT: options.port });
    const runtime = await startRuntime(config, createLogger(config.log), {
      surface,
      firstStart: 'background',
    });
    try {
      const app = runtime.app as NonNullable<typeof runtime.app>;
      const server = await startServer(app, runtime.platform, { afterClose: runtime.stop }).catch(
        (error: NodeJS.ErrnoException) => {
          throw listenError(error, config.server.host, config.server.port);
        },
      );
      // Handlers go in before the banner, so a signal sent the moment it appears still shuts down cleanly.
      stopped = waitForSignal(server.shutdown);
      if (surface === 'all') void announceWhenUp(runtime.firstStart, server.url);
      else
        process.stdout.write(
          `\nmovie-mlops serving is up: ${server.url}/api/v1/recommendations?user_id=1  (Ctrl-C stops it)\n\n`,
        );
    } catch (error) {
      await runtime.stop();
      throw error;
    }
  } catch (error) {
    return reportFailure(error);
  }
  await stopped;
  return EXIT.OK;
}

/**
 * The banner says "up" once the first start's data, features and model are ready (at once on later
 * starts); until then the server already answers, and says so.
 */
async function announceWhenUp(firstStart: Promise<FirstStartOutcome>, url: string): Promise<void> {
  const pending = Symbol('pending');
  const early = await Promise.race([firstStart, Promise.resolve(pending)]);
  if (early === pending)
    process.stdout.write(
      `\nmovie-mlops is listening on ${url}/ — first start: preparing demo data, features and a first model in the background; recommendations answer from popularity meanwhile\n`,
    );
  const outcome = await firstStart;
  if ('failure' in outcome) {
    if (outcome.failure.startsWith('stopped')) return;
    process.stdout.write(`\nfirst start did not finish: ${outcome.failure}\n`);
  }
  process.stdout.write(`\nmovie-mlops is up: web UI ${url}/  API docs ${url}/docs  (Ctrl-C stops it)\n\n`);
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') {
    return new ConfigError(
      `MLOPS_PORT: port ${port} on ${host} is already in use; stop what uses it or pick another port`,
      {
        field: 'MLOPS_PORT',
      },
    );
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EACCES') {
    return new ConfigError(`MLOPS_HOST: cannot listen on ${host}:${port} (${describeError(error)})`, {
      field: 'MLOPS_HOST',
    });
  }
  return error;
}

/** Resolves once SIGINT or SIGTERM has shut the server down; a second signal exits at once. */
function waitForSignal(shutdown: (reason: string) => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) process.exit(130);
      void shutdown(signal).then(resolve, resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

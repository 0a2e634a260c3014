import type { Command } from 'commander';
import { Automations, alertPublisher } from '../../automations/index.js';
import { ensureDemoData } from '../../data/index.js';
import { ConfigError, describeError } from '../../errors/index.js';
import { createLogger } from '../../logging/index.js';
import { AlertManager } from '../../monitoring/index.js';
import { runFirstStart } from '../../pipelines/index.js';
import { openPlatform } from '../../platform/index.js';
import { assertSafeToListen, buildApp, startServer } from '../../server/index.js';
import { currentSchemaVersion, LATEST_SCHEMA_VERSION } from '../../storage/index.js';
import {
  dataContext,
  EXIT,
  loadCliConfig,
  reportFailure,
  startFeatures,
  startPipelines,
  startServing,
} from '../context.js';

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
    const logger = createLogger(config.log);
    const platform = await openPlatform(config, logger, { migrate: config.database.autoMigrate });
    let features: Awaited<ReturnType<typeof startFeatures>> | undefined;
    let pipelines: Awaited<ReturnType<typeof startPipelines>> | undefined;
    let automations: Automations | undefined;
    try {
      const version = await currentSchemaVersion(platform.database.db);
      if (version !== LATEST_SCHEMA_VERSION) {
        throw new ConfigError(
          `the database schema is ${version ?? 'empty'} but this version needs ${LATEST_SCHEMA_VERSION}: run \`mlops db migrate\` (MLOPS_DATABASE_AUTO_MIGRATE is off)`,
          { field: 'MLOPS_DATABASE_AUTO_MIGRATE' },
        );
      }
      // Beyond loopback only with a way to authenticate (a stored token or MLOPS_ADMIN_TOKEN).
      await assertSafeToListen(platform);
      // The bus first: an unreachable Kafka or Redis stops the start with the setting to fix.
      const bus = await platform.events();
      if (surface === 'all') pipelines = await startPipelines(platform);
      // A fresh install runs data collection, features and training once through the pipelines (with
      // in-process tasks); otherwise the same first-start steps run directly.
      if (pipelines !== undefined && pipelines.executor.kind === 'in_process')
        await runFirstStart(pipelines.engine, platform);
      else if (surface === 'all' && config.data.isDemoDataOnFirstStart)
        await ensureDemoData(dataContext(platform));
      features = await startFeatures(platform, { bootstrap: surface === 'all' });
      const serving = await startServing(platform, { bootstrap: surface === 'all' });
      if (surface === 'serving' && serving === undefined)
        throw new ConfigError('MLOPS_SERVING is off: `mlops serve` has nothing to serve', {
          field: 'MLOPS_SERVING',
        });
      let alerts: AlertManager | undefined;
      if (surface === 'all' && config.alerts.isEnabled)
        alerts = new AlertManager({
          db: platform.database.db,
          metrics: platform.metrics,
          logger: platform.logger,
          isServing: serving !== undefined,
          webhookUrl: config.alerts.webhookUrl,
          runbookBaseUrl: config.alerts.runbookBaseUrl,
          loadShedder: platform.loadShedder,
          publish: alertPublisher(bus),
        });
      if (surface === 'all' && config.events.isAutomationsEnabled)
        automations = await Automations.start({
          platform,
          bus,
          engine: pipelines?.engine,
          serving,
          features,
          alerts,
        });
      const app = await buildApp(platform, {
        surface,
        ...(automations === undefined ? {} : { automations }),
        features,
        ...(serving === undefined ? {} : { serving }),
        ...(pipelines === undefined
          ? {}
          : { pipelines: { engine: pipelines.engine, executor: pipelines.executor.kind } }),
      });
      if (pipelines !== undefined) {
        const running = pipelines;
        app.addHook('onClose', () => running.stop());
      }
      if (automations !== undefined) {
        const running = automations;
        app.addHook('onClose', () => running.stop());
      }
      if (alerts !== undefined) {
        const manager = alerts;
        manager.start(config.alerts.intervalMs);
        app.addHook('onClose', () => manager.stop());
      }
      const server = await startServer(app, platform).catch((error: NodeJS.ErrnoException) => {
        throw listenError(error, config.server.host, config.server.port);
      });
      // Handlers go in before the banner, so a signal sent the moment it appears still shuts down cleanly.
      stopped = waitForSignal(server.shutdown);
      process.stdout.write(
        surface === 'all'
          ? `\nmovie-mlops is up: web UI ${server.url}/  API docs ${server.url}/docs  (Ctrl-C stops it)\n\n`
          : `\nmovie-mlops serving is up: ${server.url}/api/v1/recommendations?user_id=1  (Ctrl-C stops it)\n\n`,
      );
    } catch (error) {
      await automations?.stop();
      await pipelines?.stop();
      await features?.close();
      await platform.close();
      throw error;
    }
  } catch (error) {
    return reportFailure(error);
  }
  await stopped;
  return EXIT.OK;
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

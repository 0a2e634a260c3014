import { type Config, type Environment, loadConfig } from '../config/index.js';
import type { DataContext } from '../data/index.js';
import { ConfigError, describeError, isMlopsError } from '../errors/index.js';
import { bootstrapFeatures, FeatureStore } from '../features/index.js';
import { createLogger, type Logger } from '../logging/index.js';
import { openPipelines, type RunningPipelines } from '../pipelines/index.js';
import { openPlatform, type Platform } from '../platform/index.js';
import { bootstrapModel, ServingService } from '../serving/index.js';

/** Exit codes of the `mlops` command. */
export const EXIT = { OK: 0, FAILURE: 1, CONFIG: 2 } as const;

/** Loads the configuration with command-line overrides applied as if they were environment variables. */
export function loadCliConfig(overrides: Environment = {}): Config {
  const defined = Object.entries(overrides).filter(
    (entry): entry is [string, string] => entry[1] !== undefined,
  );
  return loadConfig({ env: { ...process.env, ...Object.fromEntries(defined) } });
}

/** A logger for commands whose output is on stdout: log lines go to stderr, warnings and up only. */
export function createCommandLogger(config: Config): Logger {
  return createLogger({
    level: config.log.level === 'info' ? 'warn' : config.log.level,
    format: config.log.format,
    destination: process.stderr,
  });
}

/**
 * Reports a failed command on stderr as `mlops: <message>` (one line per problem, no stack trace unless
 * MLOPS_LOG_LEVEL is debug or trace) and returns the exit code: 2 for configuration or a bad option,
 * 1 otherwise.
 */
export function reportFailure(error: unknown): number {
  const message = isMlopsError(error) ? error.message : describeError(error);
  for (const line of message.split('\n')) process.stderr.write(`mlops: ${line}\n`);
  if (
    ['debug', 'trace'].includes(process.env.MLOPS_LOG_LEVEL ?? '') &&
    error instanceof Error &&
    error.stack
  ) {
    process.stderr.write(`${error.stack}\n`);
  }
  return isConfigurationProblem(error) ? EXIT.CONFIG : EXIT.FAILURE;
}

function isConfigurationProblem(error: unknown): boolean {
  return (
    error instanceof ConfigError ||
    (isMlopsError(error) &&
      (error.code === 'MLOPS_ERR_REQUEST_VALIDATION' || error.code === 'MLOPS_ERR_EVENT_INVALID')) ||
    (isMlopsError(error) &&
      (error.code === 'MLOPS_ERR_HOME_LOCKED' || error.code === 'MLOPS_ERR_STORAGE_CORRUPT'))
  );
}

/**
 * Runs a command body with an open platform (storage migrated as configured) and closes it afterwards,
 * returning the exit code; failures are reported by `reportFailure`.
 */
export async function withPlatform(work: (platform: Platform) => Promise<unknown>): Promise<number> {
  try {
    const config = loadCliConfig();
    const platform = await openPlatform(config, createCommandLogger(config), {
      migrate: config.database.autoMigrate,
    });
    try {
      const code = await work(platform);
      return typeof code === 'number' ? code : EXIT.OK;
    } finally {
      await platform.close();
    }
  } catch (error) {
    return reportFailure(error);
  }
}

/** What the data capability needs from an open platform. */
export function dataContext(platform: Platform): DataContext {
  return {
    db: platform.database.db,
    artifacts: platform.artifacts,
    home: platform.config.home,
    logger: platform.logger,
  };
}

/**
 * Recommendation serving when it is on (MLOPS_SERVING): bootstraps a first model if asked and none is
 * promoted, adds the `model` readiness component and starts following the registry.
 */
export async function startServing(
  platform: Platform,
  options: { bootstrap?: boolean } = {},
): Promise<ServingService | undefined> {
  const config = platform.config.serving;
  if (!config.isEnabled) return undefined;
  if ((options.bootstrap ?? true) && config.isBootstrapModel)
    await bootstrapModel(dataContext(platform), config.modelName);
  const serving = new ServingService(dataContext(platform), config, platform.metrics, platform.users);
  platform.addHealthCheck(serving.healthCheck());
  serving.start();
  return serving;
}

/**
 * The feature store with the configured online store; on a first start (MLOPS_FEATURES_BOOTSTRAP) with a
 * watch log and no build yet, applies, builds and materializes the features so their routes answer at once.
 */
export async function startFeatures(
  platform: Platform,
  options: { bootstrap?: boolean } = {},
): Promise<FeatureStore> {
  const context = { ...dataContext(platform), config: platform.config.features, metrics: platform.metrics };
  const store = await FeatureStore.open(context);
  try {
    if ((options.bootstrap ?? true) && platform.config.features.isBootstrap)
      await bootstrapFeatures(store, context);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** The pipeline engine of `mlops up` when pipelines are on (MLOPS_PIPELINES): scheduling, and tasks in-process. */
export async function startPipelines(platform: Platform): Promise<RunningPipelines | undefined> {
  if (!platform.config.pipelines.isEnabled) return undefined;
  return openPipelines(platform, { role: 'server' });
}

/** The running server's base URL from MLOPS_HOST and MLOPS_PORT (a server bound to every interface is reached on loopback). */
export function serverUrl(): string {
  const { host, port } = loadCliConfig().server;
  const reachable =
    host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${reachable}:${port}`;
}

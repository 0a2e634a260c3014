import { type Config, type Environment, loadConfig } from '../config/index.js';
import { configureDuckDb } from '../data/index.js';
import { ConfigError, describeError, isMlopsError } from '../errors/index.js';
import { createLogger, type Logger } from '../logging/index.js';
import { contextOf, openPlatform, type Platform } from '../platform/index.js';

/** Exit codes of the `mlops` command. */
export const EXIT = { OK: 0, FAILURE: 1, CONFIG: 2 } as const;

/** Loads the configuration with command-line overrides applied as if they were environment variables. */
export function loadCliConfig(overrides: Environment = {}): Config {
  const defined = Object.entries(overrides).filter(
    (entry): entry is [string, string] => entry[1] !== undefined,
  );
  const config = loadConfig({ env: { ...process.env, ...Object.fromEntries(defined) } });
  // Every command's DuckDB work spills under the home, within MLOPS_DUCKDB_MEMORY_LIMIT when it is set.
  configureDuckDb({
    memoryLimit: config.data.duckdbMemoryLimit,
    tempDirectory: config.data.duckdbTempDirectory,
  });
  return config;
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

/** What the data, model and serving capabilities take from an open platform (the platform's `contextOf`). */
export const dataContext = contextOf;

/** The running server's base URL from MLOPS_HOST and MLOPS_PORT (a server bound to every interface is reached on loopback). */
export function serverUrl(): string {
  const { host, port } = loadCliConfig().server;
  const reachable =
    host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${reachable}:${port}`;
}

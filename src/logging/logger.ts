import { type DestinationStream, type Logger, pino } from 'pino';
import pinoPretty from 'pino-pretty';
import type { LogConfig } from '../config/index.js';

export type { Logger } from 'pino';

export interface CreateLoggerOptions extends LogConfig {
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/**
 * The platform's root logger: JSON lines named `mlops`, each with a `component` and an `action` field
 * (CONVENTIONS.md), pretty-printed when `format` is `pretty`, or `auto` on a terminal.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const isPretty =
    options.format === 'pretty' || (options.format === 'auto' && process.stdout.isTTY === true);
  const destination =
    options.destination ??
    (isPretty
      ? pinoPretty({
          colorize: true,
          sync: true,
          singleLine: true,
          translateTime: 'HH:MM:ss.l',
          // The seed's "COMPONENT ACTION details" line, with the remaining fields after it.
          messageFormat: '{component} {action} {msg}',
          ignore: 'pid,hostname,name,logger,component,action',
        })
      : pino.destination({ sync: false }));
  return pino(
    {
      name: 'mlops',
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['*.password', '*.secretAccessKey', '*.authorization', 'req.headers.authorization'],
        censor: '***',
      },
    },
    destination,
  );
}

/** A child logger for one module: `component` in UPPER_SNAKE_CASE, `logger` named `mlops.<module path>`. */
export function componentLogger(parent: Logger, component: string, module: string): Logger {
  return parent.child({ component, logger: `mlops.${module}` });
}

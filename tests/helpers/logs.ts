import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logging/index.js';

/** A logger whose JSON lines are kept in memory, for tests that check what was logged. */
export function createCapturingLogger(level: 'debug' | 'info' | 'warn' = 'info'): {
  logger: Logger;
  lines: () => Record<string, unknown>[];
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ level, format: 'json', destination });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

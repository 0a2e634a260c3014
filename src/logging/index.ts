export { type CreateLoggerOptions, componentLogger, createLogger, type Logger } from './logger.js';

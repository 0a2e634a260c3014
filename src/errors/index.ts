export { ERROR_CATALOG, type ErrorCode } from './catalog.js';
export { isDiskFull, storageFullError } from './disk-full.js';
export {
  ConfigError,
  ConflictError,
  describeError,
  type ErrorBody,
  isMlopsError,
  MlopsError,
  NotFoundError,
  UnavailableError,
  ValidationError,
} from './errors.js';

import { ERROR_CATALOG, type ErrorCode } from './catalog.js';

/** The JSON shape every error takes on the wire: `{error_code, message, field?}`. */
export interface ErrorBody {
  error_code: string;
  message: string;
  /** Dotted path of the offending input (`body.user_id`, `MLOPS_PORT`), when one input is at fault. */
  field?: string;
  request_id?: string;
}

export interface MlopsErrorOptions {
  field?: string;
  cause?: unknown;
  /** For 503s that will pass: sent as the `Retry-After` header. */
  retryAfterSeconds?: number;
}

/** Base of every error the platform raises on purpose. The code decides the HTTP status. */
export class MlopsError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: MlopsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get httpStatus(): number {
    return ERROR_CATALOG[this.code].status;
  }

  toJSON(): ErrorBody {
    return {
      error_code: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
    };
  }

  /** Rebuilds an error from its wire form, e.g. in the CLI reading a server answer. */
  static fromJSON(body: ErrorBody): MlopsError {
    const code = (body.error_code in ERROR_CATALOG ? body.error_code : 'MLOPS_ERR_INTERNAL') as ErrorCode;
    return new MlopsError(code, body.message, body.field === undefined ? {} : { field: body.field });
  }
}

export class ValidationError extends MlopsError {
  constructor(message: string, options: MlopsErrorOptions = {}) {
    super('MLOPS_ERR_REQUEST_VALIDATION', message, options);
  }
}

export class NotFoundError extends MlopsError {
  constructor(message: string, options: MlopsErrorOptions = {}) {
    super('MLOPS_ERR_NOT_FOUND', message, options);
  }
}

export class ConflictError extends MlopsError {
  constructor(message: string, options: MlopsErrorOptions = {}) {
    super('MLOPS_ERR_CONFLICT', message, options);
  }
}

/** A bad configuration value. `field` names the environment variable. */
export class ConfigError extends MlopsError {
  constructor(message: string, options: MlopsErrorOptions = {}) {
    super('MLOPS_ERR_CONFIG_INVALID', message, options);
  }
}

export class UnavailableError extends MlopsError {
  constructor(message: string, options: MlopsErrorOptions = {}) {
    super('MLOPS_ERR_STORAGE_UNAVAILABLE', message, options);
  }
}

export function isMlopsError(error: unknown): error is MlopsError {
  return error instanceof MlopsError;
}

/** A one-line description of any thrown value, for logs and CLI messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}

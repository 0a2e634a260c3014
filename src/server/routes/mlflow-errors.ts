import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDiskFull, isMlopsError, storageFullError } from '../../errors/index.js';

const MLFLOW_ERROR_BY_CODE: Record<string, [number, string]> = {
  MLOPS_ERR_NOT_FOUND: [404, 'RESOURCE_DOES_NOT_EXIST'],
  MLOPS_ERR_CONFLICT: [400, 'RESOURCE_ALREADY_EXISTS'],
  MLOPS_ERR_REQUEST_VALIDATION: [400, 'INVALID_PARAMETER_VALUE'],
  MLOPS_ERR_REQUEST_MALFORMED_BODY: [400, 'INVALID_PARAMETER_VALUE'],
  MLOPS_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE: [400, 'INVALID_PARAMETER_VALUE'],
  MLOPS_ERR_REQUEST_BODY_TOO_LARGE: [400, 'INVALID_PARAMETER_VALUE'],
  MLOPS_ERR_STORAGE_UNAVAILABLE: [503, 'TEMPORARILY_UNAVAILABLE'],
  MLOPS_ERR_STORAGE_FULL: [507, 'RESOURCE_EXHAUSTED'],
  MLOPS_ERR_ARTIFACT_KEY_INVALID: [400, 'INVALID_PARAMETER_VALUE'],
  MLOPS_ERR_ARTIFACT_NOT_FOUND: [404, 'RESOURCE_DOES_NOT_EXIST'],
  MLOPS_ERR_ARTIFACT_IMMUTABLE: [403, 'PERMISSION_DENIED'],
  MLOPS_ERR_AUTH_REQUIRED: [401, 'UNAUTHENTICATED'],
  MLOPS_ERR_AUTH_INVALID: [401, 'UNAUTHENTICATED'],
  MLOPS_ERR_FORBIDDEN: [403, 'PERMISSION_DENIED'],
  MLOPS_ERR_RATE_LIMITED: [429, 'REQUEST_LIMIT_EXCEEDED'],
};

/** JSON bodies and errors the way MLflow's server handles them, for the routes of this scope. */
export function setMlflowErrorHandling(app: FastifyInstance): void {
  acceptMlflowJsonBodies(app);
  answerWithMlflowErrors(app);
}

/** MLflow treats an empty JSON body as {}. */
function acceptMlflowJsonBodies(app: FastifyInstance): void {
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      (error as FastifyError).statusCode = 400;
      done(error as Error, undefined);
    }
  });
}

/** Inside this scope errors take MLflow's shape: `{error_code: RESOURCE_DOES_NOT_EXIST, message}`. */
export function answerWithMlflowErrors(app: FastifyInstance): void {
  app.setErrorHandler((caught: FastifyError, request, reply) => {
    const error = (isDiskFull(caught) ? storageFullError(caught) : caught) as FastifyError;
    let status = 500;
    let code = 'INTERNAL_ERROR';
    let message = 'internal error: the server log has the details';
    if (isMlopsError(error)) {
      [status, code] = MLFLOW_ERROR_BY_CODE[error.code] ?? [500, 'INTERNAL_ERROR'];
      message = error.message;
    } else if (hasZodFastifySchemaValidationErrors(error)) {
      status = 400;
      code = 'INVALID_PARAMETER_VALUE';
      message = error.validation
        .map(
          (issue) =>
            `${[error.validationContext, ...issue.instancePath.split('/').filter(Boolean)].join('.')}: ${issue.message}`,
        )
        .join('; ');
    } else if ((error.statusCode ?? 500) < 500) {
      status = 400;
      code = 'INVALID_PARAMETER_VALUE';
      message = error.message;
    }
    if (status >= 500) request.log.error({ action: 'REQUEST_FAILED', err: error }, error.message);
    return reply.code(status).send({ error_code: code, message });
  });
}

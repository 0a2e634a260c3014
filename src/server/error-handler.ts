import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  type ErrorBody,
  type ErrorCode,
  isDiskFull,
  isMlopsError,
  storageFullError,
} from '../errors/index.js';

/**
 * The one place errors become HTTP answers: every 4xx/5xx body is `{error_code, message, field?,
 * request_id}`. Expected errors keep their message; unexpected ones are logged with their stack and
 * answered with a message that points to the log, so no internals leak.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((caught: FastifyError, request, reply) => {
    const error = (isDiskFull(caught) ? storageFullError(caught) : caught) as FastifyError;
    const { status, body } = toErrorResponse(error);
    if (status >= 500 && !(isMlopsError(error) && error.retryAfterSeconds !== undefined)) {
      request.log.error({ action: 'REQUEST_FAILED', err: error, request_id: request.id }, error.message);
    }
    if (isMlopsError(error) && error.retryAfterSeconds !== undefined)
      reply.header('retry-after', String(error.retryAfterSeconds));
    return sendError(reply, request, status, body);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, request, 404, {
      error_code: 'MLOPS_ERR_ROUTE_NOT_FOUND',
      message: `no route for ${request.method} ${request.url.split('?')[0]}; the API is described at /docs`,
    }),
  );
}

export function sendError(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  body: ErrorBody,
): FastifyReply {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({ ...body, request_id: request.id });
}

function toErrorResponse(error: FastifyError): { status: number; body: ErrorBody } {
  if (isMlopsError(error)) return { status: error.httpStatus, body: error.toJSON() };

  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = error.validationContext ?? 'request';
    const problems = error.validation.map((issue) => {
      const where = [context, ...issue.instancePath.split('/').filter(Boolean)].join('.');
      return { where, message: issue.message ?? 'is invalid' };
    });
    const first = problems[0] ?? { where: context, message: 'is invalid' };
    return {
      status: 400,
      body: {
        error_code: 'MLOPS_ERR_REQUEST_VALIDATION',
        message: problems.map((problem) => `${problem.where}: ${problem.message}`).join('; '),
        field: first.where,
      },
    };
  }

  const byFastifyCode: Record<string, [number, ErrorCode, string?]> = {
    FST_ERR_CTP_BODY_TOO_LARGE: [413, 'MLOPS_ERR_REQUEST_BODY_TOO_LARGE'],
    FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'MLOPS_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE'],
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'MLOPS_ERR_REQUEST_MALFORMED_BODY'],
    FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'MLOPS_ERR_REQUEST_MALFORMED_BODY', 'the JSON body is empty'],
    FST_ERR_CTP_INVALID_JSON_BODY: [400, 'MLOPS_ERR_REQUEST_MALFORMED_BODY'],
  };
  const known = error.code === undefined ? undefined : byFastifyCode[error.code];
  if (known !== undefined) {
    const [status, code, message] = known;
    return { status, body: { error_code: code, message: message ?? error.message, field: 'body' } };
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return {
      status: 400,
      body: {
        error_code: 'MLOPS_ERR_REQUEST_MALFORMED_BODY',
        message: `malformed JSON body: ${error.message}`,
        field: 'body',
      },
    };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return { status, body: { error_code: 'MLOPS_ERR_REQUEST_VALIDATION', message: error.message } };
  }
  return {
    status: 500,
    body: { error_code: 'MLOPS_ERR_INTERNAL', message: 'internal error: the server log has the details' },
  };
}

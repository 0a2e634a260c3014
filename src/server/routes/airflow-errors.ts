import type { FastifyReply, FastifyRequest } from 'fastify';

/** Our error bodies as each Airflow version answers errors: v1's problem details, v2's FastAPI bodies. */

interface OurError {
  error_code?: string;
  message?: string;
  field?: string;
}

/** Turns our error bodies into Airflow 2's problem details (`type, title, status, detail, instance`). */
export function toProblemDetails(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  if (reply.statusCode < 400 || typeof payload !== 'string' || !payload.startsWith('{')) return payload;
  const body = JSON.parse(payload) as OurError;
  return JSON.stringify({
    type: `about:blank#${body.error_code ?? 'error'}`,
    title: body.error_code ?? 'error',
    status: reply.statusCode,
    detail: body.message,
    instance: request.url,
    ...body,
  });
}

const LOCATION: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/**
 * Turns our error bodies into FastAPI's, as Airflow 3 answers: `{"detail": "..."}`, and for a request
 * that fails its schema 422 with `{"detail": [{type, loc, msg}]}` (`loc` names the field).
 */
export function toFastApiError(reply: FastifyReply, payload: unknown): unknown {
  if (reply.statusCode < 400 || typeof payload !== 'string' || !payload.startsWith('{')) return payload;
  const body = JSON.parse(payload) as OurError;
  const [where, ...path] = (body.field ?? '').split('.');
  const location = where === undefined ? undefined : LOCATION[where];
  if (
    reply.statusCode === 400 &&
    body.error_code === 'MLOPS_ERR_REQUEST_VALIDATION' &&
    location !== undefined
  ) {
    reply.code(422);
    return JSON.stringify({
      detail: [{ type: 'value_error', loc: [location, ...path], msg: body.message ?? 'is invalid' }],
      ...body,
    });
  }
  return JSON.stringify({ detail: body.message ?? 'error', ...body });
}

import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ViewType } from '../../tracking/index.js';

type ZodApp = Parameters<FastifyPluginAsyncZod>[0];

/** Input parts MLflow's tracking routes share. */
export const keyValue = z.object({ key: z.string(), value: z.string() });
export const runId = z
  .object({ run_id: z.string().optional(), run_uuid: z.string().optional() })
  .refine((body) => body.run_id || body.run_uuid, {
    message: "Missing value for required parameter 'run_id'",
    path: ['run_id'],
  });
export const viewType = z
  .union([
    z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']),
    z.literal(1),
    z.literal(2),
    z.literal(3),
    z.enum(['1', '2', '3']),
  ])
  .transform(
    (value): ViewType =>
      (({ 1: 'ACTIVE_ONLY', 2: 'DELETED_ONLY', 3: 'ALL' }) as Record<string, ViewType>)[String(value)] ??
      (value as ViewType),
  );
export const orderBy = z.union([z.array(z.string()), z.string().transform((value) => [value])]);

export function idOf(input: { run_id?: string | undefined; run_uuid?: string | undefined }): string {
  return input.run_id || input.run_uuid || '';
}

/**
 * MLflow's RPC-style routes under one prefix (`/api/2.0/mlflow` or the UI's `/ajax-api/2.0/mlflow`,
 * hidden from the OpenAPI document): `get` reads the query string, `post` the body, each answer checked
 * against its response schema.
 */
export function mlflowRpc(app: ZodApp | FastifyInstance, prefix: string) {
  const routes = app as ZodApp;
  const hide = prefix.startsWith('/ajax');
  const schema = <T extends z.ZodType>(input: T, where: 'body' | 'querystring', summary: string) => ({
    [where]: input,
    tags: ['mlflow'],
    summary,
    hide,
  });
  // Each handler is checked against its response schema by these signatures.
  const get = <T extends z.ZodType, R extends z.ZodType>(
    path: string,
    input: T,
    summary: string,
    response: R,
    handler: (input: z.infer<T>) => Promise<z.output<R>>,
  ) =>
    routes.get(
      `${prefix}/${path}`,
      { schema: { ...schema(input, 'querystring', summary), response: { 200: response as z.ZodType } } },
      async (request) => (await handler(request.query as z.infer<T>)) as unknown,
    );
  const post = <T extends z.ZodType, R extends z.ZodType>(
    path: string,
    input: T,
    summary: string,
    response: R,
    handler: (input: z.infer<T>) => Promise<z.output<R>>,
  ) =>
    routes.post(
      `${prefix}/${path}`,
      { schema: { ...schema(input, 'body', summary), response: { 200: response as z.ZodType } } },
      async (request) => (await handler(request.body as z.infer<T>)) as unknown,
    );
  return { get, post };
}

export type MlflowRpc = ReturnType<typeof mlflowRpc>;

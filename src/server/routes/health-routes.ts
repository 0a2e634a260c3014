import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Platform } from '../../platform/index.js';
import { SERVICE_NAME, VERSION } from '../../version.js';

const HealthResponse = z.object({
  status: z.literal('ok'),
  service: z.string(),
  version: z.string(),
  uptime_seconds: z.number(),
  timestamp: z.string(),
});

const ComponentHealth = z.object({
  name: z.string(),
  status: z.enum(['up', 'down']),
  backend: z.string(),
  location: z.string(),
  latency_ms: z.number(),
  detail: z.string(),
});

const ReadyResponse = z.object({
  status: z.enum(['ready', 'not_ready']),
  service: z.string(),
  version: z.string(),
  components: z.array(ComponentHealth),
  timestamp: z.string(),
});

export type ReadyResponse = z.infer<typeof ReadyResponse>;

const startedAt = Date.now();

/** `GET /health`: the process answers. `GET /ready`: every component is reachable and migrated. */
export function healthRoutes(platform: Platform): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/health',
      {
        schema: {
          tags: ['platform'],
          summary: 'Liveness: the process is up and answering',
          response: { 200: HealthResponse },
        },
      },
      async () => ({
        status: 'ok' as const,
        service: SERVICE_NAME,
        version: VERSION,
        uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
        timestamp: new Date().toISOString(),
      }),
    );

    app.get(
      '/ready',
      {
        schema: {
          tags: ['platform'],
          summary: 'Readiness: the database is migrated and reachable, and the state of every component',
          description: 'Answers 200 when every component is up and 503 otherwise, with the same body.',
          response: { 200: ReadyResponse, 503: ReadyResponse },
        },
      },
      async (_request, reply) => {
        const report = await platform.readiness();
        return reply.code(report.status === 'ready' ? 200 : 503).send({
          ...report,
          service: SERVICE_NAME,
          version: VERSION,
          timestamp: new Date().toISOString(),
        });
      },
    );
  };
}

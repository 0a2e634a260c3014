import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Platform } from '../../platform/index.js';
import { SERVICE_NAME, VERSION } from '../../version.js';
import { HealthReport, ReadyReport } from '../schemas/health-api.js';

export type ReadyResponse = ReadyReport;

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
          response: { 200: HealthReport },
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
          response: { 200: ReadyReport, 503: ReadyReport },
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

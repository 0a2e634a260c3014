import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../errors/index.js';
import { latestDatasetVersion } from '../../lineage/index.js';
import { listAlerts } from '../../monitoring/index.js';
import type { Platform } from '../../platform/index.js';

/** `/metrics` for Prometheus and the live traffic figures of the dashboard. */
export function monitoringRoutes(platform: Platform): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/metrics',
      { schema: { tags: ['monitoring'], summary: 'Prometheus metrics (text exposition format)' } },
      async (_request, reply) =>
        reply.type(platform.metrics.registry.contentType).send(await platform.metrics.registry.metrics()),
    );
    app.get(
      '/api/v1/monitoring/drift',
      {
        schema: {
          tags: ['monitoring'],
          summary: 'The latest drift report: per-feature tests, histograms of both windows, dataset drift',
        },
      },
      async () => {
        const version = await latestDatasetVersion(platform.database.db, 'drift_report');
        if (version === undefined) {
          throw new NotFoundError(
            'no drift report yet: trigger movie_drift_check (mlops pipelines trigger movie_drift_check)',
          );
        }
        const report = JSON.parse(
          (await platform.artifacts.get(version.artifact_key)).toString('utf8'),
        ) as Record<string, unknown>;
        return { report_version: version.version_id, created_at: version.updated_at, ...report };
      },
    );
    app.get(
      '/api/v1/monitoring/alerts',
      {
        schema: {
          tags: ['monitoring'],
          summary: 'The alert history, newest first, and the alerts firing now',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        },
      },
      async (request) => {
        const alerts = await listAlerts(platform.database.db, request.query.limit);
        return { firing: alerts.filter((alert) => alert.status === 'firing'), alerts };
      },
    );
    app.get(
      '/api/v1/monitoring/traffic',
      {
        schema: {
          tags: ['monitoring'],
          summary: 'Request rate, latency percentiles and errors over the last minute, and a 5-minute series',
          querystring: z.object({ window_seconds: z.coerce.number().int().min(5).max(300).default(60) }),
        },
      },
      async (request) => platform.metrics.traffic(request.query.window_seconds),
    );
  };
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import { lineageService } from '../../lineage/index.js';
import { monitoringService } from '../../monitoring/index.js';
import type { Platform } from '../../platform/index.js';
import {
  AlertRuleList,
  AlertSilence,
  AlertsAnswer,
  DriftHistory,
  DriftReport,
  SilenceList,
  Traffic,
} from '../schemas/monitoring-api.js';
import { withErrors } from '../schemas/wire.js';

/** `/metrics` for Prometheus and the live traffic figures of the dashboard. */
const silenceBody = z
  .object({
    alert_name: z.string().min(1).max(200),
    reason: z.string().trim().min(1, 'say why the alert is silenced').max(1000),
    ends_at: z.iso.datetime({ offset: true }).optional(),
    duration_minutes: z
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 60)
      .optional(),
  })
  .refine((body) => (body.ends_at === undefined) !== (body.duration_minutes === undefined), {
    message: 'give either ends_at or duration_minutes',
    path: ['ends_at'],
  });

export function monitoringRoutes(
  platform: Platform,
  options: { isServing?: boolean } = {},
): FastifyPluginAsyncZod {
  const lineage = lineageService(platform);
  const monitoring = monitoringService(platform);
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
          response: withErrors({ 200: DriftReport }),
        },
      },
      async () => {
        const version = await lineage.latestDatasetVersion('drift_report');
        if (version === undefined) {
          throw new NotFoundError(
            'no drift report yet: trigger movie_drift_check (mlops pipelines trigger movie_drift_check)',
          );
        }
        const report = JSON.parse(
          (await platform.artifacts.get(version.artifact_key)).toString('utf8'),
        ) as Omit<z.output<typeof DriftReport>, 'report_version' | 'created_at'>;
        return { report_version: version.version_id, created_at: version.updated_at, ...report };
      },
    );
    app.get(
      '/api/v1/monitoring/alerts',
      {
        schema: {
          tags: ['monitoring'],
          summary: 'The alert history, newest first, the alerts firing now, and whether load is being shed',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
          response: withErrors({ 200: AlertsAnswer }),
        },
      },
      async (request) => {
        const alerts = await monitoring.listAlerts(request.query.limit);
        const firing = await monitoring.listAlerts(1000, { status: 'firing' });
        return { firing, alerts, load_shedding: platform.loadShedder.status() };
      },
    );
    app.get(
      '/api/v1/monitoring/drift/history',
      {
        schema: {
          tags: ['monitoring'],
          summary: 'Every stored drift report, newest first: per-feature scores and verdicts over time',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
          response: withErrors({ 200: DriftHistory }),
        },
      },
      async (request) => {
        const versions = await lineage.listDatasetVersions({
          dataset: 'drift_report',
          limit: request.query.limit,
        });
        const reports = [];
        for (const version of versions) {
          const report = JSON.parse(
            (await platform.artifacts.get(version.artifact_key)).toString('utf8'),
          ) as {
            dataset_drift?: boolean;
            drift_share?: number;
            current?: { to?: string };
            columns?: { column: string; test: string; score: number; threshold: number; drifted: boolean }[];
          };
          reports.push({
            report_version: version.version_id,
            created_at: version.updated_at,
            current_to: report.current?.to ?? null,
            dataset_drift: report.dataset_drift ?? false,
            drift_share: report.drift_share ?? 0,
            columns: (report.columns ?? []).map(({ column, test, score, threshold, drifted }) => ({
              column,
              test,
              score,
              threshold,
              drifted,
            })),
          });
        }
        return { reports };
      },
    );
    app.get(
      '/api/v1/monitoring/alert-rules',
      {
        schema: {
          tags: ['monitoring'],
          summary:
            'Every alert rule with its state now (normal, pending, firing), value, threshold and silence',
          response: withErrors({ 200: AlertRuleList }),
        },
      },
      async () => ({
        rules: await monitoring.describeAlertRules({
          metrics: platform.metrics,
          isServing: options.isServing ?? false,
          loadShedder: platform.loadShedder,
          now: new Date(),
        }),
      }),
    );
    app.get(
      '/api/v1/monitoring/silences',
      {
        schema: {
          tags: ['monitoring'],
          summary: 'Alert silences, newest first, active and ended',
          response: withErrors({ 200: SilenceList }),
        },
      },
      async () => ({ silences: await monitoring.listSilences() }),
    );
    app.post(
      '/api/v1/monitoring/silences',
      {
        schema: {
          tags: ['monitoring'],
          summary: 'Silence an alert until a time, with a reason: it still fires, but notifies nobody',
          body: silenceBody,
          response: withErrors({ 201: AlertSilence }),
        },
      },
      async (request, reply) => {
        const { body } = request;
        const now = new Date();
        const endsAt =
          body.ends_at === undefined
            ? new Date(now.getTime() + (body.duration_minutes ?? 0) * 60_000)
            : new Date(body.ends_at);
        if (endsAt.getTime() <= now.getTime())
          throw new ValidationError('ends_at must be in the future', { field: 'ends_at' });
        const silence = await monitoring.createSilence(
          {
            alertName: body.alert_name,
            endsAt,
            reason: body.reason,
            createdBy: request.principal?.name ?? 'anonymous',
          },
          now,
        );
        return reply.code(201).send(silence);
      },
    );
    app.post(
      '/api/v1/monitoring/silences/:silence_id/expire',
      {
        schema: {
          tags: ['monitoring'],
          summary: 'End a silence now',
          params: z.object({ silence_id: z.string().min(1) }),
          response: withErrors({ 200: AlertSilence }),
        },
      },
      async (request) => monitoring.expireSilence(request.params.silence_id),
    );
    app.get(
      '/api/v1/monitoring/traffic',
      {
        schema: {
          tags: ['monitoring'],
          summary: 'Request rate, latency percentiles and errors over the last minute, and a 5-minute series',
          querystring: z.object({
            window_seconds: z.coerce.number().int().min(5).max(300).default(60),
            range_seconds: z.coerce.number().int().min(60).max(21_600).optional(),
          }),
          response: withErrors({ 200: Traffic }),
        },
      },
      async (request) => {
        const traffic = platform.metrics.traffic(request.query.window_seconds);
        const range = request.query.range_seconds;
        // A range: the series covers it from the six-hour history (about 60 steps) instead.
        return range === undefined ? traffic : { ...traffic, series: platform.metrics.trafficSeries(range) };
      },
    );
  };
}

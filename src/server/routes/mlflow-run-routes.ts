import { z } from 'zod';
import type { Platform } from '../../platform/index.js';
import { listProxiedArtifacts, proxyPathOf } from '../../tracking/artifact-proxy.js';
import {
  type Metric,
  RUN_STATUSES,
  type Run,
  type TrackingService,
  trackingService,
} from '../../tracking/index.js';
import {
  ArtifactList,
  Empty,
  MetricHistory,
  RunAnswer,
  RunInfoAnswer,
  RunSearch,
} from '../schemas/mlflow-api.js';
import { idOf, keyValue, type MlflowRpc, orderBy, runId, viewType } from './mlflow-rpc.js';
import { int64 } from './wire-numbers.js';

/** Doubles: numbers, or proto-JSON's "NaN", "Infinity", "-Infinity". */
const double = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform(Number)]);
const metric = z.object({
  key: z.string(),
  value: double,
  timestamp: int64,
  step: int64.optional(),
  // MLflow 3: the point also belongs to a logged model, measured on a dataset.
  model_id: z.string().optional(),
  dataset_name: z.string().optional(),
  dataset_digest: z.string().optional(),
});

/** MLflow's runs: create, get, update, delete, search, log metrics, params and tags; metric history; artifacts. */
export function registerMlflowRunRoutes({ get, post }: MlflowRpc, platform: Platform): void {
  const tracking = trackingService(platform);
  post(
    'runs/create',
    z.object({
      experiment_id: z.string().optional(),
      user_id: z.string().optional(),
      run_name: z.string().optional(),
      start_time: int64.optional(),
      tags: z.array(keyValue).optional(),
    }),
    'Create a run',
    RunAnswer,
    async (body) => ({
      run: serializeRun(
        await tracking.createRun({
          ...(body.experiment_id ? { experimentId: body.experiment_id } : {}),
          ...(body.user_id ? { userId: body.user_id } : {}),
          ...(body.run_name ? { runName: body.run_name } : {}),
          ...(body.start_time !== undefined ? { startTime: body.start_time } : {}),
          ...(body.tags ? { tags: body.tags } : {}),
        }),
      ),
    }),
  );
  get('runs/get', runId, 'Get a run with its latest metrics, params and tags', RunAnswer, async (query) => ({
    run: serializeRun(await tracking.getRun(idOf(query))),
  }));
  post(
    'runs/update',
    z.intersection(
      runId,
      z.object({
        status: z.enum(RUN_STATUSES as [string, ...string[]]).optional(),
        end_time: int64.optional(),
        run_name: z.string().optional(),
      }),
    ),
    'Update a run: status, end time, name',
    RunInfoAnswer,
    async (body) => ({
      run_info: await tracking.updateRun(idOf(body), {
        ...(body.status ? { status: body.status as (typeof RUN_STATUSES)[number] } : {}),
        ...(body.end_time !== undefined ? { endTime: body.end_time } : {}),
        ...(body.run_name ? { runName: body.run_name } : {}),
      }),
    }),
  );
  post('runs/delete', runId, 'Delete a run', Empty, async (body) => {
    await tracking.setRunLifecycle(idOf(body), 'deleted');
    return {};
  });
  post('runs/restore', runId, 'Restore a deleted run', Empty, async (body) => {
    await tracking.setRunLifecycle(idOf(body), 'active');
    return {};
  });
  post(
    'runs/search',
    z.object({
      experiment_ids: z.array(z.string()).optional(),
      filter: z.string().optional(),
      run_view_type: viewType.optional(),
      max_results: int64.pipe(z.number().min(1).max(50_000)).optional(),
      order_by: orderBy.optional(),
      page_token: z.string().optional(),
    }),
    'Search runs with an MLflow filter string',
    RunSearch,
    async (body) => {
      const { runs, nextPageToken } = await tracking.searchRuns({
        experimentIds: body.experiment_ids ?? [],
        filter: body.filter,
        viewType: body.run_view_type ?? 'ACTIVE_ONLY',
        maxResults: body.max_results ?? 1000,
        pageToken: body.page_token,
        ...(body.order_by ? { orderBy: body.order_by } : {}),
      });
      return {
        ...(runs.length > 0 ? { runs: runs.map(serializeRun) } : {}),
        ...(nextPageToken ? { next_page_token: nextPageToken } : {}),
      };
    },
  );
  post('runs/log-metric', z.intersection(runId, metric), 'Log one metric point', Empty, async (body) => {
    await logMetricsWithModels(tracking, idOf(body), [body], (metrics) =>
      tracking.logBatch(idOf(body), { metrics }),
    );
    return {};
  });
  post('runs/log-parameter', z.intersection(runId, keyValue), 'Log a parameter', Empty, async (body) => {
    await tracking.logBatch(idOf(body), { params: [{ key: body.key, value: body.value }] });
    return {};
  });
  post('runs/set-tag', z.intersection(runId, keyValue), 'Set a run tag', Empty, async (body) => {
    await tracking.logBatch(idOf(body), { tags: [{ key: body.key, value: body.value }] });
    return {};
  });
  post(
    'runs/delete-tag',
    z.intersection(runId, z.object({ key: z.string() })),
    'Delete a run tag',
    Empty,
    async (body) => {
      await tracking.deleteRunTag(idOf(body), body.key);
      return {};
    },
  );
  post(
    'runs/log-batch',
    z.intersection(
      runId,
      z.object({
        metrics: z.array(metric).optional(),
        params: z.array(keyValue).optional(),
        tags: z.array(keyValue).optional(),
      }),
    ),
    'Log metrics, params and tags at once (all or nothing)',
    Empty,
    async (body) => {
      await logMetricsWithModels(tracking, idOf(body), body.metrics ?? [], (metrics) =>
        tracking.logBatch(idOf(body), { metrics, params: body.params ?? [], tags: body.tags ?? [] }),
      );
      return {};
    },
  );
  get(
    'metrics/get-history',
    z.object({
      run_id: z.string().optional(),
      run_uuid: z.string().optional(),
      metric_key: z.string(),
      page_token: z.string().optional(),
      max_results: int64.pipe(z.number().min(1).max(100_000)).optional(),
    }),
    'Every logged point of one metric',
    MetricHistory,
    async (query) => {
      const { metrics, nextPageToken } = await tracking.getMetricHistory(idOf(query), query.metric_key, {
        ...(query.max_results ? { maxResults: query.max_results } : {}),
        pageToken: query.page_token,
      });
      return {
        metrics: metrics.map(serializeMetric),
        ...(nextPageToken ? { next_page_token: nextPageToken } : {}),
      };
    },
  );
  get(
    'artifacts/list',
    z.object({
      run_id: z.string().optional(),
      run_uuid: z.string().optional(),
      path: z.string().optional(),
      page_token: z.string().optional(),
    }),
    "List a run's artifacts (one directory level)",
    ArtifactList,
    async (query) => {
      const run = await tracking.getRun(idOf(query));
      const root = proxyPathOf(run.info.artifact_uri);
      const relative = (query.path ?? '').replace(/^\/+|\/+$/g, '');
      const files = await listProxiedArtifacts(
        platform.artifacts,
        relative === '' ? root : `${root}/${relative}`,
        relative,
      );
      return { root_uri: run.info.artifact_uri, ...(files.length > 0 ? { files } : {}) };
    },
  );
}

/** Logs a run's metrics with `write`, and links those naming a logged model to it (models checked first). */
async function logMetricsWithModels(
  tracking: TrackingService,
  runId: string,
  metrics: z.infer<typeof metric>[],
  write: (metrics: Metric[]) => Promise<void>,
): Promise<void> {
  const linked = metrics.filter((point) => point.model_id);
  await tracking.checkMetricModels(linked.map((point) => point.model_id ?? ''));
  await write(metrics.map(toMetric));
  await tracking.logModelMetrics(
    runId,
    linked.map((point) => ({
      ...toMetric(point),
      model_id: point.model_id ?? '',
      ...(point.dataset_name ? { dataset_name: point.dataset_name } : {}),
      ...(point.dataset_digest ? { dataset_digest: point.dataset_digest } : {}),
    })),
  );
}

function toMetric(input: {
  key: string;
  value: number;
  timestamp: number;
  step?: number | undefined;
}): Metric {
  return { key: input.key, value: input.value, timestamp: input.timestamp, step: input.step ?? 0 };
}

/** NaN and infinities are not JSON: MLflow sends them as strings. */
function serializeMetric(metric: Metric) {
  return { ...metric, value: Number.isFinite(metric.value) ? metric.value : String(metric.value) };
}

function serializeRun(run: Run) {
  return { ...run, data: { ...run.data, metrics: run.data.metrics.map(serializeMetric) } };
}

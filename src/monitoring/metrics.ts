import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { TrafficHistory } from './traffic-history.js';

/** How many recent requests the traffic window keeps (enough for minutes of a busy server). */
const WINDOW_CAPACITY = 50_000;
const WINDOW_MS = 5 * 60_000;

/**
 * The platform's Prometheus metrics, named `mlops_<subsystem>_<name>_<unit>` (CONVENTIONS.md), in a
 * registry of their own (one per platform, so tests and several platforms in a process never clash),
 * plus a short in-memory window of recent requests for the dashboard's live figures.
 */
export class PlatformMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'mlops_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'mlops_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method and route template.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly predictions = new Counter({
    name: 'mlops_model_predictions_total',
    help: 'Recommendation lists served, by model, version and A/B variant.',
    labelNames: ['model', 'version', 'variant'] as const,
    registers: [this.registry],
  });
  readonly predictionDuration = new Histogram({
    name: 'mlops_model_prediction_duration_seconds',
    help: 'Time to score and rank the catalogue for one user (cache misses), by model, version and variant.',
    labelNames: ['model', 'version', 'variant'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
    registers: [this.registry],
  });
  readonly modelLoaded = new Gauge({
    name: 'mlops_model_loaded_info',
    help: 'The model versions being served: 1 per loaded version, labelled with variant and algorithm.',
    labelNames: ['model', 'version', 'variant', 'algorithm'] as const,
    registers: [this.registry],
  });
  readonly modelIntegrityFailures = new Counter({
    name: 'mlops_model_integrity_failures_total',
    help: 'Model versions refused at load because a file differs from the SHA-256 recorded at registration.',
    labelNames: ['model', 'version'] as const,
    registers: [this.registry],
  });
  readonly modelLoadDuration = new Histogram({
    name: 'mlops_model_load_duration_seconds',
    help: 'Time to download and prepare a model version for serving.',
    labelNames: ['model'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly feedback = new Counter({
    name: 'mlops_feedback_events_total',
    help: 'Feedback events received, by interaction type and A/B variant.',
    labelNames: ['type', 'variant'] as const,
    registers: [this.registry],
  });
  readonly featureReadDuration = new Histogram({
    name: 'mlops_feature_store_read_duration_seconds',
    help: 'Time to read online features for one request (all its entities and views), by online store.',
    labelNames: ['store'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
    registers: [this.registry],
  });
  readonly featureValues = new Counter({
    name: 'mlops_feature_store_values_total',
    help: 'Online feature values served, by feature view and status (PRESENT, NOT_FOUND, OUTSIDE_MAX_AGE...).',
    labelNames: ['feature_view', 'status'] as const,
    registers: [this.registry],
  });
  readonly featureRowsWritten = new Counter({
    name: 'mlops_feature_store_rows_written_total',
    help: 'Feature rows written through the write path (POST /push, /write-to-online-store), by feature view and target (online, offline).',
    labelNames: ['feature_view', 'target'] as const,
    registers: [this.registry],
  });
  readonly pipelineRuns = new Counter({
    name: 'mlops_pipeline_runs_total',
    help: 'Pipeline runs finished, by pipeline and final state (success, failed).',
    labelNames: ['pipeline', 'state'] as const,
    registers: [this.registry],
  });
  readonly taskDuration = new Histogram({
    name: 'mlops_pipeline_task_duration_seconds',
    help: 'Duration of pipeline task attempts, by pipeline, task and outcome (success, up_for_retry, failed).',
    labelNames: ['pipeline', 'task', 'state'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  readonly driftScore = new Gauge({
    name: 'mlops_drift_score',
    help: 'Latest drift score per feature: the p-value (ks, chisquare, z) or distance (wasserstein, jensenshannon, psi).',
    labelNames: ['feature', 'test'] as const,
    registers: [this.registry],
  });
  readonly featureDrifted = new Gauge({
    name: 'mlops_drift_detected_info',
    help: 'Whether the latest drift check found the feature drifted (1) or not (0).',
    labelNames: ['feature'] as const,
    registers: [this.registry],
  });
  readonly datasetDrift = new Gauge({
    name: 'mlops_drift_dataset_share_ratio',
    help: 'Share of features that drifted in the latest drift check (dataset drift at or above the threshold).',
    registers: [this.registry],
  });
  readonly alertsFiring = new Gauge({
    name: 'mlops_alerts_firing_info',
    help: 'In-process alert rules: 1 while the alert fires, 0 otherwise.',
    labelNames: ['alert'] as const,
    registers: [this.registry],
  });
  readonly alertNotifications = new Counter({
    name: 'mlops_alert_notifications_total',
    help: 'Alert webhook notifications, by result (delivered, failed after every retry).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly eventsPublished = new Counter({
    name: 'mlops_events_published_total',
    help: 'Events published to the event bus, by topic and type.',
    labelNames: ['topic', 'type'] as const,
    registers: [this.registry],
  });
  readonly eventsConsumed = new Counter({
    name: 'mlops_events_consumed_total',
    help: 'Events handled by a consumer group, by topic, group and outcome (handled, duplicate).',
    labelNames: ['topic', 'group', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly eventsFailed = new Counter({
    name: 'mlops_events_failed_total',
    help: 'Events a consumer sent to the dead-letter topic, by topic, group and reason.',
    labelNames: ['topic', 'group', 'reason'] as const,
    registers: [this.registry],
  });
  readonly eventsDropped = new Counter({
    name: 'mlops_events_dropped_total',
    help: 'Events not published, by topic and reason: buffer_full and publish_failed (lost), sampled_out and over_rate (left out by MLOPS_SERVED_EVENTS_SAMPLE and _MAX_RATE).',
    labelNames: ['topic', 'reason'] as const,
    registers: [this.registry],
  });
  readonly eventsUnknownMovie = new Counter({
    name: 'mlops_events_unknown_movie_total',
    help: 'User interactions about a movie the catalogue does not hold: stored on their topic, not applied.',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });
  readonly eventsConsumerLag = new Gauge({
    name: 'mlops_events_consumer_lag_messages',
    help: 'Events published but not yet handled by a consumer group, by topic and group.',
    labelNames: ['topic', 'group'] as const,
    registers: [this.registry],
  });
  readonly eventLatency = new Histogram({
    name: 'mlops_events_delivery_duration_seconds',
    help: 'Time from publishing an event to a consumer having handled it, by topic.',
    labelNames: ['topic'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly automationActions = new Counter({
    name: 'mlops_automation_actions_total',
    help: 'What the automations did with the events they saw, by automation and outcome.',
    labelNames: ['automation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly loadShedding = new Gauge({
    name: 'mlops_load_shedding_active_info',
    help: '1 while non-critical work is held back after an overload, 0 otherwise.',
    registers: [this.registry],
  });

  // Recent requests as parallel ring buffers: time (ms), duration (ms), and whether it failed (5xx).
  private readonly times = new Float64Array(WINDOW_CAPACITY);
  private readonly durations = new Float32Array(WINDOW_CAPACITY);
  private readonly failures = new Uint8Array(WINDOW_CAPACITY);
  private next = 0;
  private filled = 0;
  /** Six hours of per-10-second aggregates, for the dashboard's longer ranges. */
  private readonly history = new TrafficHistory();

  constructor(options: { processMetrics?: boolean } = {}) {
    // Node's process metrics (CPU, memory, event loop lag, GC) under their standard names.
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  observeRequest(method: string, route: string, status: number, seconds: number, now = Date.now()): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, seconds);
    this.times[this.next] = now;
    this.durations[this.next] = seconds * 1000;
    this.failures[this.next] = status >= 500 ? 1 : 0;
    this.history.observe(now, seconds * 1000, status >= 500);
    this.next = (this.next + 1) % WINDOW_CAPACITY;
    this.filled = Math.min(this.filled + 1, WINDOW_CAPACITY);
  }

  /**
   * Live traffic for the dashboard: request rate, latency percentiles and 5xx count over the last
   * `windowSeconds`, and a series in `stepSeconds` buckets over the last five minutes.
   */
  /** Request rate, 5xx rate and p95 latency over the last `rangeSeconds` (up to six hours), ~60 steps. */
  trafficSeries(rangeSeconds: number, now = Date.now()) {
    return this.history.series(rangeSeconds, now);
  }

  traffic(windowSeconds = 60, stepSeconds = 10, now = Date.now()) {
    const since = now - windowSeconds * 1000;
    const recent: number[] = [];
    let errors = 0;
    const steps = Math.floor(WINDOW_MS / (stepSeconds * 1000));
    const series = Array.from({ length: steps }, (_, index) => ({
      t: now - (steps - index) * stepSeconds * 1000,
      requests: 0,
      durations: [] as number[],
    }));
    for (let slot = 0; slot < this.filled; slot++) {
      const time = this.times[slot] as number;
      if (time < now - WINDOW_MS || time > now) continue;
      const duration = this.durations[slot] as number;
      if (time >= since) {
        recent.push(duration);
        errors += this.failures[slot] as number;
      }
      const bucket =
        series[Math.min(steps - 1, Math.floor((time - (now - WINDOW_MS)) / (stepSeconds * 1000)))];
      if (bucket !== undefined) {
        bucket.requests++;
        bucket.durations.push(duration);
      }
    }
    recent.sort((a, b) => a - b);
    return {
      window_seconds: windowSeconds,
      requests: recent.length,
      requests_per_second: recent.length / windowSeconds,
      errors,
      latency_ms: { p50: quantile(recent, 0.5), p95: quantile(recent, 0.95), p99: quantile(recent, 0.99) },
      series: series.map((bucket) => ({
        t: bucket.t,
        requests_per_second: bucket.requests / stepSeconds,
        p95_ms: quantile(
          bucket.durations.sort((a, b) => a - b),
          0.95,
        ),
      })),
    };
  }
}

/** The q-quantile of sorted values (nearest rank), or 0 when there are none. */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

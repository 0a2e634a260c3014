import type { MetadataDb } from '../storage/index.js';
import type { LoadShedder } from './load-shedder.js';
import type { PlatformMetrics } from './metrics.js';

/** The alert rules: what each measures, its threshold and runbook entry, and the built-in set. */

export type Severity = 'critical' | 'warning' | 'info';

/** What a rule sees when it is evaluated. */
export interface AlertContext {
  db: MetadataDb;
  metrics: PlatformMetrics;
  /** Whether this process serves recommendations (the no-model rule only applies then). */
  isServing: boolean;
  loadShedder?: LoadShedder | undefined;
  /** Pipeline runs that failed since a time (the pipelines' service); absent where no pipelines run. */
  failedRuns?: ((since: Date) => Promise<{ pipeline_id: string; run_id: string }[]>) | undefined;
  now: Date;
}

export interface AlertRule {
  name: string;
  severity: Severity;
  summary: string;
  /** `docs/runbook.md#section`, as in the Prometheus rules. */
  runbook: string;
  /** How long the condition must hold before the alert fires (Prometheus' `for`); default at once. */
  forMs?: number;
  /** What is measured, in words (the in-process counterpart of the Prometheus rule's `expr`). */
  expression?: string;
  /** The condition on the measured value, e.g. `> 0.05`. */
  threshold?: string;
  evaluate(context: AlertContext): Promise<{ isFiring: boolean; value: number; description: string }>;
}

const MIN_REQUESTS = 20;

/**
 * The Prometheus alert rules of `deploy/prometheus/rules/`, evaluated in the process from its own state,
 * so the embedded setup alerts without Prometheus. Same names, thresholds and runbook entries.
 */
export const BUILTIN_ALERT_RULES: readonly AlertRule[] = [
  {
    name: 'MlopsHighErrorRatio',
    expression: '5xx answers / all answers over the last 5 minutes (at least 20 requests)',
    threshold: '> 0.05',
    severity: 'critical',
    summary: 'More than 5% of requests fail with a 5xx',
    runbook: 'docs/runbook.md#high-error-ratio',
    async evaluate({ metrics }) {
      const traffic = metrics.traffic(300);
      const ratio = traffic.requests === 0 ? 0 : traffic.errors / traffic.requests;
      return {
        isFiring: traffic.requests >= MIN_REQUESTS && ratio > 0.05,
        value: ratio,
        description: `${(ratio * 100).toFixed(1)} % of ${traffic.requests} requests answered 5xx over the last 5 minutes`,
      };
    },
  },
  {
    name: 'MlopsHighLatencyP95',
    expression: 'p95 request latency in seconds over the last 5 minutes (at least 20 requests)',
    threshold: '> 0.25',
    severity: 'warning',
    summary: 'p95 request latency above 250 ms',
    runbook: 'docs/runbook.md#high-latency',
    async evaluate({ metrics }) {
      const traffic = metrics.traffic(300);
      const p95 = traffic.latency_ms.p95;
      return {
        isFiring: traffic.requests >= MIN_REQUESTS && p95 > 250,
        value: p95 / 1000,
        description: `p95 latency is ${p95.toFixed(0)} ms over ${traffic.requests} requests`,
      };
    },
  },
  {
    name: 'MlopsNoModelLoaded',
    expression:
      'mlops_model_loaded_info{variant="champion"} (1 when a champion is loaded), on a serving process',
    threshold: '== 0',
    severity: 'critical',
    summary: 'Serving has no champion model loaded',
    runbook: 'docs/runbook.md#no-model-loaded',
    // As the Prometheus rule's `for: 2m`: a start loads its model within seconds, and pages nobody.
    forMs: 120_000,
    async evaluate({ metrics, isServing }) {
      const loaded = (await metrics.modelLoaded.get()).values.some(
        (sample) => sample.labels.variant === 'champion' && sample.value === 1,
      );
      return {
        isFiring: isServing && !loaded,
        value: loaded ? 1 : 0,
        description: 'recommendation routes answer 503 until a champion version is promoted and loads',
      };
    },
  },
  {
    name: 'MlopsModelIntegrityFailure',
    expression:
      'model loads refused because a file differs from its registered hash (mlops_model_integrity_failures_total)',
    threshold: '> 0',
    severity: 'critical',
    summary: "A registered model version's files changed since registration; serving refused it",
    runbook: 'docs/runbook.md#model-integrity-failure',
    async evaluate({ metrics }) {
      const refused = (await metrics.modelIntegrityFailures.get()).values.filter(
        (sample) => sample.value > 0,
      );
      return {
        isFiring: refused.length > 0,
        value: refused.reduce((sum, sample) => sum + sample.value, 0),
        description:
          refused.length === 0
            ? 'every loaded model version matches its registered hashes'
            : `refused to load (files changed since registration): ${refused.map((sample) => `${sample.labels.model} v${sample.labels.version}`).join(', ')}; the previous model keeps serving`,
      };
    },
  },
  {
    name: 'MlopsPipelineFailed',
    expression: 'pipeline runs that failed in the last 15 minutes',
    threshold: '> 0',
    severity: 'warning',
    summary: 'A pipeline run failed',
    runbook: 'docs/runbook.md#pipeline-failed',
    async evaluate({ failedRuns, now }) {
      if (failedRuns === undefined)
        return { isFiring: false, value: 0, description: 'no pipelines run in this process' };
      const failed = await failedRuns(new Date(now.getTime() - 15 * 60_000));
      return {
        isFiring: failed.length > 0,
        value: failed.length,
        description:
          failed.length === 0
            ? 'no failed run in the last 15 minutes'
            : `failed in the last 15 minutes: ${failed.map((run) => `${run.pipeline_id} (${run.run_id})`).join(', ')}`,
      };
    },
  },
  {
    name: 'MlopsDataDriftDetected',
    expression:
      'share of monitored features drifted in the latest drift check (mlops_drift_dataset_share_ratio)',
    threshold: '>= 0.5',
    severity: 'warning',
    summary: 'The watch log drifted',
    runbook: 'docs/runbook.md#data-drift',
    async evaluate({ metrics }) {
      const share = (await metrics.datasetDrift.get()).values[0]?.value ?? 0;
      const drifted = (await metrics.featureDrifted.get()).values
        .filter((sample) => sample.value === 1)
        .map((sample) => String(sample.labels.feature));
      return {
        isFiring: share >= 0.5,
        value: share,
        description: `${(share * 100).toFixed(0)} % of the monitored features drifted${drifted.length > 0 ? ` (${drifted.join(', ')})` : ''}`,
      };
    },
  },
  {
    name: 'MlopsSystemOverload',
    expression: 'load shedding active (mlops_load_shedding_active_info)',
    threshold: '== 1',
    severity: 'warning',
    summary: 'The platform is overloaded and sheds non-critical work: scale out',
    runbook: 'docs/runbook.md#system-overload',
    async evaluate({ loadShedder }) {
      const status = loadShedder?.status();
      return {
        isFiring: status?.active === true,
        value: status?.active === true ? 1 : 0,
        description:
          status?.active === true
            ? `load shedding until ${status.until}: ${status.reason}`
            : 'no overload reported',
      };
    },
  },
  {
    name: 'MlopsEventConsumerLag',
    expression: 'largest consumer-group lag in events (mlops_events_consumer_lag_messages)',
    threshold: '> 1000',
    severity: 'warning',
    summary: 'A consumer group is more than 1000 events behind',
    runbook: 'docs/runbook.md#event-consumer-lag',
    async evaluate({ metrics }) {
      const behind = (await metrics.eventsConsumerLag.get()).values.filter((sample) => sample.value > 1000);
      const worst = Math.max(0, ...behind.map((sample) => sample.value));
      return {
        isFiring: behind.length > 0,
        value: worst,
        description:
          behind.length === 0
            ? 'every consumer group keeps up'
            : `behind: ${behind.map((sample) => `${sample.labels.group} on ${sample.labels.topic} (${sample.value})`).join(', ')}`,
      };
    },
  },
];

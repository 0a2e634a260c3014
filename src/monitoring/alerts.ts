import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/index.js';
import type { MetadataDb } from '../storage/index.js';
import type { LoadShedder } from './load-shedder.js';
import type { PlatformMetrics } from './metrics.js';
import { silencedAlertNames } from './silences.js';

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

export interface AlertRecord {
  alert_id: string;
  name: string;
  severity: string;
  status: 'firing' | 'resolved';
  summary: string;
  description: string;
  value: number;
  runbook: string;
  started_at: Date;
  resolved_at: Date | null;
  notified: boolean;
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

export interface AlertManagerOptions {
  db: MetadataDb;
  metrics: PlatformMetrics;
  logger: Logger;
  isServing: boolean;
  /** Slack-compatible incoming webhook; alerts are only recorded and logged without one. */
  webhookUrl?: string | undefined;
  /** Link base for runbook entries in notifications (the repository or docs site). */
  runbookBaseUrl?: string | undefined;
  rules?: readonly AlertRule[];
  loadShedder?: LoadShedder | undefined;
  /** Failed pipeline runs since a time, for the pipeline-failed rule (the pipelines' service). */
  failedRuns?: AlertContext['failedRuns'];
  /** Carries each firing and resolution on (the event bus's system-health topic). */
  publish?: ((change: AlertRecord) => Promise<void>) | undefined;
  /** Attempts per notification (default 4) and the first retry's delay (default 1 s, doubling). */
  attempts?: number;
  retryDelayMs?: number;
}

/**
 * Evaluates the alert rules, records every firing and resolution in the `alerts` table (the history the UI
 * shows), sets `mlops_alerts_firing`, logs each change, and sends it to the webhook with retries.
 */
export class AlertManager {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly rules: readonly AlertRule[];
  private readonly log: Logger;
  /** Since when each rule's condition has held, for rules that must hold a while before firing. */
  private readonly pendingSince = new Map<string, number>();

  constructor(private readonly options: AlertManagerOptions) {
    this.rules = options.rules ?? BUILTIN_ALERT_RULES;
    this.log = options.logger.child({ component: 'MONITORING' });
  }

  start(intervalMs: number): void {
    const pass = () => {
      this.running ??= this.evaluate()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.log.error(
            { action: 'ALERTS_FAILED', err: error },
            `alert evaluation failed: ${String(error)}`,
          ),
        )
        .finally(() => {
          this.running = undefined;
        });
    };
    pass();
    this.timer = setInterval(pass, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running;
  }

  /** One evaluation of every rule; resolves with the changes it recorded. */
  async evaluate(now = new Date()): Promise<AlertRecord[]> {
    const { db, metrics } = this.options;
    const changes: AlertRecord[] = [];
    for (const rule of this.rules) {
      const result = await rule.evaluate({
        db,
        metrics,
        isServing: this.options.isServing,
        loadShedder: this.options.loadShedder,
        failedRuns: this.options.failedRuns,
        now,
      });
      if (result.isFiring) {
        const since = this.pendingSince.get(rule.name) ?? now.getTime();
        this.pendingSince.set(rule.name, since);
        // Still pending: the condition has not held for the rule's `for` yet.
        if (now.getTime() - since < (rule.forMs ?? 0)) result.isFiring = false;
      } else this.pendingSince.delete(rule.name);
      metrics.alertsFiring.set({ alert: rule.name }, result.isFiring ? 1 : 0);
      const open = await db
        .selectFrom('alerts')
        .selectAll()
        .where('name', '=', rule.name)
        .where('status', '=', 'firing')
        .executeTakeFirst();
      if (result.isFiring && open === undefined) {
        const record: AlertRecord = {
          alert_id: randomUUID().replaceAll('-', ''),
          name: rule.name,
          severity: rule.severity,
          status: 'firing',
          summary: rule.summary,
          description: result.description,
          value: result.value,
          runbook: rule.runbook,
          started_at: now,
          resolved_at: null,
          notified: false,
        };
        await db.insertInto('alerts').values(record).execute();
        changes.push(record);
      } else if (!result.isFiring && open !== undefined) {
        await db
          .updateTable('alerts')
          .set({ status: 'resolved', resolved_at: now, notified: false })
          .where('alert_id', '=', open.alert_id)
          .execute();
        changes.push({ ...(open as AlertRecord), status: 'resolved', resolved_at: now, notified: false });
      }
    }
    const silenced = changes.length === 0 ? new Set<string>() : await silencedAlertNames(db, now);
    for (const change of changes) {
      const line = `${change.status === 'firing' ? 'FIRING' : 'RESOLVED'} ${change.name}: ${change.description}`;
      if (change.status === 'firing')
        this.log.warn({ action: 'ALERT', alert: change.name, status: change.status }, line);
      else this.log.info({ action: 'ALERT', alert: change.name, status: change.status }, line);
      await this.options
        .publish?.(change)
        .catch((error: unknown) =>
          this.log.warn(
            { action: 'ALERT_PUBLISH_FAILED', alert: change.name, err: error },
            `alert ${change.name} could not be published on the event bus: ${String(error)}`,
          ),
        );
      // A silenced alert is recorded and published, but pages nobody.
      if (silenced.has(change.name)) {
        this.log.info(
          { action: 'ALERT_SILENCED', alert: change.name },
          `alert ${change.name} is silenced: no notification`,
        );
        continue;
      }
      const delivered = await this.notify(change);
      if (delivered)
        await db
          .updateTable('alerts')
          .set({ notified: true })
          .where('alert_id', '=', change.alert_id)
          .execute();
    }
    return changes;
  }

  /** Posts a change to the webhook as Slack-compatible JSON, retrying with backoff; false when not delivered. */
  private async notify(change: AlertRecord): Promise<boolean> {
    const url = this.options.webhookUrl;
    if (url === undefined) return false;
    const runbook =
      this.options.runbookBaseUrl === undefined
        ? change.runbook
        : `${this.options.runbookBaseUrl.replace(/\/$/, '')}/${change.runbook}`;
    const body = {
      text: `${change.status === 'firing' ? ':rotating_light: FIRING' : ':white_check_mark: RESOLVED'} ${change.name}: ${change.summary}`,
      attachments: [
        {
          color:
            change.status === 'resolved' ? 'good' : change.severity === 'critical' ? 'danger' : 'warning',
          title: change.summary,
          text: change.description,
          fields: [
            { title: 'severity', value: change.severity, short: true },
            { title: 'status', value: change.status, short: true },
            { title: 'runbook', value: runbook, short: false },
          ],
          ts: Math.floor((change.resolved_at ?? change.started_at).getTime() / 1000),
        },
      ],
      alert: {
        name: change.name,
        status: change.status,
        severity: change.severity,
        value: change.value,
        alert_id: change.alert_id,
      },
    };
    const attempts = this.options.attempts ?? 4;
    let delay = this.options.retryDelayMs ?? 1000;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(5000),
        });
        if (response.ok) {
          this.options.metrics.alertNotifications.inc({ result: 'delivered' });
          return true;
        }
        this.log.warn(
          { action: 'ALERT_WEBHOOK', attempt, status: response.status },
          `alert webhook answered ${response.status}`,
        );
      } catch (error) {
        this.log.warn(
          { action: 'ALERT_WEBHOOK', attempt, err: error },
          `alert webhook failed: ${String(error)}`,
        );
      }
      if (attempt < attempts) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay *= 2;
      }
    }
    this.options.metrics.alertNotifications.inc({ result: 'failed' });
    return false;
  }
}

/** The alert history, newest first (firing ones included), or only the alerts of one status. */
export async function listAlerts(
  db: MetadataDb,
  limit = 100,
  filter: { status?: AlertRecord['status'] } = {},
): Promise<AlertRecord[]> {
  let query = db.selectFrom('alerts').selectAll().orderBy('started_at', 'desc').limit(limit);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  const rows = await query.execute();
  return rows.map((row) => ({ ...row, status: row.status as AlertRecord['status'] }));
}

/** One rule as the Alerts page shows it: its definition, its state now, and its value now. */
export interface AlertRuleState {
  name: string;
  severity: Severity;
  summary: string;
  runbook: string;
  expression: string;
  threshold: string;
  for_seconds: number;
  /** `firing` while an alert is open; `pending` while the condition holds but has not fired yet. */
  state: 'normal' | 'pending' | 'firing';
  value: number;
  description: string;
  /** Since when the open alert fires; null when it does not. */
  firing_since: Date | null;
  is_silenced: boolean;
}

/**
 * Evaluates every rule now without recording anything, and reads which are open in the `alerts` table:
 * the state an Alerts page lists (the recorded history stays the AlertManager's).
 */
export async function describeAlertRules(
  context: AlertContext,
  rules: readonly AlertRule[] = BUILTIN_ALERT_RULES,
): Promise<AlertRuleState[]> {
  const open = await context.db
    .selectFrom('alerts')
    .select(['name', 'started_at'])
    .where('status', '=', 'firing')
    .execute();
  const openSince = new Map(open.map((row) => [row.name, row.started_at]));
  const silenced = await silencedAlertNames(context.db, context.now);
  const states: AlertRuleState[] = [];
  for (const rule of rules) {
    const result = await rule.evaluate(context);
    const since = openSince.get(rule.name) ?? null;
    states.push({
      name: rule.name,
      severity: rule.severity,
      summary: rule.summary,
      runbook: rule.runbook,
      expression: rule.expression ?? rule.summary,
      threshold: rule.threshold ?? '',
      for_seconds: Math.round((rule.forMs ?? 0) / 1000),
      state: since !== null ? 'firing' : result.isFiring ? 'pending' : 'normal',
      value: result.value,
      description: result.description,
      firing_since: since,
      is_silenced: silenced.has(rule.name),
    });
  }
  return states;
}

import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/index.js';
import type { MetadataDb } from '../storage/index.js';
import { type AlertContext, type AlertRule, BUILTIN_ALERT_RULES } from './alert-rules.js';
import type { AlertRecord } from './alerts.js';
import type { LoadShedder } from './load-shedder.js';
import type { PlatformMetrics } from './metrics.js';
import { silencedAlertNames } from './silences.js';

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

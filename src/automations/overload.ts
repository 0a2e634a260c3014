import type { EventsConfig } from '../config/index.js';
import { type EventBus, isEventOf, type PublishedEvent } from '../events/index.js';
import type { Logger } from '../logging/index.js';
import type { LoadShedder, PlatformMetrics } from '../monitoring/index.js';
import { queuedTaskCount } from '../pipelines/index.js';
import type { MetadataDb } from '../storage/index.js';
import { recordAction } from './actions.js';

export interface OverloadResponseOptions {
  db: MetadataDb;
  loadShedder: LoadShedder;
  logger: Logger;
  sheddingMs: number;
  /** Re-evaluates the alert rules at once, so the scaling alert (webhook, event) goes out now. */
  raiseAlert?: () => Promise<unknown>;
  onAction?: (outcome: string) => void;
}

/**
 * Overload → scaling alert and load shedding: non-critical work is held back for `sheddingMs` (extended
 * by each new overload) and the `MlopsSystemOverload` alert fires (history, webhook, `alert.firing` on
 * system-health). Overloads that arrive while shedding only extend it, recorded as suppressed.
 */
export function overloadResponse(options: OverloadResponseOptions) {
  return async (event: PublishedEvent): Promise<void> => {
    if (!isEventOf(event, 'system-health', 'system.overload')) return;
    const { service_name, metric, value, threshold, severity } = event.data;
    if (!(value > threshold)) {
      await recordAction(options.db, {
        automation: 'overload_response',
        event_id: event.id,
        event_type: event.type,
        outcome: 'suppressed',
        detail: `${service_name} ${metric} ${value} is not over its threshold ${threshold}: nothing to shed`,
      });
      options.onAction?.('suppressed');
      return;
    }
    const wasShedding = options.loadShedder.isActive();
    const reason = `${service_name} ${metric} ${value} over ${threshold} (${severity})`;
    options.loadShedder.activate(options.sheddingMs, reason);
    const outcome = wasShedding ? 'suppressed' : 'applied';
    const detail = wasShedding
      ? `already shedding load: extended to ${options.loadShedder.status().until} (${reason})`
      : `shedding non-critical work until ${options.loadShedder.status().until}; scaling alert raised (${reason})`;
    await recordAction(options.db, {
      automation: 'overload_response',
      event_id: event.id,
      event_type: event.type,
      outcome,
      detail,
    });
    options.onAction?.(outcome);
    options.logger.warn(
      { action: 'AUTOMATION', automation: 'overload_response', outcome, event_id: event.id },
      `overload: ${detail}`,
    );
    if (!wasShedding) await options.raiseAlert?.();
  };
}

/**
 * Watches for overload of what users feel: p95 request latency over the last minute and queued pipeline
 * tasks (process CPU is not watched: see `check`). Over a threshold, it publishes
 * `system.overload` on system-health — at most once per metric per cool-down, so a sustained overload
 * is one event, not a storm.
 */
export class SystemHealthWatcher {
  private timer: NodeJS.Timeout | undefined;
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly options: {
      bus: EventBus;
      db: MetadataDb;
      metrics: PlatformMetrics;
      logger: Logger;
      thresholds: EventsConfig['overload'];
      serviceName?: string;
      cooldownMs?: number;
    },
  ) {}

  start(intervalMs = 15_000): void {
    this.timer = setInterval(() => {
      void this.check().catch((error: unknown) =>
        this.options.logger.warn(
          { action: 'HEALTH_CHECK_FAILED', err: error },
          `system health check failed: ${String(error)}`,
        ),
      );
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * One look at what says serving suffers — p95 latency and the queue of tasks waiting to run; resolves
   * with the overload events it published. Process CPU is not one of them: on a small machine an ordinary
   * training run takes most of it, which is the platform doing the work it was asked to, not an overload.
   */
  async check(now = Date.now()): Promise<PublishedEvent[]> {
    const { thresholds, metrics, db } = this.options;
    const traffic = metrics.traffic(60);
    const queued = await queuedTaskCount(db);
    const readings = [
      // Too few requests make a meaningless percentile.
      {
        metric: 'latency' as const,
        value: traffic.requests >= 20 ? traffic.latency_ms.p95 : 0,
        threshold: thresholds.p95LatencyMs,
      },
      { metric: 'queue_depth' as const, value: queued, threshold: thresholds.queueDepth },
    ];
    const published: PublishedEvent[] = [];
    for (const reading of readings) {
      if (reading.value <= reading.threshold) continue;
      const last = this.lastSent.get(reading.metric) ?? Number.NEGATIVE_INFINITY;
      if (now - last < (this.options.cooldownMs ?? 300_000)) continue;
      this.lastSent.set(reading.metric, now);
      published.push(
        await this.options.bus.publish('system-health', {
          type: 'system.overload',
          source: 'system-health-watcher',
          data: {
            service_name: this.options.serviceName ?? 'mlops',
            metric: reading.metric,
            value: Math.round(reading.value * 100) / 100,
            threshold: reading.threshold,
            severity: reading.value > reading.threshold * 1.5 ? 'critical' : 'warning',
          },
        }),
      );
    }
    return published;
  }
}

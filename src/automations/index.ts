import type { EventBus, EventHandler, Subscription, Topic } from '../events/index.js';
import type { FeatureStore } from '../features/index.js';
import type { AlertManager, AlertRecord } from '../monitoring/index.js';
import type { PipelineEngine } from '../pipelines/index.js';
import type { Platform } from '../platform/index.js';
import type { ServingService } from '../serving/index.js';
import { overloadResponse, SystemHealthWatcher } from './overload.js';
import { personalize } from './personalize.js';
import { RETRAIN_PIPELINE, retrainOnDrift } from './retrain-on-drift.js';

export { type AutomationAction, automationService, listActions, recordAction } from './actions.js';
export { SystemHealthWatcher } from './overload.js';

/** Carries the alert manager's firings and resolutions onto system-health. */
export function alertPublisher(bus: EventBus) {
  return async (change: AlertRecord): Promise<void> => {
    await bus.publish('system-health', {
      type: change.status === 'firing' ? 'alert.firing' : 'alert.resolved',
      source: 'alert-manager',
      data: {
        alert_id: change.alert_id,
        name: change.name,
        severity: change.severity,
        status: change.status,
        summary: change.summary,
        description: change.description.slice(0, 16_384),
        value: change.value,
        runbook: change.runbook,
      },
    });
  };
}

export interface AutomationInfo {
  name: string;
  group: string;
  topics: Topic[];
  description: string;
  isRunning: boolean;
  settings: Record<string, string | number>;
}

export interface AutomationsOptions {
  platform: Platform;
  bus: EventBus;
  engine?: PipelineEngine | undefined;
  serving?: ServingService | undefined;
  features?: FeatureStore | undefined;
  alerts?: AlertManager | undefined;
  /** How often the system-health watcher looks (default 15 s) and consumer lag is measured (30 s). */
  watchIntervalMs?: number;
  lagIntervalMs?: number;
}

/**
 * The running automations of `mlops up`: one consumer group each, the system-health watcher, and a lag
 * probe that keeps `mlops_events_consumer_lag_messages` current for the consumer-lag alert.
 */
export class Automations {
  private readonly subscriptions: Subscription[] = [];
  private watcher: SystemHealthWatcher | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  readonly info: AutomationInfo[] = [];

  private constructor(private readonly options: AutomationsOptions) {}

  static async start(options: AutomationsOptions): Promise<Automations> {
    const automations = new Automations(options);
    try {
      await automations.startAll();
    } catch (error) {
      await automations.stop();
      throw error;
    }
    return automations;
  }

  private async startAll(): Promise<void> {
    const { platform, bus, engine, serving, features, alerts } = this.options;
    const { events } = platform.config;
    const logger = platform.logger.child({ component: 'AUTOMATION' });
    const counted = (automation: string) => (outcome: string) =>
      platform.metrics.automationActions.inc({ automation, outcome });

    await this.add(
      {
        name: 'retrain_on_drift',
        group: 'mlops-retrain-on-drift',
        topics: ['model-drift-alerts'],
        description: `drift alert → ${RETRAIN_PIPELINE} (train, evaluate, promote when better) → serving swaps the model`,
        settings: { cooldown_seconds: events.retrainCooldownMs / 1000, pipeline: RETRAIN_PIPELINE },
      },
      engine === undefined
        ? undefined
        : retrainOnDrift({
            db: platform.database.db,
            engine,
            logger,
            cooldownMs: events.retrainCooldownMs,
            onAction: counted('retrain_on_drift'),
          }),
    );
    await this.add(
      {
        name: 'overload_response',
        group: 'mlops-overload-response',
        topics: ['system-health'],
        description:
          'system overload → scaling alert (history, webhook, event) and shedding of non-critical work',
        settings: {
          cpu_percent: events.overload.cpuPercent,
          p95_latency_ms: events.overload.p95LatencyMs,
          queue_depth: events.overload.queueDepth,
          shedding_seconds: events.overload.sheddingMs / 1000,
        },
      },
      overloadResponse({
        db: platform.database.db,
        loadShedder: platform.loadShedder,
        logger,
        sheddingMs: events.overload.sheddingMs,
        raiseAlert: alerts === undefined ? undefined : () => alerts.evaluate(),
        onAction: counted('overload_response'),
      }),
    );
    await this.add(
      {
        name: 'personalize',
        group: 'mlops-personalize',
        topics: ['user-events'],
        description:
          "user interaction → feedback and the user's online features, so the next recommendations follow",
        settings: {},
      },
      serving === undefined && features === undefined
        ? undefined
        : personalize({
            users: platform.users,
            serving,
            features,
            onAction: counted('personalize'),
            onUnknownMovie: () => platform.metrics.eventsUnknownMovie.inc({ topic: 'user-events' }),
          }),
    );

    this.watcher = new SystemHealthWatcher({
      bus,
      db: platform.database.db,
      metrics: platform.metrics,
      logger,
      thresholds: events.overload,
    });
    this.watcher.start(this.options.watchIntervalMs);
    this.lagTimer = setInterval(() => void this.measureLag(), this.options.lagIntervalMs ?? 30_000);
    this.lagTimer.unref();
  }

  private async add(info: Omit<AutomationInfo, 'isRunning'>, handler: EventHandler | undefined) {
    this.info.push({ ...info, isRunning: handler !== undefined });
    if (handler === undefined) return;
    this.subscriptions.push(
      await this.options.bus.subscribe({ group: info.group, topics: info.topics, handler }),
    );
  }

  /** Each automation group's lag per topic, also set on the lag gauge. */
  async measureLag(): Promise<{ group: string; topic: Topic; lag: number }[]> {
    const measured: { group: string; topic: Topic; lag: number }[] = [];
    for (const automation of this.info.filter((item) => item.isRunning)) {
      try {
        const lag = await this.options.bus.lag(automation.group, automation.topics);
        for (const [topic, value] of lag) {
          this.options.platform.metrics.eventsConsumerLag.set({ topic, group: automation.group }, value);
          measured.push({ group: automation.group, topic, lag: value });
        }
      } catch (error) {
        this.options.platform.logger.warn(
          { component: 'EVENTS', action: 'LAG_FAILED', group: automation.group, err: error },
          `could not measure the lag of ${automation.group}: ${String(error)}`,
        );
      }
    }
    return measured;
  }

  async stop(): Promise<void> {
    this.watcher?.stop();
    clearInterval(this.lagTimer);
    await Promise.all(this.subscriptions.splice(0).map((subscription) => subscription.stop()));
  }
}

import { Automations, type AutomationsOptions, alertPublisher } from '../automations/index.js';
import type { Config } from '../config/index.js';
import { ensureDemoData } from '../data/index.js';
import { ConfigError, describeError, ValidationError } from '../errors/index.js';
import { consumerName, type EventBus } from '../events/index.js';
import { bootstrapFeatures, FeatureStore } from '../features/index.js';
import type { Logger } from '../logging/index.js';
import { AlertManager } from '../monitoring/index.js';
import { failedRunsSince, openPipelines, type RunningPipelines, runFirstStart } from '../pipelines/index.js';
import { contextOf, openPlatform, type Platform } from '../platform/index.js';
import { type App, assertSafeToListen, buildApp } from '../server/index.js';
import { bootstrapModel, ServingService } from '../serving/index.js';
import { currentSchemaVersion, LATEST_SCHEMA_VERSION } from '../storage/index.js';
import { failInterruptedTrainingRuns } from '../tracking/index.js';

/**
 * What a process runs: `all` (mlops up: API, UI, pipelines, automations, alerts, serving), `serving`
 * (mlops serve: health and the serving API, for replicas) or `worker` (mlops worker: BullMQ tasks, no HTTP).
 */
export type Surface = 'all' | 'serving' | 'worker';

export interface RuntimeOptions {
  surface: Surface;
  /** A fresh home's first start: demo data, features and a first model (default: true for `all`). */
  isFirstStart?: boolean;
  /**
   * `wait` (default): the first start's pipelines finish before `startRuntime` resolves. `background`
   * (`mlops up`): they run after it, while serving answers from the watch log's popularity as soon as
   * the data exists; `Runtime.firstStart` settles when they are done. Needs in-process tasks.
   */
  firstStart?: 'wait' | 'background';
  /** Passed to the automations (tests shorten the lag probe). */
  automations?: Pick<AutomationsOptions, 'watchIntervalMs' | 'lagIntervalMs'>;
}

/** How the first start ended: the pipeline runs it made, or why it did not finish. */
export type FirstStartOutcome = { runs: string[] } | { failure: string };

/** The running system: every service that was started, and one `stop()` for all of it. */
export interface Runtime {
  readonly platform: Platform;
  readonly bus: EventBus;
  /** The HTTP application (not listening: `startServer` does that); absent for workers. */
  readonly app: App | undefined;
  readonly pipelines: RunningPipelines | undefined;
  readonly features: FeatureStore | undefined;
  readonly serving: ServingService | undefined;
  readonly automations: Automations | undefined;
  readonly alerts: AlertManager | undefined;
  /** Settles when the first start's work is done: at once unless it runs in the background. */
  readonly firstStart: Promise<FirstStartOutcome>;
  /** Stops what was started, newest first, and closes storage. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The composition root: opens the platform and starts, in order, the services a surface needs — the one
 * place that decides what runs and in which order. `mlops up`, `mlops serve`, `mlops worker`, tests and
 * benches all start the system through here. On a failure part-way, what was started is stopped again.
 */
export async function startRuntime(
  config: Config,
  logger: Logger,
  options: RuntimeOptions,
): Promise<Runtime> {
  const platform = await openPlatform(config, logger, { migrate: config.database.autoMigrate });
  const stack: (() => Promise<void>)[] = [];
  // Each step's failure is logged and the rest still runs: storage is always closed last.
  const stop = async () => {
    for (const step of stack.splice(0).reverse())
      await step().catch((error: unknown) =>
        logger.error(
          { component: 'RUNTIME', action: 'STOP', err: error },
          `stopping a service failed: ${describeError(error)}`,
        ),
      );
    await platform.close();
  };
  try {
    const version = await currentSchemaVersion(platform.database.db);
    if (version !== LATEST_SCHEMA_VERSION) {
      throw new ConfigError(
        `the database schema is ${version ?? 'empty'} but this version needs ${LATEST_SCHEMA_VERSION}: run \`mlops db migrate\` (MLOPS_DATABASE_AUTO_MIGRATE is off)`,
        { field: 'MLOPS_DATABASE_AUTO_MIGRATE' },
      );
    }
    // One process per embedded home: a training run still RUNNING now was cut short by the last stop.
    if (platform.database.backend === 'pglite') {
      const failed = await failInterruptedTrainingRuns(platform.database.db);
      if (failed.length > 0)
        logger.warn(
          { component: 'RUNTIME', action: 'RUNS_INTERRUPTED', runs: failed },
          `${failed.length} training run(s) left RUNNING by the last stop are now FAILED: ${failed.join(', ')}`,
        );
    }
    if (options.surface === 'worker') return await startWorker(platform, stack, stop);
    const isAll = options.surface === 'all';
    const isFirstStart = options.isFirstStart ?? isAll;
    // Beyond loopback only with a way to authenticate (a stored token or MLOPS_ADMIN_TOKEN).
    await assertSafeToListen(platform);
    // The bus first: an unreachable Kafka or Redis stops the start with the setting to fix.
    const bus = await platform.events();

    let pipelines: RunningPipelines | undefined;
    if (isAll && config.pipelines.isEnabled) {
      const running = await openPipelines(platform, { role: 'server' });
      pipelines = running;
      stack.push(() => running.stop());
    }
    // A fresh install runs data collection, features and training once through the pipelines (with
    // in-process tasks), now or after the server is up; otherwise the same steps run directly.
    const firstStartEngine =
      isFirstStart && pipelines !== undefined && pipelines.executor.kind === 'in_process'
        ? pipelines.engine
        : undefined;
    const isInBackground = firstStartEngine !== undefined && options.firstStart === 'background';
    let firstStartRuns: string[] = [];
    if (firstStartEngine !== undefined && !isInBackground)
      firstStartRuns = await runFirstStart(firstStartEngine, platform);
    else if (isFirstStart && firstStartEngine === undefined && config.data.isDemoDataOnFirstStart)
      await ensureDemoData(contextOf(platform));

    const bootstraps = isFirstStart && !isInBackground;
    const features = await startFeatures(platform, bootstraps);
    stack.push(() => features.close());
    const serving = await startServing(platform, bootstraps);
    if (options.surface === 'serving' && serving === undefined)
      throw new ConfigError('MLOPS_SERVING is off: `mlops serve` has nothing to serve', {
        field: 'MLOPS_SERVING',
      });
    if (serving !== undefined) {
      stack.push(() => serving.stop());
      const following = await followPromotions(bus, serving);
      stack.push(() => following.stop());
    }

    let alerts: AlertManager | undefined;
    if (isAll && config.alerts.isEnabled) {
      const manager = new AlertManager({
        db: platform.database.db,
        metrics: platform.metrics,
        logger: platform.logger,
        isServing: serving !== undefined,
        webhookUrl: config.alerts.webhookUrl,
        runbookBaseUrl: config.alerts.runbookBaseUrl,
        loadShedder: platform.loadShedder,
        failedRuns:
          pipelines === undefined ? undefined : (since) => failedRunsSince(platform.database.db, since),
        publish: alertPublisher(bus),
      });
      alerts = manager;
      manager.start(config.alerts.intervalMs);
      stack.push(async () => manager.stop());
    }
    let automations: Automations | undefined;
    if (isAll && config.events.isAutomationsEnabled) {
      const running = await Automations.start({
        platform,
        bus,
        engine: pipelines?.engine,
        serving,
        features,
        alerts,
        ...options.automations,
      });
      automations = running;
      stack.push(() => running.stop());
    }

    const app = await buildApp(platform, {
      surface: isAll ? 'all' : 'serving',
      ...(automations === undefined ? {} : { automations }),
      features,
      ...(serving === undefined ? {} : { serving }),
      ...(pipelines === undefined
        ? {}
        : { pipelines: { engine: pipelines.engine, executor: pipelines.executor.kind } }),
    });
    // The app closes first (in-flight requests finish, buffered events go out), then what it uses. A
    // server's shutdown may have closed it already.
    let isAppClosed = false;
    app.addHook('onClose', async () => {
      isAppClosed = true;
    });
    stack.push(async () => {
      if (!isAppClosed) await app.close();
    });
    let firstStart: Promise<FirstStartOutcome> = Promise.resolve({ runs: firstStartRuns });
    if (isInBackground) {
      const running = firstStartInBackground(firstStartEngine, platform, features, serving);
      firstStart = running.outcome;
      stack.push(running.stop);
    }
    return {
      platform,
      bus,
      app,
      pipelines,
      features,
      serving,
      automations,
      alerts,
      firstStart,
      stop: once(stop),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `mlops worker`: the pipeline engine taking tasks from BullMQ, nothing else. */
async function startWorker(
  platform: Platform,
  stack: (() => Promise<void>)[],
  stop: () => Promise<void>,
): Promise<Runtime> {
  if (platform.config.pipelines.executor !== 'bullmq')
    throw new ValidationError(
      '`mlops worker` takes tasks from BullMQ: set MLOPS_EXECUTOR=bullmq and REDIS_URL',
      {
        field: 'MLOPS_EXECUTOR',
      },
    );
  const bus = await platform.events();
  const pipelines = await openPipelines(platform, { role: 'worker' });
  stack.push(() => pipelines.stop());
  return {
    platform,
    bus,
    app: undefined,
    pipelines,
    features: undefined,
    serving: undefined,
    automations: undefined,
    alerts: undefined,
    firstStart: Promise.resolve({ runs: [] }),
    stop: once(stop),
  };
}

/**
 * The first start after the server is up: serving answers from popularity once the data collection has
 * published a watch log, and swaps to the trained champion when the training pipeline promotes it. A
 * failure is logged and left for the pipelines page to show: the platform keeps running.
 */
function firstStartInBackground(
  engine: NonNullable<RunningPipelines['engine']>,
  platform: Platform,
  features: FeatureStore,
  serving: ServingService | undefined,
): { outcome: Promise<FirstStartOutcome>; stop: () => Promise<void> } {
  const log = platform.logger.child({ component: 'PIPELINES', action: 'FIRST_START' });
  const abort = new AbortController();
  serving?.serveBaselineUntilChampion();
  const outcome = runFirstStart(engine, platform, {
    signal: abort.signal,
    // What each run wrote is served before the next starts, so "is up" means every answer is current.
    onRunFinished: async (pipelineId) => {
      try {
        await features.catchUp();
        await serving?.refresh();
      } catch (error) {
        log.warn(
          { err: error, pipeline: pipelineId },
          `catching up after ${pipelineId}: ${describeError(error)}`,
        );
      }
    },
  }).then(
    (runs): FirstStartOutcome => {
      if (runs.length > 0) log.info({ runs }, `first start done: ${runs.length} pipeline run(s)`);
      return { runs };
    },
    (error: unknown): FirstStartOutcome => {
      if (abort.signal.aborted) return { failure: 'stopped before the first start finished' };
      const failure = describeError(error);
      log.error({ err: error }, `${failure}; the platform keeps running (see the pipelines page)`);
      return { failure };
    },
  );
  return {
    outcome,
    stop: async () => {
      abort.abort();
      await outcome;
    },
  };
}

/**
 * Serving swaps to a promoted version as soon as `model.promoted` arrives on registry-events, whoever
 * promoted it (a pipeline, the API, another replica). Polling the registry stays as the fallback (a bus
 * that is down, a promotion made with SQL). The group is this process's own, starting at the newest
 * event, and records nothing per event.
 */
async function followPromotions(bus: EventBus, serving: ServingService) {
  return bus.subscribe({
    group: `mlops-serving-${consumerName()}`,
    topics: ['registry-events'],
    start: 'latest',
    isIdempotent: false,
    handler: async (event) => {
      if (event.type === 'model.promoted' && event.data.model_name === serving.config.modelName)
        await serving.refresh();
    },
  });
}

/**
 * Recommendation serving when it is on (MLOPS_SERVING): bootstraps a first model if asked and none is
 * promoted, adds the `model` readiness component and starts following the registry.
 */
async function startServing(platform: Platform, isFirstStart: boolean): Promise<ServingService | undefined> {
  const config = platform.config.serving;
  if (!config.isEnabled) return undefined;
  if (isFirstStart && config.isBootstrapModel) await bootstrapModel(contextOf(platform), config.modelName);
  const serving = new ServingService(contextOf(platform), config, platform.metrics, platform.users);
  platform.addHealthCheck(serving.healthCheck());
  serving.start();
  return serving;
}

/**
 * The feature store with the configured online store; on a first start (MLOPS_FEATURES_BOOTSTRAP) with a
 * watch log and no build yet, applies, builds and materializes the features so their routes answer at once.
 */
async function startFeatures(platform: Platform, isFirstStart: boolean): Promise<FeatureStore> {
  const context = { ...contextOf(platform), config: platform.config.features, metrics: platform.metrics };
  const store = await FeatureStore.open(context);
  try {
    if (isFirstStart && platform.config.features.isBootstrap) await bootstrapFeatures(store, context);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function once(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= work();
    return running;
  };
}

import { type Config, DEFAULT_SERVED_MODEL, LEGACY_SERVED_MODEL } from '../config/index.js';
import { describeError, MlopsError } from '../errors/index.js';
import { type EventBus, openEventBus } from '../events/index.js';
import { UserIdentities } from '../identity/index.js';
import { componentLogger, type Logger } from '../logging/index.js';
import { LoadShedder, PlatformMetrics } from '../monitoring/index.js';
import {
  type ArtifactStore,
  currentSchemaVersion,
  LATEST_SCHEMA_VERSION,
  listMigrations,
  type MetadataDatabase,
  migrateToLatest,
  openArtifactStore,
  openDatabase,
} from '../storage/index.js';
import { checkReadiness, type HealthCheck, type ReadinessReport } from './health.js';

/**
 * Everything a running platform holds: configuration, logger, metadata database and artifact store.
 * The server and the CLI build one with `openPlatform()` and hand it to the capabilities they call.
 */
export interface Platform {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: MetadataDatabase;
  readonly artifacts: ArtifactStore;
  /** Prometheus metrics (`/metrics`) and the recent-traffic window of the dashboard. */
  readonly metrics: PlatformMetrics;
  /** Non-critical work held back after an overload (scheduled runs, on-demand reports). */
  readonly loadShedder: LoadShedder;
  /** The user identity map: string user ids ↔ the integer keys the models use. */
  readonly users: UserIdentities;
  /** The components `/ready` reports on; later stages add theirs with `addHealthCheck`. */
  readonly healthChecks: readonly HealthCheck[];
  addHealthCheck(check: HealthCheck): void;
  /** The event bus (MLOPS_EVENT_BUS), opened on first use (a failed open is retried next time). */
  events(): Promise<EventBus>;
  readiness(): Promise<ReadinessReport>;
  /** Closes the artifact store and the database (flushing the embedded one to disk). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * What data, features, models and serving take from an open platform: the metadata database, the artifact
 * store, the home folder and the logger (the shape of their `DataContext` and `ModelsContext`).
 */
export function contextOf(platform: Platform) {
  return {
    db: platform.database.db,
    artifacts: platform.artifacts,
    home: platform.config.home,
    logger: platform.logger,
  };
}

export interface OpenPlatformOptions {
  /** Apply pending migrations while opening (default true). */
  migrate?: boolean;
}

/** Opens the storage the configuration names, migrating the database first unless told not to. */
export async function openPlatform(
  config: Config,
  logger: Logger,
  options: OpenPlatformOptions = {},
): Promise<Platform> {
  const log = componentLogger(logger, 'PLATFORM', 'platform');
  const database = await openDatabase(
    config.database,
    componentLogger(logger, 'STORAGE', 'storage.database'),
  );
  let artifacts: ArtifactStore | undefined;
  try {
    if (options.migrate ?? true)
      await migrateToLatest(database.db, componentLogger(logger, 'STORAGE', 'storage.migrate'));
    artifacts = await openArtifactStore(config.artifacts);
    await artifacts.ping();
  } catch (error) {
    await artifacts?.close();
    await database.close();
    throw error;
  }
  const resolved = await withServedModelName(config, database);
  log.info(
    { action: 'OPEN', database: database.backend, artifacts: artifacts.backend },
    `storage ready: ${database.backend} database at ${database.location}, ${artifacts.backend} artifacts at ${artifacts.location}`,
  );
  return new RunningPlatform(resolved, logger, database, artifacts);
}

/**
 * The served model's name: MLOPS_SERVING_MODEL when set; else the default, unless this home's registry
 * holds only the previous default's name, which it then keeps serving (and training).
 */
async function withServedModelName(config: Config, database: MetadataDatabase): Promise<Config> {
  if (config.serving.isModelNameSet) return config;
  const names = await database.db
    .selectFrom('registered_models')
    .select('name')
    .where('name', 'in', [DEFAULT_SERVED_MODEL, LEGACY_SERVED_MODEL])
    .execute()
    .catch(() => []);
  const isLegacy = names.length === 1 && names[0]?.name === LEGACY_SERVED_MODEL;
  return isLegacy ? { ...config, serving: { ...config.serving, modelName: LEGACY_SERVED_MODEL } } : config;
}

class RunningPlatform implements Platform {
  private readonly checks: HealthCheck[];
  private closing: Promise<void> | undefined;
  private bus: Promise<EventBus> | undefined;
  readonly metrics = new PlatformMetrics();
  readonly loadShedder = new LoadShedder(this.metrics);
  readonly users: UserIdentities;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
    readonly database: MetadataDatabase,
    readonly artifacts: ArtifactStore,
  ) {
    this.checks = [databaseCheck(database), artifactCheck(artifacts)];
    this.users = new UserIdentities(database.db);
  }

  get healthChecks(): readonly HealthCheck[] {
    return this.checks;
  }

  addHealthCheck(check: HealthCheck): void {
    if (this.checks.some((existing) => existing.name === check.name)) {
      throw new MlopsError('MLOPS_ERR_CONFLICT', `a health check named ${check.name} is already registered`);
    }
    this.checks.push(check);
  }

  readiness(): Promise<ReadinessReport> {
    return checkReadiness(this.checks);
  }

  events(): Promise<EventBus> {
    if (this.closing !== undefined)
      return Promise.reject(new MlopsError('MLOPS_ERR_SHUTTING_DOWN', 'the platform is closing'));
    this.bus ??= openEventBus(this.config.events, this).catch((error: unknown) => {
      this.bus = undefined;
      throw error;
    });
    return this.bus;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const bus = await this.bus?.catch(() => undefined);
      await bus?.close().catch((error: unknown) => this.logCloseError('event bus', error));
      await this.artifacts.close().catch((error: unknown) => this.logCloseError('artifacts', error));
      await this.database.close().catch((error: unknown) => this.logCloseError('database', error));
    })();
    return this.closing;
  }

  private logCloseError(what: string, error: unknown): void {
    this.logger.error(
      { component: 'PLATFORM', action: 'CLOSE', err: error },
      `closing the ${what} failed: ${describeError(error)}`,
    );
  }
}

function databaseCheck(database: MetadataDatabase): HealthCheck {
  return {
    name: 'database',
    backend: database.backend,
    location: database.location,
    async check() {
      await database.ping();
      const version = await currentSchemaVersion(database.db);
      if (version !== LATEST_SCHEMA_VERSION) {
        const pending = (await listMigrations(database.db)).filter(
          (migration) => migration.executedAt === undefined,
        );
        throw new Error(
          `${pending.length} migration(s) pending (schema ${version ?? 'empty'}): run \`mlops db migrate\``,
        );
      }
      const instance = await database.db
        .selectFrom('platform_meta')
        .select('value')
        .where('key', '=', 'instance_id')
        .executeTakeFirst();
      return `schema ${version}, instance ${String(instance?.value ?? 'unknown')}`;
    },
  };
}

function artifactCheck(artifacts: ArtifactStore): HealthCheck {
  return {
    name: 'artifacts',
    backend: artifacts.backend,
    location: artifacts.location,
    async check() {
      await artifacts.ping();
      return 'writable';
    },
  };
}

/** The typed configuration every part of the platform reads. Built once by `loadConfig()`. */
export interface Config {
  /** Root folder of the embedded backends (database, artifacts). */
  home: string;
  server: ServerConfig;
  log: LogConfig;
  database: DatabaseConfig;
  artifacts: ArtifactStoreConfig;
  data: DataConfig;
  serving: ServingConfig;
  features: FeaturesConfig;
  pipelines: PipelinesConfig;
  alerts: AlertsConfig;
  events: EventsConfig;
  auth: AuthConfig;
}

export interface AuthConfig {
  /** `auto`: tokens required when the server listens beyond loopback; `on`: always; `off`: never (loopback only). */
  mode: 'auto' | 'on' | 'off';
  /** A bootstrap token with the admin role (for a first deploy, e.g. from a Kubernetes Secret). */
  adminToken: string | undefined;
  /** Let Prometheus scrape `/metrics` without a token. */
  isMetricsPublic: boolean;
  /** Requests per minute per token (per address without one) while auth is on; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** The rate limit's window (a minute; tests shorten it). */
  rateLimitWindowMs: number;
  /** Take the client address from X-Forwarded-For (behind a load balancer), for per-address limits. */
  isTrustProxy: boolean;
  /** Origins allowed by CORS; none (the default) sends no CORS headers. */
  corsOrigins: string[];
}

export interface EventsConfig {
  /**
   * `recommendation.served` events: the share of served lists published (0–1), at most how many a second
   * (0: no cap), and how many may wait in memory for the bus; past that they are dropped and counted, never
   * waited for.
   */
  servedEvents: { sampleRate: number; maxPerSecond: number; capacity: number };
  /** Where events live: a log table in the metadata database, Kafka, or Redis Streams. */
  bus: 'embedded' | 'kafka' | 'redis';
  /** Kafka bootstrap brokers (`host:port`), when the bus is kafka. */
  kafkaBrokers: string[];
  /** Redis of the Redis Streams bus (REDIS_URL). */
  redisUrl: string;
  /** Prefix of every topic name, so several platforms (or test runs) can share one broker. */
  topicPrefix: string;
  /** Partitions of each Kafka topic created on start. */
  partitions: number;
  /** Run the automations (drift → retrain, overload → alert and shedding, interactions → features). */
  isAutomationsEnabled: boolean;
  /** After a drift-triggered retrain starts, further drift alerts within this window start none. */
  retrainCooldownMs: number;
  /** Overload thresholds the system-health watcher checks (and the trigger endpoint defaults to). */
  overload: { cpuPercent: number; p95LatencyMs: number; queueDepth: number; sheddingMs: number };
  /** Embedded log: events older than this are pruned. */
  retentionMs: number;
}

export interface AlertsConfig {
  /** Evaluate the alert rules in `mlops up` (so the embedded setup alerts without Prometheus). */
  isEnabled: boolean;
  /** Slack-compatible incoming webhook for firing and resolved alerts. */
  webhookUrl: string | undefined;
  intervalMs: number;
  /** Where runbook links in notifications point (e.g. the repository's blob URL). */
  runbookBaseUrl: string | undefined;
}

export interface PipelinesConfig {
  /** Schedule and run pipelines in `mlops up` (cron schedules, recovery, in-process tasks). */
  isEnabled: boolean;
  /** `in_process` runs tasks in the server; `bullmq` queues them in Redis for `mlops worker` processes. */
  executor: 'in_process' | 'bullmq';
  /** Tasks one process runs at once. */
  concurrency: number;
  /** A running attempt whose heartbeat is older than this is taken as lost and retried. */
  leaseMs: number;
  /** How often the scheduler looks at schedules, leases and runs. */
  tickMs: number;
  /** The user's pipelines file (`.ts` or `.js`), added to the built-in pipelines. */
  repoFile: string | undefined;
  /** Redis of the BullMQ executor (REDIS_URL). */
  redisUrl: string;
  queueName: string;
}

export interface FeaturesConfig {
  /** Where materialized features live: the metadata database, or Redis. */
  onlineStore: 'embedded' | 'redis';
  /** Redis for the online store (and later the BullMQ executor); set when onlineStore is redis. */
  redisUrl: string;
  /** Prefix of every Redis key the online store writes. */
  redisKeyPrefix: string;
  /** A TypeScript or JavaScript file with the user's feature definitions, added to the built-in ones. */
  repoFile: string | undefined;
  /** Most entity rows one online request may ask for. */
  maxEntities: number;
  /**
   * Rows of a view's `partitionBy` input computed in one pass of a build: larger logs are built in passes
   * over ranges of the entity, each needing a fraction of the memory (2.5 million watches: about 1.7 GB a pass).
   */
  buildRowsPerPass: number;
  /** On start, apply the definitions, build and materialize once when a watch log exists but no build. */
  isBootstrap: boolean;
}

/** The registered model served and trained by default: the seed guide's name. */
export const DEFAULT_SERVED_MODEL = 'movie_predictor';
/** The default before it; a home whose registry holds only this name keeps serving it. */
export const LEGACY_SERVED_MODEL = 'movie_recommender';

export interface ServingConfig {
  /** Serve recommendations (routes, model loading, the `model` readiness component) in `mlops up`. */
  isEnabled: boolean;
  /** Registered model whose `champion` (and `challenger`) versions are served. */
  modelName: string;
  /** Whether MLOPS_SERVING_MODEL named it (else a home that serves the old default name keeps it). */
  isModelNameSet: boolean;
  /** How often the registry is checked for a newly promoted version. */
  pollIntervalMs: number;
  /** Cached responses (0 turns the cache off) and how long each lives. */
  cacheSize: number;
  cacheTtlMs: number;
  /** Share of users (0–100 %, sticky by user id) served by the `challenger` alias when it exists. */
  challengerPercent: number;
  /** On start, train and promote a first ALS model when there is a watch log but no champion. */
  isBootstrapModel: boolean;
  /**
   * Top-k of factor models from an approximate index (`approximate`), by scoring every movie (`exact`), or
   * approximate from `APPROXIMATE_FROM_ITEMS` movies up (`auto`); the index is calibrated to find at least
   * `recallTarget` of the exact top 10.
   */
  index: { mode: 'auto' | 'exact' | 'approximate'; recallTarget: number };
}

/** Catalogue size from which `auto` serves top-k from an approximate index: there it already halves the CPU of an uncached answer. */
export const APPROXIMATE_FROM_ITEMS = 10_000;

export interface DataConfig {
  /** Generate the synthetic demo catalogue and watch log on the first `mlops up` when no data exists. */
  isDemoDataOnFirstStart: boolean;
  /** TMDB v3 API key for `mlops data crawl`; undefined when not set. */
  tmdbApiKey: string | undefined;
  /** TMDB API base URL (a local server in tests). */
  tmdbBaseUrl: string;
  /**
   * DuckDB's working memory per process (feature builds, validation, point-in-time joins); unset: DuckDB's
   * own default, 80 % of the machine's memory. Past it, sorts, joins and aggregates spill to
   * `duckdbTempDirectory`; what cannot spill (the window functions of a large feature build) fails.
   */
  duckdbMemoryLimit: string | undefined;
  duckdbTempDirectory: string;
}

export interface ServerConfig {
  host: string;
  port: number;
  /** More ports the same app answers on (MLOPS_EXTRA_PORTS; `guide`: the seed guide's 8080, 8001, 6566, 5000). */
  extraPorts: number[];
  /** Largest request body accepted, in bytes. */
  bodyLimitBytes: number;
  /** How long shutdown waits for in-flight requests before closing anyway. */
  shutdownTimeoutMs: number;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LogConfig {
  level: LogLevel;
  /** `auto` is pretty on a terminal and JSON otherwise. */
  format: 'auto' | 'json' | 'pretty';
}

export type DatabaseConfig = PgliteDatabaseConfig | PostgresDatabaseConfig;

interface DatabaseCommonConfig {
  /** Apply pending migrations when the server starts (otherwise `mlops db migrate` does it). */
  autoMigrate: boolean;
}

export interface PgliteDatabaseConfig extends DatabaseCommonConfig {
  type: 'pglite';
  /** Folder holding the embedded Postgres data directory. */
  dataDir: string;
  /** How often the embedded database's own upkeep (analyze, vacuum) looks for due tables; unset or 0: never. */
  maintenanceIntervalMs?: number;
}

export interface PostgresDatabaseConfig extends DatabaseCommonConfig {
  type: 'postgres';
  url: string;
  /** The environment variable the URL came from, so errors can name it. */
  urlSource: string;
  poolSize: number;
  connectTimeoutMs: number;
}

export type ArtifactStoreConfig = LocalArtifactStoreConfig | S3ArtifactStoreConfig;

export interface LocalArtifactStoreConfig {
  type: 'local';
  root: string;
}

export interface S3ArtifactStoreConfig {
  type: 's3';
  bucket: string;
  /** Key prefix inside the bucket ('' for the bucket root); never starts with '/'. */
  prefix: string;
  endpoint: string | undefined;
  region: string;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  forcePathStyle: boolean;
}

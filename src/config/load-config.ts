import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import {
  type ArtifactStoreConfig,
  type Config,
  type DatabaseConfig,
  DEFAULT_SERVED_MODEL,
} from './config.js';
import { ENV_SCHEMA, type ParsedEnv, SECRET_VARIABLES } from './env-schema.js';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** Variables to read; defaults to `process.env`. */
  env?: Environment;
  /** Folder that relative paths and the default `.env` file are resolved against. */
  cwd?: string;
}

/**
 * Reads the configuration from environment variables, with an optional `.env` file underneath them
 * (`MLOPS_ENV_FILE`, default `<cwd>/.env`; variables already set win). Every problem is reported at once,
 * one line per variable, in a `ConfigError` whose `field` names the first bad variable.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const parsed = ENV_SCHEMA.safeParse(withEnvFile(options.env ?? process.env, cwd), { reportInput: true });
  if (!parsed.success) throw toConfigError(parsed.error.issues);

  const env = parsed.data;
  const problems: Problem[] = [];
  const home = path.resolve(cwd, env.MLOPS_HOME ?? '.mlops');
  const config: Config = {
    home,
    server: {
      host: env.MLOPS_HOST ?? '127.0.0.1',
      port: env.MLOPS_PORT ?? 8000,
      extraPorts: (env.MLOPS_EXTRA_PORTS ?? []).filter((port) => port !== (env.MLOPS_PORT ?? 8000)),
      bodyLimitBytes: env.MLOPS_BODY_LIMIT_BYTES ?? 1 << 20,
      shutdownTimeoutMs: (env.MLOPS_SHUTDOWN_TIMEOUT_SECONDS ?? 10) * 1000,
    },
    log: { level: env.MLOPS_LOG_LEVEL ?? 'info', format: env.MLOPS_LOG_FORMAT ?? 'auto' },
    database: buildDatabaseConfig(env, home, problems),
    artifacts: buildArtifactConfig(env, home, cwd, problems),
    data: {
      isDemoDataOnFirstStart: env.MLOPS_DEMO_DATA ?? true,
      tmdbApiKey: env.TMDB_API_KEY,
      tmdbBaseUrl: (env.TMDB_BASE_URL ?? 'https://api.themoviedb.org/3').replace(/\/+$/, ''),
      duckdbMemoryLimit: env.MLOPS_DUCKDB_MEMORY_LIMIT,
      duckdbTempDirectory: path.join(home, 'tmp', 'duckdb'),
    },
    serving: {
      isEnabled: env.MLOPS_SERVING ?? true,
      modelName: env.MLOPS_SERVING_MODEL ?? DEFAULT_SERVED_MODEL,
      isModelNameSet: env.MLOPS_SERVING_MODEL !== undefined,
      pollIntervalMs: (env.MLOPS_SERVING_POLL_SECONDS ?? 2) * 1000,
      cacheSize: env.MLOPS_SERVING_CACHE_SIZE ?? 10_000,
      cacheTtlMs: (env.MLOPS_SERVING_CACHE_TTL_SECONDS ?? 60) * 1000,
      challengerPercent: env.MLOPS_AB_CHALLENGER_PERCENT ?? 0,
      isBootstrapModel: env.MLOPS_BOOTSTRAP_MODEL ?? true,
      index: {
        mode: env.MLOPS_SERVING_INDEX ?? 'auto',
        recallTarget: env.MLOPS_SERVING_INDEX_RECALL ?? 0.97,
      },
    },
    features: {
      onlineStore: env.MLOPS_ONLINE_STORE ?? 'embedded',
      redisUrl: env.REDIS_URL ?? '',
      redisKeyPrefix: env.MLOPS_REDIS_KEY_PREFIX ?? 'mlops:features:',
      repoFile: env.MLOPS_FEATURE_REPO === undefined ? undefined : path.resolve(cwd, env.MLOPS_FEATURE_REPO),
      maxEntities: env.MLOPS_FEATURES_MAX_ENTITIES ?? 1000,
      buildRowsPerPass: env.MLOPS_FEATURES_BUILD_ROWS_PER_PASS ?? 2_500_000,
      isBootstrap: env.MLOPS_FEATURES_BOOTSTRAP ?? true,
    },
    pipelines: {
      isEnabled: env.MLOPS_PIPELINES ?? true,
      executor: env.MLOPS_EXECUTOR ?? 'in_process',
      concurrency: env.MLOPS_PIPELINES_CONCURRENCY ?? 2,
      leaseMs: (env.MLOPS_PIPELINES_LEASE_SECONDS ?? 30) * 1000,
      tickMs: env.MLOPS_PIPELINES_TICK_MS ?? 1000,
      repoFile:
        env.MLOPS_PIPELINE_REPO === undefined ? undefined : path.resolve(cwd, env.MLOPS_PIPELINE_REPO),
      redisUrl: env.REDIS_URL ?? '',
      queueName: env.MLOPS_BULLMQ_QUEUE ?? 'mlops-pipeline-tasks',
    },
    alerts: {
      isEnabled: env.MLOPS_ALERTS ?? true,
      webhookUrl: env.MLOPS_ALERT_WEBHOOK_URL,
      intervalMs: (env.MLOPS_ALERTS_INTERVAL_SECONDS ?? 30) * 1000,
      runbookBaseUrl: env.MLOPS_RUNBOOK_BASE_URL,
    },
    events: {
      bus: env.MLOPS_EVENT_BUS ?? 'embedded',
      kafkaBrokers: (env.KAFKA_BROKERS ?? '').split(',').filter((broker) => broker !== ''),
      redisUrl: env.REDIS_URL ?? '',
      topicPrefix: env.MLOPS_EVENT_TOPIC_PREFIX ?? '',
      partitions: env.MLOPS_EVENT_PARTITIONS ?? 3,
      isAutomationsEnabled: env.MLOPS_AUTOMATIONS ?? true,
      retrainCooldownMs: (env.MLOPS_RETRAIN_COOLDOWN_SECONDS ?? 3600) * 1000,
      overload: {
        cpuPercent: env.MLOPS_OVERLOAD_CPU_PERCENT ?? 90,
        p95LatencyMs: env.MLOPS_OVERLOAD_P95_MS ?? 500,
        queueDepth: env.MLOPS_OVERLOAD_QUEUE_DEPTH ?? 100,
        sheddingMs: (env.MLOPS_LOAD_SHEDDING_SECONDS ?? 300) * 1000,
      },
      retentionMs: (env.MLOPS_EVENT_RETENTION_DAYS ?? 7) * 86_400_000,
      servedEvents: {
        sampleRate: env.MLOPS_SERVED_EVENTS_SAMPLE ?? 1,
        capacity: env.MLOPS_SERVED_EVENTS_BUFFER ?? 10_000,
        maxPerSecond: env.MLOPS_SERVED_EVENTS_MAX_RATE ?? 100,
      },
    },
    auth: {
      mode: env.MLOPS_AUTH ?? 'auto',
      adminToken: env.MLOPS_ADMIN_TOKEN,
      isMetricsPublic: env.MLOPS_METRICS_PUBLIC ?? false,
      rateLimitPerMinute: env.MLOPS_RATE_LIMIT_PER_MINUTE ?? 3000,
      rateLimitWindowMs: 60_000,
      isTrustProxy: env.MLOPS_TRUST_PROXY ?? false,
      corsOrigins: (env.MLOPS_CORS_ORIGINS ?? '').split(',').filter((origin) => origin !== ''),
    },
  };
  if (env.MLOPS_EXECUTOR === 'bullmq' && env.REDIS_URL === undefined)
    problems.push({ path: ['REDIS_URL'], message: 'is required when MLOPS_EXECUTOR=bullmq' });
  if (env.MLOPS_ONLINE_STORE === 'redis' && env.REDIS_URL === undefined)
    problems.push({ path: ['REDIS_URL'], message: 'is required when MLOPS_ONLINE_STORE=redis' });
  if (env.MLOPS_EVENT_BUS === 'kafka' && env.KAFKA_BROKERS === undefined)
    problems.push({ path: ['KAFKA_BROKERS'], message: 'is required when MLOPS_EVENT_BUS=kafka' });
  if (env.MLOPS_EVENT_BUS === 'redis' && env.REDIS_URL === undefined)
    problems.push({ path: ['REDIS_URL'], message: 'is required when MLOPS_EVENT_BUS=redis' });
  if (problems.length > 0) throw toConfigError(problems);
  return config;
}

interface Problem {
  path: PropertyKey[];
  message: string;
  input?: unknown;
}

function withEnvFile(env: Environment, cwd: string): Environment {
  const file = path.resolve(cwd, env.MLOPS_ENV_FILE ?? '.env');
  if (!existsSync(file)) {
    if (env.MLOPS_ENV_FILE !== undefined) {
      throw new ConfigError(`MLOPS_ENV_FILE: file ${file} does not exist`, { field: 'MLOPS_ENV_FILE' });
    }
    return env;
  }
  const defined = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return { ...parseDotenv(readFileSync(file)), ...Object.fromEntries(defined) };
}

function buildDatabaseConfig(env: ParsedEnv, home: string, problems: Problem[]): DatabaseConfig {
  const backend =
    env.MLOPS_DATABASE_BACKEND ??
    (env.MLOPS_DATABASE_URL !== undefined || env.POSTGRES_HOST !== undefined ? 'postgres' : 'pglite');
  const autoMigrate = env.MLOPS_DATABASE_AUTO_MIGRATE ?? true;
  if (backend === 'pglite')
    return {
      type: 'pglite',
      dataDir: path.join(home, 'db'),
      autoMigrate,
      maintenanceIntervalMs: (env.MLOPS_DATABASE_MAINTENANCE_SECONDS ?? 10) * 1000,
    };

  const common = {
    type: 'postgres' as const,
    autoMigrate,
    poolSize: env.MLOPS_DATABASE_POOL_SIZE ?? 10,
    connectTimeoutMs: (env.MLOPS_DATABASE_CONNECT_TIMEOUT_SECONDS ?? 5) * 1000,
  };
  if (env.MLOPS_DATABASE_URL !== undefined) {
    return { ...common, url: env.MLOPS_DATABASE_URL, urlSource: 'MLOPS_DATABASE_URL' };
  }
  if (env.POSTGRES_HOST === undefined) {
    problems.push({
      path: ['MLOPS_DATABASE_URL'],
      message: 'is required when MLOPS_DATABASE_BACKEND=postgres (or set POSTGRES_HOST and friends)',
    });
    return { ...common, url: '', urlSource: 'MLOPS_DATABASE_URL' };
  }
  const url = new URL('postgres://localhost');
  url.hostname = env.POSTGRES_HOST;
  url.port = String(env.POSTGRES_PORT ?? 5432);
  url.username = encodeURIComponent(env.POSTGRES_USER ?? 'postgres');
  url.password = encodeURIComponent(env.POSTGRES_PASSWORD ?? '');
  url.pathname = `/${encodeURIComponent(env.POSTGRES_DB ?? 'mlops')}`;
  return { ...common, url: url.toString(), urlSource: 'POSTGRES_HOST' };
}

function buildArtifactConfig(
  env: ParsedEnv,
  home: string,
  cwd: string,
  problems: Problem[],
): ArtifactStoreConfig {
  const backend = env.MLOPS_ARTIFACT_BACKEND ?? (env.S3_BUCKET === undefined ? 'local' : 's3');
  if (backend === 'local') {
    const root = env.MLOPS_ARTIFACT_ROOT;
    return {
      type: 'local',
      root: root === undefined ? path.join(home, 'artifacts') : path.resolve(cwd, root),
    };
  }
  if (env.S3_BUCKET === undefined) {
    problems.push({ path: ['S3_BUCKET'], message: 'is required when MLOPS_ARTIFACT_BACKEND=s3' });
  }
  if ((env.S3_ACCESS_KEY_ID === undefined) !== (env.S3_SECRET_ACCESS_KEY === undefined)) {
    const missing = env.S3_ACCESS_KEY_ID === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY';
    problems.push({ path: [missing], message: 'must be set together with the other S3 credential variable' });
  }
  return {
    type: 's3',
    bucket: env.S3_BUCKET ?? '',
    prefix: (env.S3_PREFIX ?? '').replace(/^\/+|\/+$/g, ''),
    endpoint: env.S3_ENDPOINT_URL,
    region: env.S3_REGION ?? 'us-east-1',
    accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    forcePathStyle: env.S3_FORCE_PATH_STYLE ?? env.S3_ENDPOINT_URL !== undefined,
  };
}

function toConfigError(issues: readonly (Problem | z.core.$ZodIssue)[]): ConfigError {
  const lines = issues.map((issue) => {
    const variable = String(issue.path[0] ?? 'environment');
    const input = 'input' in issue ? issue.input : undefined;
    const got =
      typeof input === 'string' && !SECRET_VARIABLES.has(variable)
        ? ` (got ${JSON.stringify(redactUrlPassword(input))})`
        : '';
    return `${variable} ${issue.message}${got}`;
  });
  return new ConfigError(lines.join('\n'), { field: String(issues[0]?.path[0] ?? 'environment') });
}

/** Hides the password of a URL, for messages and logs. Anything else comes back unchanged. */
export function redactUrlPassword(value: string): string {
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = '***';
    return url.toString();
  } catch {
    return value;
  }
}

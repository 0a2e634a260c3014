import { z } from 'zod';

/** Unset and blank variables both mean "use the default". */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    schema.optional(),
  );
}

const text = () => optional(z.string().trim());

const integer = (min: number, max: number) => {
  const problem = `must be a whole number from ${min} to ${max}`;
  return optional(
    z
      .string()
      .trim()
      .regex(/^-?\d+$/, { error: problem })
      .transform(Number)
      .pipe(z.number().int().min(min, { error: problem }).max(max, { error: problem })),
  );
};

const fraction = () => {
  const problem = 'must be a number from 0 to 1';
  return optional(
    z
      .string()
      .trim()
      .regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, { error: problem })
      .transform(Number),
  );
};

const choice = <const T extends readonly [string, ...string[]]>(values: T) =>
  optional(z.enum(values, { error: `must be one of ${values.join(', ')}` }));

const flag = () =>
  optional(
    z
      .string()
      .trim()
      .toLowerCase()
      .refine((value) => ['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'].includes(value), {
        error: 'must be true or false',
      })
      .transform((value) => ['1', 'true', 'yes', 'on'].includes(value)),
  );

const urlWithProtocol = (protocols: string[], problem: string) =>
  optional(
    z
      .string()
      .trim()
      .refine(
        (value) => {
          try {
            const url = new URL(value);
            return protocols.includes(url.protocol) && url.hostname !== '';
          } catch {
            return false;
          }
        },
        { error: problem },
      ),
  );

/** The seed guide's ports (Airflow 8080, PyTorch API 8001, Feast 6566, MLflow 5000): all our one app. */
export const GUIDE_PORTS = [8080, 8001, 6566, 5000];

/**
 * Every environment variable the platform reads, with its type. `.env.template` documents each one,
 * and a test keeps the two in step.
 */
export const ENV_SCHEMA = z.object({
  MLOPS_HOME: text(),
  MLOPS_ENV_FILE: text(),
  MLOPS_HOST: text(),
  MLOPS_PORT: integer(0, 65535),
  MLOPS_EXTRA_PORTS: optional(
    z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^(guide|\d{1,5}(,\d{1,5})*)$/, {
        error: 'must be guide (8080,8001,6566,5000) or comma-separated ports like 8080,5000',
      })
      .transform((value) =>
        (value === 'guide' ? GUIDE_PORTS : value.split(',').map(Number)).filter(
          (port, index, all) => all.indexOf(port) === index,
        ),
      )
      .refine((ports) => ports.every((port) => port >= 1 && port <= 65535), {
        error: 'ports must be from 1 to 65535',
      }),
  ),
  MLOPS_BODY_LIMIT_BYTES: integer(1024, 1 << 30),
  MLOPS_SHUTDOWN_TIMEOUT_SECONDS: integer(0, 3600),
  MLOPS_LOG_LEVEL: choice(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
  MLOPS_LOG_FORMAT: choice(['auto', 'json', 'pretty']),

  MLOPS_DATABASE_BACKEND: choice(['pglite', 'postgres']),
  MLOPS_DATABASE_URL: urlWithProtocol(
    ['postgres:', 'postgresql:'],
    'must be a URL like postgres://user:password@host:5432/database',
  ),
  MLOPS_DATABASE_AUTO_MIGRATE: flag(),
  MLOPS_DATABASE_POOL_SIZE: integer(1, 1000),
  MLOPS_DATABASE_CONNECT_TIMEOUT_SECONDS: integer(1, 600),
  MLOPS_DATABASE_MAINTENANCE_SECONDS: integer(0, 86_400),
  POSTGRES_HOST: text(),
  POSTGRES_PORT: integer(1, 65535),
  POSTGRES_USER: text(),
  POSTGRES_PASSWORD: optional(z.string()),
  POSTGRES_DB: text(),

  MLOPS_ARTIFACT_BACKEND: choice(['local', 's3']),
  MLOPS_ARTIFACT_ROOT: text(),
  S3_BUCKET: optional(
    z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
        error: 'must be a bucket name of 3-63 lowercase letters, digits, dots and hyphens',
      }),
  ),
  S3_PREFIX: text(),
  S3_ENDPOINT_URL: urlWithProtocol(['http:', 'https:'], 'must be an http:// or https:// URL'),
  S3_REGION: text(),
  S3_ACCESS_KEY_ID: text(),
  S3_SECRET_ACCESS_KEY: optional(z.string()),
  S3_FORCE_PATH_STYLE: flag(),

  MLOPS_DEMO_DATA: flag(),
  MLOPS_DUCKDB_MEMORY_LIMIT: optional(
    z
      .string()
      .trim()
      .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'must be a size such as 2GB or 512MiB'),
  ),
  TMDB_API_KEY: optional(z.string().trim()),
  TMDB_BASE_URL: urlWithProtocol(['http:', 'https:'], 'must be an http:// or https:// URL'),

  MLOPS_SERVING: flag(),
  MLOPS_SERVING_MODEL: optional(
    z
      .string()
      .trim()
      .regex(/^[\w.-]{1,256}$/, { error: 'must be a registered model name (letters, digits, _ . -)' }),
  ),
  MLOPS_SERVING_POLL_SECONDS: integer(1, 3600),
  MLOPS_SERVING_CACHE_SIZE: integer(0, 10_000_000),
  MLOPS_SERVING_CACHE_TTL_SECONDS: integer(1, 86_400),
  MLOPS_SERVING_INDEX: choice(['auto', 'exact', 'approximate']),
  MLOPS_SERVING_INDEX_RECALL: fraction(),
  MLOPS_AB_CHALLENGER_PERCENT: integer(0, 100),
  MLOPS_BOOTSTRAP_MODEL: flag(),

  MLOPS_ONLINE_STORE: choice(['embedded', 'redis']),
  REDIS_URL: urlWithProtocol(['redis:', 'rediss:'], 'must be a URL like redis://127.0.0.1:6379/0'),
  MLOPS_REDIS_KEY_PREFIX: optional(
    z.string().regex(/^[\w:.-]{0,64}$/, { error: 'must be up to 64 letters, digits and _ : . -' }),
  ),
  MLOPS_FEATURE_REPO: text(),
  MLOPS_FEATURES_MAX_ENTITIES: integer(1, 100_000),
  MLOPS_FEATURES_BUILD_ROWS_PER_PASS: integer(1, 1_000_000_000),
  MLOPS_FEATURES_BOOTSTRAP: flag(),

  MLOPS_PIPELINES: flag(),
  MLOPS_EXECUTOR: choice(['in_process', 'bullmq']),
  MLOPS_PIPELINES_CONCURRENCY: integer(1, 256),
  MLOPS_PIPELINES_LEASE_SECONDS: integer(1, 86_400),
  MLOPS_PIPELINES_TICK_MS: integer(50, 60_000),
  MLOPS_PIPELINE_REPO: text(),
  MLOPS_ALERTS: flag(),
  MLOPS_ALERT_WEBHOOK_URL: urlWithProtocol(['http:', 'https:'], 'must be an http:// or https:// URL'),
  MLOPS_ALERTS_INTERVAL_SECONDS: integer(1, 3600),
  MLOPS_RUNBOOK_BASE_URL: urlWithProtocol(['http:', 'https:'], 'must be an http:// or https:// URL'),
  MLOPS_EVENT_BUS: choice(['embedded', 'kafka', 'redis']),
  KAFKA_BROKERS: optional(
    z
      .string()
      .trim()
      .regex(/^[\w.-]+:\d{1,5}(,[\w.-]+:\d{1,5})*$/, {
        error: 'must be host:port, comma-separated (e.g. 127.0.0.1:9092,kafka-2:9092)',
      }),
  ),
  MLOPS_EVENT_TOPIC_PREFIX: optional(
    z.string().regex(/^[\w.-]{0,64}$/, { error: 'must be up to 64 letters, digits and _ . -' }),
  ),
  MLOPS_EVENT_PARTITIONS: integer(1, 1000),
  MLOPS_EVENT_RETENTION_DAYS: integer(1, 3650),
  MLOPS_SERVED_EVENTS_SAMPLE: fraction(),
  MLOPS_SERVED_EVENTS_BUFFER: integer(0, 10_000_000),
  MLOPS_SERVED_EVENTS_MAX_RATE: integer(0, 10_000_000),
  MLOPS_AUTOMATIONS: flag(),
  MLOPS_RETRAIN_COOLDOWN_SECONDS: integer(0, 604_800),
  MLOPS_OVERLOAD_CPU_PERCENT: integer(1, 100_000),
  MLOPS_OVERLOAD_P95_MS: integer(1, 600_000),
  MLOPS_OVERLOAD_QUEUE_DEPTH: integer(1, 10_000_000),
  MLOPS_LOAD_SHEDDING_SECONDS: integer(0, 86_400),
  MLOPS_AUTH: choice(['auto', 'on', 'off']),
  MLOPS_ADMIN_TOKEN: optional(z.string().min(24, { error: 'must be at least 24 characters' }).max(256)),
  MLOPS_METRICS_PUBLIC: flag(),
  MLOPS_TRUST_PROXY: flag(),
  MLOPS_RATE_LIMIT_PER_MINUTE: integer(0, 10_000_000),
  MLOPS_CORS_ORIGINS: optional(
    z
      .string()
      .trim()
      .regex(/^(\*|https?:\/\/[\w.-]+(:\d+)?)(,(https?:\/\/[\w.-]+(:\d+)?))*$/, {
        error: 'must be * or comma-separated origins like https://app.example.com',
      }),
  ),
  MLOPS_BULLMQ_QUEUE: optional(
    z.string().regex(/^[\w.-]{1,100}$/, { error: 'must be 1-100 letters, digits and _ . -' }),
  ),
});

export type ParsedEnv = z.infer<typeof ENV_SCHEMA>;

/** Names of every variable in the schema, for `.env.template` checks and docs. */
export const ENV_VARIABLES = Object.keys(ENV_SCHEMA.shape) as (keyof ParsedEnv)[];

/** Variables whose values are secret: never echoed back in error messages or logs. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'POSTGRES_PASSWORD',
  'S3_SECRET_ACCESS_KEY',
  'TMDB_API_KEY',
  'REDIS_URL',
  'MLOPS_ALERT_WEBHOOK_URL',
  'MLOPS_ADMIN_TOKEN',
]);

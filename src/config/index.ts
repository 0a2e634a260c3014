export type {
  AlertsConfig,
  ArtifactStoreConfig,
  AuthConfig,
  Config,
  DatabaseConfig,
  DataConfig,
  EventsConfig,
  FeaturesConfig,
  LocalArtifactStoreConfig,
  LogConfig,
  LogLevel,
  PgliteDatabaseConfig,
  PipelinesConfig,
  PostgresDatabaseConfig,
  S3ArtifactStoreConfig,
  ServerConfig,
  ServingConfig,
} from './config.js';
export { APPROXIMATE_FROM_ITEMS, DEFAULT_SERVED_MODEL, LEGACY_SERVED_MODEL } from './config.js';
export { ENV_VARIABLES, SECRET_VARIABLES } from './env-schema.js';
export { type Environment, type LoadConfigOptions, loadConfig, redactUrlPassword } from './load-config.js';

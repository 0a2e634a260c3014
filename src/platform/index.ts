export { type ComponentHealth, checkReadiness, type HealthCheck, type ReadinessReport } from './health.js';
export { contextOf, type OpenPlatformOptions, openPlatform, type Platform } from './platform.js';
export { importUserModule } from './user-module.js';

export { PlatformMetrics } from './metrics.js';

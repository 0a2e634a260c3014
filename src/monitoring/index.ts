export {
  type AlertContext,
  AlertManager,
  type AlertManagerOptions,
  type AlertRecord,
  type AlertRule,
  BUILTIN_ALERT_RULES,
  listAlerts,
  type Severity,
} from './alerts.js';
export {
  type ColumnDrift,
  type DriftColumn,
  type DriftOptions,
  type DriftReport,
  type DriftTest,
  detectDrift,
} from './drift.js';
export { LoadShedder } from './load-shedder.js';
export { PlatformMetrics } from './metrics.js';
export {
  chiSquare,
  chiSquareTwoSample,
  jensenShannonDistance,
  ksTwoSample,
  populationStabilityIndex,
  proportionsZTest,
  wassersteinDistance,
} from './statistics.js';

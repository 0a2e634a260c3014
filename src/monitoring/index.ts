export {
  type AlertContext,
  AlertManager,
  type AlertManagerOptions,
  type AlertRecord,
  type AlertRule,
  type AlertRuleState,
  BUILTIN_ALERT_RULES,
  describeAlertRules,
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
  type AlertSilence,
  createSilence,
  expireSilence,
  listSilences,
  silencedAlertNames,
} from './silences.js';
export {
  chiSquare,
  chiSquareTwoSample,
  jensenShannonDistance,
  ksTwoSample,
  populationStabilityIndex,
  proportionsZTest,
  wassersteinDistance,
} from './statistics.js';

export { AlertManager, type AlertManagerOptions } from './alert-manager.js';
export { type AlertContext, type AlertRule, BUILTIN_ALERT_RULES, type Severity } from './alert-rules.js';
export { type AlertRecord, type AlertRuleState, describeAlertRules, listAlerts } from './alerts.js';
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
export { type MonitoringService, monitoringService } from './monitoring-service.js';
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

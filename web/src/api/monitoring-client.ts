/**
 * The monitoring pages' calls: traffic, drift, alerts, alert rules, silences. Types come from
 * src/server/schemas/monitoring-api.ts.
 */
import type {
  AlertRuleList,
  AlertSilence,
  AlertsAnswer,
  DriftHistory,
  DriftReport,
  SilenceList,
  Traffic,
} from '../../../src/server/schemas/monitoring-api';
import { getJson, postJson } from './http';

export type {
  AlertRecord,
  AlertRuleState,
  AlertSilence,
  AlertsAnswer,
  ColumnDrift,
  DriftHistoryReport,
  DriftReport,
  LoadShedding,
  Traffic,
  TrafficPoint,
} from '../../../src/server/schemas/monitoring-api';
export type { ModelTimeline } from '../../../src/server/schemas/registry-api';
export { fetchModelHistory as fetchModelTimeline } from './registry-client';

export const fetchTraffic = () => getJson<Traffic>('/api/v1/monitoring/traffic');
/** Live figures over the last minute, and a series over `rangeSeconds` (5 minutes to 6 hours). */
export const fetchTrafficRange = (rangeSeconds: number) =>
  getJson<Traffic>(`/api/v1/monitoring/traffic?range_seconds=${rangeSeconds}`);
export const fetchDriftReport = () => getJson<DriftReport>('/api/v1/monitoring/drift');
export const fetchDriftHistory = (limit = 50) =>
  getJson<DriftHistory>(`/api/v1/monitoring/drift/history?limit=${limit}`);

export const fetchAlerts = () => getJson<AlertsAnswer>('/api/v1/monitoring/alerts');
/** The alert history (`limit` newest), every alert firing now and the load-shedding state. */
export const fetchAlertsAnswer = (limit = 100) =>
  getJson<AlertsAnswer>(`/api/v1/monitoring/alerts?limit=${limit}`);
export const fetchAlertRules = () => getJson<AlertRuleList>('/api/v1/monitoring/alert-rules');
export const fetchSilences = () => getJson<SilenceList>('/api/v1/monitoring/silences');
export const createSilence = (body: { alert_name: string; reason: string; ends_at: string }) =>
  postJson<AlertSilence>('/api/v1/monitoring/silences', body);
export const expireSilence = (silenceId: string) =>
  postJson<AlertSilence>(`/api/v1/monitoring/silences/${encodeURIComponent(silenceId)}/expire`, {});

import { type AlertRecord, getJson, postJson, type Traffic } from './client';

/** Types and calls of the monitoring pages (dashboard ranges, alert rules, silences, drift history). */

export interface LoadShedding {
  active: boolean;
  until: string | null;
  reason: string | null;
}

export interface AlertsAnswer {
  firing: AlertRecord[];
  alerts: AlertRecord[];
  load_shedding: LoadShedding;
}

export interface AlertRuleState {
  name: string;
  severity: string;
  summary: string;
  runbook: string;
  expression: string;
  threshold: string;
  for_seconds: number;
  state: 'normal' | 'pending' | 'firing';
  value: number;
  description: string;
  firing_since: string | null;
  is_silenced: boolean;
}

export interface AlertSilence {
  silence_id: string;
  alert_name: string;
  reason: string;
  created_by: string;
  created_at: string;
  ends_at: string;
  expired_at: string | null;
  is_active: boolean;
}

export interface DriftHistoryReport {
  report_version: string;
  created_at: string;
  current_to: string | null;
  dataset_drift: boolean;
  drift_share: number;
  columns: { column: string; test: string; score: number; threshold: number; drifted: boolean }[];
}

export interface TrafficPoint {
  t: number;
  requests_per_second: number;
  errors_per_second?: number;
  p95_ms: number;
}

/** The alert history (`limit` newest), every alert firing now and the load-shedding state. */
export const fetchAlertsAnswer = (limit = 100) =>
  getJson<AlertsAnswer>(`/api/v1/monitoring/alerts?limit=${limit}`);
export const fetchAlertRules = () => getJson<{ rules: AlertRuleState[] }>('/api/v1/monitoring/alert-rules');
export const fetchSilences = () => getJson<{ silences: AlertSilence[] }>('/api/v1/monitoring/silences');
export const createSilence = (body: { alert_name: string; reason: string; ends_at: string }) =>
  postJson<AlertSilence>('/api/v1/monitoring/silences', body);
export const expireSilence = (silenceId: string) =>
  postJson<AlertSilence>(`/api/v1/monitoring/silences/${encodeURIComponent(silenceId)}/expire`, {});
export const fetchDriftHistory = (limit = 50) =>
  getJson<{ reports: DriftHistoryReport[] }>(`/api/v1/monitoring/drift/history?limit=${limit}`);
/** Live figures over the last minute, and a series over `rangeSeconds` (5 minutes to 6 hours). */
export const fetchTrafficRange = (rangeSeconds: number) =>
  getJson<Omit<Traffic, 'series'> & { series: TrafficPoint[] }>(
    `/api/v1/monitoring/traffic?range_seconds=${rangeSeconds}`,
  );

/** A registered model's versions (when each was registered) and its change history (promotions, rollbacks). */
export interface ModelTimeline {
  versions: { version: string; creation_timestamp: number; run_id: string }[];
  history: {
    transition_id: number;
    version: number;
    change: string;
    from_value: string | null;
    to_value: string | null;
    actor: string;
    reason: string;
    created_at: number;
  }[];
}

export const fetchModelTimeline = (name: string) =>
  getJson<ModelTimeline>(`/mlflow/models/${encodeURIComponent(name)}`);

import type { ColumnType } from 'kysely';

/** Tables owned by monitoring/ (alerts and their silences): other capabilities go through its service, not these tables. */
export interface MonitoringTables {
  alerts: AlertsTable;
  alert_silences: AlertSilencesTable;
}

export interface AlertsTable {
  alert_id: string;
  name: string;
  severity: string;
  status: string;
  summary: string;
  description: string;
  value: number;
  runbook: string;
  started_at: Date;
  resolved_at: Date | null;
  notified: boolean;
}

/** One alert: when it fired, when it resolved, and whether the webhook was told. */
export interface AlertSilencesTable {
  silence_id: string;
  alert_name: string;
  reason: string;
  created_by: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  ends_at: Date;
  expired_at: Date | null;
}

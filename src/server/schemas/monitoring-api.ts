import { z } from 'zod';
import { isoDateTime } from './wire.js';

export const ColumnDrift = z.object({
  column: z.string(),
  kind: z.enum(['numerical', 'categorical']),
  test: z.string(),
  score: z.number(),
  threshold: z.number(),
  drifted: z.boolean(),
  reference_rows: z.number(),
  current_rows: z.number(),
  histogram: z.object({
    labels: z.array(z.string()),
    reference: z.array(z.number()),
    current: z.array(z.number()),
  }),
});
export type ColumnDrift = z.input<typeof ColumnDrift>;

const DriftWindow = z.object({ watch_log_version: z.string(), from: z.string(), to: z.string() });

/** `GET /api/v1/monitoring/drift`: the latest report movie_drift_check stored, with its version. */
export const DriftReport = z.object({
  report_version: z.string(),
  created_at: isoDateTime,
  reference_rows: z.number(),
  current_rows: z.number(),
  drift_share_threshold: z.number(),
  drifted_columns: z.number(),
  drift_share: z.number(),
  dataset_drift: z.boolean(),
  columns: z.array(ColumnDrift),
  reference: DriftWindow,
  current: DriftWindow,
  computed_at: z.string(),
});
export type DriftReport = z.input<typeof DriftReport>;

export const DriftHistoryReport = z.object({
  report_version: z.string(),
  created_at: isoDateTime,
  current_to: z.string().nullable(),
  dataset_drift: z.boolean(),
  drift_share: z.number(),
  columns: z.array(
    z.object({
      column: z.string(),
      test: z.string(),
      score: z.number(),
      threshold: z.number(),
      drifted: z.boolean(),
    }),
  ),
});
export type DriftHistoryReport = z.input<typeof DriftHistoryReport>;

export const DriftHistory = z.object({ reports: z.array(DriftHistoryReport) });
export type DriftHistory = z.input<typeof DriftHistory>;

export const AlertRecord = z.object({
  alert_id: z.string(),
  name: z.string(),
  severity: z.string(),
  status: z.enum(['firing', 'resolved']),
  summary: z.string(),
  description: z.string(),
  value: z.number(),
  runbook: z.string(),
  started_at: isoDateTime,
  resolved_at: isoDateTime.nullable(),
  notified: z.boolean(),
});
export type AlertRecord = z.input<typeof AlertRecord>;

export const LoadShedding = z.object({
  active: z.boolean(),
  until: z.string().nullable(),
  reason: z.string().nullable(),
});
export type LoadShedding = z.input<typeof LoadShedding>;

/** `GET /api/v1/monitoring/alerts`: the history, what fires now, and whether load is being shed. */
export const AlertsAnswer = z.object({
  firing: z.array(AlertRecord),
  alerts: z.array(AlertRecord),
  load_shedding: LoadShedding,
});
export type AlertsAnswer = z.input<typeof AlertsAnswer>;

export const AlertRuleState = z.object({
  name: z.string(),
  severity: z.string(),
  summary: z.string(),
  runbook: z.string(),
  expression: z.string(),
  threshold: z.string(),
  for_seconds: z.number(),
  state: z.enum(['normal', 'pending', 'firing']),
  value: z.number(),
  description: z.string(),
  firing_since: isoDateTime.nullable(),
  is_silenced: z.boolean(),
});
export type AlertRuleState = z.input<typeof AlertRuleState>;

export const AlertRuleList = z.object({ rules: z.array(AlertRuleState) });
export type AlertRuleList = z.input<typeof AlertRuleList>;

export const AlertSilence = z.object({
  silence_id: z.string(),
  alert_name: z.string(),
  reason: z.string(),
  created_by: z.string(),
  created_at: isoDateTime,
  ends_at: isoDateTime,
  expired_at: isoDateTime.nullable(),
  is_active: z.boolean(),
});
export type AlertSilence = z.input<typeof AlertSilence>;

export const SilenceList = z.object({ silences: z.array(AlertSilence) });
export type SilenceList = z.input<typeof SilenceList>;

export const TrafficPoint = z.object({
  t: z.number(),
  requests_per_second: z.number(),
  /** 5xx answers per second: in the ranged series (`range_seconds`) only. */
  errors_per_second: z.number().optional(),
  p95_ms: z.number(),
});
export type TrafficPoint = z.input<typeof TrafficPoint>;

/** `GET /api/v1/monitoring/traffic`: live figures over a window, and a series. */
export const Traffic = z.object({
  window_seconds: z.number(),
  requests: z.number(),
  requests_per_second: z.number(),
  errors: z.number(),
  latency_ms: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }),
  series: z.array(TrafficPoint),
});
export type Traffic = z.input<typeof Traffic>;

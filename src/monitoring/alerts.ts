import type { MetadataDb } from '../storage/index.js';
import { type AlertContext, type AlertRule, BUILTIN_ALERT_RULES, type Severity } from './alert-rules.js';
import { silencedAlertNames } from './silences.js';

/** The alert history and the rules' state now, as the Alerts page and the API read them. */

export interface AlertRecord {
  alert_id: string;
  name: string;
  severity: string;
  status: 'firing' | 'resolved';
  summary: string;
  description: string;
  value: number;
  runbook: string;
  started_at: Date;
  resolved_at: Date | null;
  notified: boolean;
}

/** The alert history, newest first (firing ones included), or only the alerts of one status. */
export async function listAlerts(
  db: MetadataDb,
  limit = 100,
  filter: { status?: AlertRecord['status'] } = {},
): Promise<AlertRecord[]> {
  let query = db.selectFrom('alerts').selectAll().orderBy('started_at', 'desc').limit(limit);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  const rows = await query.execute();
  return rows.map((row) => ({ ...row, status: row.status as AlertRecord['status'] }));
}

/** One rule as the Alerts page shows it: its definition, its state now, and its value now. */
export interface AlertRuleState {
  name: string;
  severity: Severity;
  summary: string;
  runbook: string;
  expression: string;
  threshold: string;
  for_seconds: number;
  /** `firing` while an alert is open; `pending` while the condition holds but has not fired yet. */
  state: 'normal' | 'pending' | 'firing';
  value: number;
  description: string;
  /** Since when the open alert fires; null when it does not. */
  firing_since: Date | null;
  is_silenced: boolean;
}

/**
 * Evaluates every rule now without recording anything, and reads which are open in the `alerts` table:
 * the state an Alerts page lists (the recorded history stays the AlertManager's).
 */
export async function describeAlertRules(
  context: AlertContext,
  rules: readonly AlertRule[] = BUILTIN_ALERT_RULES,
): Promise<AlertRuleState[]> {
  const open = await context.db
    .selectFrom('alerts')
    .select(['name', 'started_at'])
    .where('status', '=', 'firing')
    .execute();
  const openSince = new Map(open.map((row) => [row.name, row.started_at]));
  const silenced = await silencedAlertNames(context.db, context.now);
  const states: AlertRuleState[] = [];
  for (const rule of rules) {
    const result = await rule.evaluate(context);
    const since = openSince.get(rule.name) ?? null;
    states.push({
      name: rule.name,
      severity: rule.severity,
      summary: rule.summary,
      runbook: rule.runbook,
      expression: rule.expression ?? rule.summary,
      threshold: rule.threshold ?? '',
      for_seconds: Math.round((rule.forMs ?? 0) / 1000),
      state: since !== null ? 'firing' : result.isFiring ? 'pending' : 'normal',
      value: result.value,
      description: result.description,
      firing_since: since,
      is_silenced: silenced.has(rule.name),
    });
  }
  return states;
}

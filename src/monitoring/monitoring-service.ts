import { bindDatabase, type HoldsDatabase } from '../storage/index.js';
import type { AlertContext } from './alert-rules.js';
import { describeAlertRules, listAlerts } from './alerts.js';
import { createSilence, expireSilence, listSilences } from './silences.js';

/** Alerts, their rules and silences, as the monitoring routes and the UI read and change them. */
export function monitoringService(holder: HoldsDatabase) {
  return {
    ...bindDatabase(holder, { listAlerts, listSilences, createSilence, expireSilence }),
    /** Every alert rule with its state now (firing since when, silenced until when). */
    describeAlertRules: (context: Omit<AlertContext, 'db'>) =>
      describeAlertRules({ ...context, db: holder.database.db }),
  };
}

export type MonitoringService = ReturnType<typeof monitoringService>;

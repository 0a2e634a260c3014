import type { ColumnType } from 'kysely';

/** Tables owned by automations/ (what each automation did and why): other capabilities go through its service, not these tables. */
export interface AutomationTables {
  automation_actions: AutomationActionsTable;
}

export interface AutomationActionsTable {
  action_id: string;
  automation: string;
  event_id: string;
  event_type: string;
  outcome: 'triggered' | 'suppressed' | 'applied' | 'failed';
  detail: string;
  run_id: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

import { randomUUID } from 'node:crypto';
import { bindDatabase, type HoldsDatabase, type MetadataDb } from '../storage/index.js';

export type AutomationName = 'retrain_on_drift' | 'overload_response' | 'personalize';
export type ActionOutcome = 'triggered' | 'suppressed' | 'applied' | 'failed';

export interface AutomationAction {
  action_id: string;
  automation: string;
  event_id: string;
  event_type: string;
  outcome: ActionOutcome;
  detail: string;
  run_id: string | null;
  created_at: Date;
}

/** Records what an automation did with an event: the history the Events page shows. */
export async function recordAction(
  db: MetadataDb,
  action: Omit<AutomationAction, 'action_id' | 'created_at' | 'run_id'> & { run_id?: string | null },
): Promise<void> {
  await db
    .insertInto('automation_actions')
    .values({ ...action, action_id: randomUUID(), run_id: action.run_id ?? null })
    .execute();
}

export async function listActions(
  db: MetadataDb,
  options: { automation?: string; limit?: number } = {},
): Promise<AutomationAction[]> {
  let query = db
    .selectFrom('automation_actions')
    .selectAll()
    .orderBy('created_at', 'desc')
    .limit(options.limit ?? 100);
  if (options.automation !== undefined) query = query.where('automation', '=', options.automation);
  return query.execute();
}

/** What the automations did, as the automations route and the UI read it. */
export function automationService(holder: HoldsDatabase) {
  return bindDatabase(holder, { listActions });
}

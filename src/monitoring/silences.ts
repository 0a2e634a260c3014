import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../errors/index.js';
import type { MetadataDb } from '../storage/index.js';

/** A silence: while active, the named alert still fires and is recorded, but nobody is notified. */
export interface AlertSilence {
  silence_id: string;
  alert_name: string;
  reason: string;
  created_by: string;
  created_at: Date;
  ends_at: Date;
  /** When someone ended it before `ends_at`; null otherwise. */
  expired_at: Date | null;
  /** Active now: not expired and `ends_at` still ahead. */
  is_active: boolean;
}

type SilenceRow = Omit<AlertSilence, 'is_active'>;

const withState = (row: SilenceRow, now: Date): AlertSilence => ({
  ...row,
  is_active: row.expired_at === null && row.ends_at.getTime() > now.getTime(),
});

/** Silences, newest first: the active ones and those that ended (kept for the record). */
export async function listSilences(db: MetadataDb, now = new Date(), limit = 100): Promise<AlertSilence[]> {
  const rows = await db
    .selectFrom('alert_silences')
    .selectAll()
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => withState(row, now));
}

/** The names of the alerts silenced right now. */
export async function silencedAlertNames(db: MetadataDb, now = new Date()): Promise<Set<string>> {
  const rows = await db
    .selectFrom('alert_silences')
    .select('alert_name')
    .where('expired_at', 'is', null)
    .where('ends_at', '>', now)
    .execute();
  return new Set(rows.map((row) => row.alert_name));
}

/** Silences `alertName` until `endsAt` (which must be ahead of `now`), for `reason`. */
export async function createSilence(
  db: MetadataDb,
  input: { alertName: string; endsAt: Date; reason: string; createdBy: string },
  now = new Date(),
): Promise<AlertSilence> {
  const row: SilenceRow = {
    silence_id: randomUUID().replaceAll('-', ''),
    alert_name: input.alertName,
    reason: input.reason,
    created_by: input.createdBy,
    created_at: now,
    ends_at: input.endsAt,
    expired_at: null,
  };
  await db.insertInto('alert_silences').values(row).execute();
  return withState(row, now);
}

/** Ends an active silence now; an unknown id is a NotFoundError, an ended one a ConflictError. */
export async function expireSilence(
  db: MetadataDb,
  silenceId: string,
  now = new Date(),
): Promise<AlertSilence> {
  const row = await db
    .selectFrom('alert_silences')
    .selectAll()
    .where('silence_id', '=', silenceId)
    .executeTakeFirst();
  if (row === undefined) throw new NotFoundError(`no silence ${silenceId}`);
  if (!withState(row, now).is_active) throw new ConflictError(`silence ${silenceId} has already ended`);
  await db
    .updateTable('alert_silences')
    .set({ expired_at: now })
    .where('silence_id', '=', silenceId)
    .execute();
  return withState({ ...row, expired_at: now }, now);
}

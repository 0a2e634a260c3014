import { createHash, randomBytes } from 'node:crypto';
import type { MetadataDb } from '../storage/index.js';
import type { Principal, Role } from './tokens.js';

/** How long a stream ticket may wait before it is used. */
export const STREAM_TICKET_TTL_MS = 60_000;

/**
 * Issues a single-use ticket that opens the live event stream once, within `ttlMs`, as `principal`: the
 * browser puts it in the stream's URL (EventSource cannot send headers) instead of the API token, so no
 * lasting secret ends up in history, proxies' logs or the Referer. Only its hash is stored.
 */
export async function issueStreamTicket(
  db: MetadataDb,
  principal: Principal,
  now = new Date(),
  ttlMs = STREAM_TICKET_TTL_MS,
): Promise<{ ticket: string; expiresAt: Date }> {
  const ticket = `st_${randomBytes(24).toString('base64url')}`;
  const expiresAt = new Date(now.getTime() + ttlMs);
  await db.deleteFrom('stream_tickets').where('expires_at', '<', now).execute();
  await db
    .insertInto('stream_tickets')
    .values({
      ticket_hash: hashOf(ticket),
      token_id: principal.token_id,
      name: principal.name,
      role: principal.role,
      expires_at: expiresAt,
    })
    .execute();
  return { ticket, expiresAt };
}

/**
 * Uses a ticket up: the principal it was issued to, or undefined when it is unknown, expired, already used,
 * or its token was revoked since. One atomic delete, so two replicas cannot both accept it.
 */
export async function redeemStreamTicket(
  db: MetadataDb,
  ticket: string,
  now = new Date(),
): Promise<Principal | undefined> {
  if (!/^st_[\w-]{32}$/.test(ticket)) return undefined;
  const row = await db
    .deleteFrom('stream_tickets')
    .where('ticket_hash', '=', hashOf(ticket))
    .returningAll()
    .executeTakeFirst();
  if (row === undefined || row.expires_at.getTime() <= now.getTime()) return undefined;
  if (row.token_id !== 'bootstrap') {
    const token = await db
      .selectFrom('api_tokens')
      .select('revoked_at')
      .where('token_id', '=', row.token_id)
      .executeTakeFirst();
    if (token === undefined || token.revoked_at !== null) return undefined;
  }
  return { token_id: row.token_id, name: row.name, role: row.role as Role };
}

function hashOf(ticket: string): string {
  return createHash('sha256').update(ticket).digest('hex');
}

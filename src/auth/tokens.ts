import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { NotFoundError, ValidationError } from '../errors/index.js';
import type { MetadataDb } from '../storage/index.js';

export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** viewer reads; editor also writes (runs, feedback, events, triggers); admin also transitions, deletes, tokens. */
export function hasRole(granted: Role, needed: Role): boolean {
  return ROLES.indexOf(granted) >= ROLES.indexOf(needed);
}

export interface TokenInfo {
  token_id: string;
  name: string;
  role: Role;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** Who a request is: a stored token, the bootstrap admin token (MLOPS_ADMIN_TOKEN), or nobody. */
export interface Principal {
  token_id: string;
  name: string;
  role: Role;
}

// `mlops_<id>_<secret>`: the id finds the row, the whole token is compared by hash.
const TOKEN_PATTERN = /^mlops_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** The id part of a well-formed token (no database read): what rate limits are keyed by. */
export function tokenIdOf(token: string): string | undefined {
  return TOKEN_PATTERN.exec(token)?.[1];
}

/** Creates a token; its secret is returned once and only its hash is stored. */
export async function createToken(
  db: MetadataDb,
  input: { name: string; role: Role; createdBy: string },
): Promise<{ token: string; info: TokenInfo }> {
  if (!/^[\w .@-]{1,100}$/.test(input.name))
    throw new ValidationError('a token name is 1-100 letters, digits, spaces and _ . @ -', { field: 'name' });
  if (!ROLES.includes(input.role))
    throw new ValidationError(`role must be one of ${ROLES.join(', ')}`, { field: 'role' });
  const id = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  const token = `mlops_${id}_${randomBytes(32).toString('base64url')}`;
  const row = await db
    .insertInto('api_tokens')
    .values({
      token_id: id,
      name: input.name,
      role: input.role,
      secret_hash: hash(token),
      created_by: input.createdBy,
      last_used_at: null,
      revoked_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { token, info: toInfo(row) };
}

/** Whether any token can still be used (a server beyond loopback needs one). */
export async function hasActiveToken(db: MetadataDb): Promise<boolean> {
  const row = await db
    .selectFrom('api_tokens')
    .select('token_id')
    .where('revoked_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function listTokens(db: MetadataDb): Promise<TokenInfo[]> {
  const rows = await db.selectFrom('api_tokens').selectAll().orderBy('created_at', 'desc').execute();
  return rows.map(toInfo);
}

/** Revokes at once: the next request with the token is refused, on every replica (no cache). */
export async function revokeToken(db: MetadataDb, tokenId: string): Promise<TokenInfo> {
  const row = await db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('token_id', '=', tokenId)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  if (row !== undefined) return toInfo(row);
  const existing = await db
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_id', '=', tokenId)
    .executeTakeFirst();
  if (existing === undefined) throw new NotFoundError(`no token ${tokenId}`, { field: 'token_id' });
  return toInfo(existing);
}

export async function countActiveTokens(db: MetadataDb): Promise<number> {
  const row = await db
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The principal a presented token stands for, or undefined when it is malformed, unknown or revoked.
 * The bootstrap admin token, when configured, is compared in constant time.
 */
export async function verifyToken(
  db: MetadataDb,
  token: string,
  bootstrapAdminToken: string | undefined,
): Promise<Principal | undefined> {
  if (bootstrapAdminToken !== undefined && bootstrapAdminToken.length > 0) {
    const given = Buffer.from(hash(token), 'hex');
    const expected = Buffer.from(hash(bootstrapAdminToken), 'hex');
    if (timingSafeEqual(given, expected))
      return { token_id: 'bootstrap', name: 'MLOPS_ADMIN_TOKEN', role: 'admin' };
  }
  const id = tokenIdOf(token);
  if (id === undefined) return undefined;
  const row = await db
    .selectFrom('api_tokens')
    .select(['token_id', 'name', 'role', 'secret_hash', 'revoked_at', 'last_used_at'])
    .where('token_id', '=', id)
    .executeTakeFirst();
  if (row === undefined || row.revoked_at !== null) return undefined;
  if (!timingSafeEqual(Buffer.from(row.secret_hash, 'hex'), Buffer.from(hash(token), 'hex')))
    return undefined;
  // Last use, at most once a minute per token: a write per request would cost more than the check.
  if (row.last_used_at === null || Date.now() - row.last_used_at.getTime() > 60_000)
    await db.updateTable('api_tokens').set({ last_used_at: new Date() }).where('token_id', '=', id).execute();
  return { token_id: row.token_id, name: row.name, role: row.role as Role };
}

function toInfo(row: {
  token_id: string;
  name: string;
  role: string;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}): TokenInfo {
  return {
    token_id: row.token_id,
    name: row.name,
    role: row.role as Role,
    created_by: row.created_by,
    created_at: row.created_at,
    last_used_at: row.last_used_at,
    revoked_at: row.revoked_at,
  };
}

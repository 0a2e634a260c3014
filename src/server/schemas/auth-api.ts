import { z } from 'zod';
import { isoDateTime } from './wire.js';

export const Role = z.enum(['viewer', 'editor', 'admin']);
export type Role = z.input<typeof Role>;

/** Who a request is: a stored token or the bootstrap admin token. */
export const Principal = z.object({ token_id: z.string(), name: z.string(), role: Role });
export type Principal = z.input<typeof Principal>;

/** `GET /api/v1/auth/whoami`: whether the server wants tokens, and whose the request's token is. */
export const Whoami = z.object({ auth_enabled: z.boolean(), principal: Principal.nullable() });
export type Whoami = z.input<typeof Whoami>;

/** An API token as listed (never its secret). */
export const TokenInfo = z.object({
  token_id: z.string(),
  name: z.string(),
  role: Role,
  created_by: z.string(),
  created_at: isoDateTime,
  last_used_at: isoDateTime.nullable(),
  revoked_at: isoDateTime.nullable(),
});
export type TokenInfo = z.input<typeof TokenInfo>;

export const TokenList = z.object({ tokens: z.array(TokenInfo) });
export type TokenList = z.input<typeof TokenList>;

/** A new token: its secret `token` is in this answer only. */
export const CreatedToken = TokenInfo.extend({ token: z.string() });
export type CreatedToken = z.input<typeof CreatedToken>;

import { bindDatabase, type HoldsDatabase } from '../storage/index.js';
import { issueStreamTicket, redeemStreamTicket } from './stream-tickets.js';
import { createToken, hasActiveToken, listTokens, revokeToken, verifyToken } from './tokens.js';

/** API tokens and stream tickets, as the security hook, the token routes and `mlops tokens` use them. */
export function authService(holder: HoldsDatabase) {
  return bindDatabase(holder, {
    createToken,
    listTokens,
    revokeToken,
    verifyToken,
    hasActiveToken,
    issueStreamTicket,
    redeemStreamTicket,
  });
}

export type AuthService = ReturnType<typeof authService>;

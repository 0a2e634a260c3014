export { type AuthService, authService } from './auth-service.js';
export { type Access, requiredAccess } from './route-policy.js';
export { issueStreamTicket, redeemStreamTicket, STREAM_TICKET_TTL_MS } from './stream-tickets.js';
export {
  countActiveTokens,
  createToken,
  hasActiveToken,
  hasRole,
  listTokens,
  type Principal,
  ROLES,
  type Role,
  revokeToken,
  type TokenInfo,
  tokenIdOf,
  verifyToken,
} from './tokens.js';

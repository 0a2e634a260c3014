export { type Access, requiredAccess } from './route-policy.js';
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

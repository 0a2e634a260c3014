export { type Access, requiredAccess } from './route-policy.js';
export {
  countActiveTokens,
  createToken,
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

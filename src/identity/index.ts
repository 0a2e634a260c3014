export {
  canonicalUserId,
  directUserKey,
  type ExternalUserId,
  MAPPED_KEY_BASE,
  movieIdParam,
  movieIdSchema,
  UNKNOWN_USER_KEY,
  userIdParam,
  userIdSchema,
} from './external-ids.js';
export { UserIdentities } from './user-identities.js';

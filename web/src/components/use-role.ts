import { useAuth } from '../api/auth-context';
import type { Role } from '../api/client';

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

/**
 * Whether the signed-in user may do what needs `role`: always with auth off (the loopback default, where
 * the server lets every call through), otherwise by the token's role. The server checks again.
 */
export function useCan(role: Role): boolean {
  const { state } = useAuth();
  if (state.status === 'signed-in') return RANK[state.principal.role] >= RANK[role];
  return state.status === 'open';
}

import { useAuth } from '../api/auth-context';

/** Who is signed in (token name and role) and the way out; nothing when the server needs no token. */
export function Account() {
  const { state, signOut } = useAuth();
  if (state.status !== 'signed-in') return null;
  const { principal } = state;
  return (
    <div className="account" data-testid="account">
      <span className="account-name" title={`token ${principal.token_id}`}>
        <span className="visually-hidden">Signed in as </span>
        <span data-testid="account-name">{principal.name}</span>{' '}
        <span className={`badge badge-role badge-role-${principal.role}`} data-testid="account-role">
          {principal.role}
        </span>
      </span>
      <button type="button" className="button" onClick={signOut}>
        Sign out
      </button>
    </div>
  );
}

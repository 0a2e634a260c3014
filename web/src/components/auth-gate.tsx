import type { ReactNode } from 'react';
import { useAuth } from '../api/auth-context';
import { LoginPage } from '../pages/login-page';

/**
 * Shows the login instead of the app while a token-protected server has no valid token from this browser;
 * with auth off it renders the app as it is.
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const { state, signIn } = useAuth();
  if (state.status === 'checking') return null;
  if (state.status === 'signed-out') return <LoginPage notice={state.notice} onSignIn={signIn} />;
  return children;
}

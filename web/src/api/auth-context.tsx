import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import {
  ApiError,
  fetchWhoami,
  onAuthRequired,
  type Principal,
  storedToken,
  storeToken,
  TOKEN_STORAGE_KEY,
} from './client';

/** What the login says above its form: why it is shown. */
export interface LoginNotice {
  tone: 'ok' | 'error';
  text: string;
}

export type AuthState =
  /** Asking the server whether it wants a token (one round trip, before anything renders). */
  | { status: 'checking' }
  /** No token needed (auth off, the loopback default), or the server does not answer yet: the app as it is. */
  | { status: 'open' }
  | { status: 'signed-in'; principal: Principal }
  | { status: 'signed-out'; notice?: LoginNotice };

export interface Auth {
  state: AuthState;
  /** Checks `token` with the server and keeps it; throws an ApiError with the server's message. */
  signIn(token: string): Promise<void>;
  signOut(): void;
}

const AuthContext = createContext<Auth | undefined>(undefined);
const RECHECK_MS = 5000;

/**
 * The session of a token-protected deployment: whether a token is needed, who it is, and the way back to
 * the login when the server refuses one (it was revoked, or the server turned auth on).
 */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'checking' });

  useEffect(() => {
    let isCurrent = true;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const check = () => {
      clearTimeout(retry);
      const token = storedToken();
      fetchWhoami(token)
        .then((answer) => {
          if (!isCurrent) return;
          if (!answer.auth_enabled) setState({ status: 'open' });
          else if (answer.principal !== null) setState({ status: 'signed-in', principal: answer.principal });
          else setState({ status: 'signed-out' });
        })
        .catch((failure: unknown) => {
          if (!isCurrent) return;
          if (failure instanceof ApiError && failure.status === 401) {
            // A kept token the server refuses is forgotten; without one, the login just asks for it.
            if (token !== undefined && storedToken() === token) storeToken(undefined);
            setState({
              status: 'signed-out',
              ...(token === undefined
                ? {}
                : { notice: { tone: 'error', text: sessionEnded(failure.message) } }),
            });
            return;
          }
          // The server does not answer (or predates whoami): the pages say so; ask again a little later.
          setState((current) => (current.status === 'checking' ? { status: 'open' } : current));
          retry = setTimeout(check, RECHECK_MS);
        });
    };
    check();
    const unsubscribe = onAuthRequired((message) =>
      setState({ status: 'signed-out', notice: { tone: 'error', text: sessionEnded(message) } }),
    );
    // Signing in or out in another tab applies here too.
    const onStorage = (event: StorageEvent) => {
      if (event.key === TOKEN_STORAGE_KEY || event.key === null) check();
    };
    window.addEventListener('storage', onStorage);
    return () => {
      isCurrent = false;
      clearTimeout(retry);
      unsubscribe();
      window.removeEventListener('storage', onStorage);
    };
  }, []);

  const signIn = useCallback(async (token: string) => {
    const answer = await fetchWhoami(token);
    if (!answer.auth_enabled) {
      storeToken(undefined);
      setState({ status: 'open' });
      return;
    }
    if (answer.principal === null) throw new ApiError('the server did not accept the token', 401);
    storeToken(token);
    setState({ status: 'signed-in', principal: answer.principal });
  }, []);

  const signOut = useCallback(() => {
    storeToken(undefined);
    setState({ status: 'signed-out', notice: { tone: 'ok', text: 'You are signed out.' } });
  }, []);

  const auth = useMemo(() => ({ state, signIn, signOut }), [state, signIn, signOut]);
  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>;
}

function sessionEnded(message: string): string {
  return `Your session ended: ${message.replace(/\.$/, '')}. Sign in again.`;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (auth === undefined) throw new Error('useAuth needs an AuthProvider above it');
  return auth;
}

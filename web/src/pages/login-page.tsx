import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { LoginNotice } from '../api/auth-context';
import { ThemeToggle } from '../components/theme-toggle';

/**
 * The sign-in of a token-protected deployment: one API token, checked by the server. It is shown in place
 * of the page asked for, so signing in lands right there.
 */
export function LoginPage({
  notice,
  onSignIn,
}: {
  notice: LoginNotice | undefined;
  onSignIn: (token: string) => Promise<void>;
}) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [isBusy, setIsBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim();
    if (value === '') {
      setError('Paste your API token first.');
      input.current?.focus();
      return;
    }
    setIsBusy(true);
    setError(undefined);
    onSignIn(value).catch((failure: Error) => {
      setError(failure.message);
      setIsBusy(false);
      input.current?.select();
    });
    // Signed in, this page goes away: the page asked for renders in its place.
  };

  return (
    <div className="login-shell">
      <div className="login-tools">
        <ThemeToggle />
      </div>
      <main id="main" className="login">
        <section className="login-card" aria-labelledby="login-title">
          <div className="brand">
            <img src="/favicon.svg" alt="" width="28" height="28" />
            <span>movie-mlops</span>
          </div>
          <h1 id="login-title">Sign in</h1>
          <p className="muted">
            This platform needs an API token. Ask an admin for one; they create it with:
          </p>
          <pre className="code login-hint">mlops tokens create --name you --role viewer</pre>
          {notice !== undefined && error === undefined && (
            <div
              className={`banner banner-${notice.tone}`}
              role={notice.tone === 'error' ? 'alert' : 'status'}
              data-testid="login-notice"
            >
              {notice.text}
            </div>
          )}
          <form className="login-form" onSubmit={submit}>
            <label htmlFor="api-token">API token</label>
            <input
              ref={input}
              id="api-token"
              name="token"
              type="password"
              autoComplete="current-password"
              spellCheck={false}
              placeholder="mlops_…"
              value={token}
              aria-invalid={error !== undefined}
              aria-describedby={error === undefined ? undefined : 'login-error'}
              onChange={(event) => setToken(event.target.value)}
            />
            {error !== undefined && (
              <p className="form-result banner-error" role="alert" id="login-error" data-testid="login-error">
                {error}
              </p>
            )}
            <button className="button button-primary" type="submit" disabled={isBusy}>
              {isBusy ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        </section>
      </main>
    </div>
  );
}

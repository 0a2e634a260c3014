import { NavLink, Outlet } from 'react-router';
import { ReadinessProvider } from '../api/readiness-context';
import { Account } from './account';
import { HealthIndicator } from './health-indicator';
import { NAV_ITEMS } from './nav-items';
import { ThemeToggle } from './theme-toggle';

export function Layout() {
  return (
    <ReadinessProvider>
      <div className="shell">
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="topbar">
          <a className="brand" href="/">
            <img src="/favicon.svg" alt="" width="28" height="28" />
            <span>movie-mlops</span>
          </a>
          <nav aria-label="Main">
            <ul>
              {NAV_ITEMS.map((item) => (
                <li key={item.to}>
                  <NavLink to={item.to}>{item.label}</NavLink>
                </li>
              ))}
              <li>
                <a href="/docs">API docs</a>
              </li>
            </ul>
          </nav>
          <div className="topbar-end">
            <HealthIndicator />
            <ThemeToggle />
            <Account />
          </div>
        </header>
        <main id="main" className="content">
          <Outlet />
        </main>
      </div>
    </ReadinessProvider>
  );
}

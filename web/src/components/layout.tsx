import { useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { ReadinessProvider } from '../api/readiness-context';
import { Account } from './account';
import { HealthIndicator } from './health-indicator';
import { NAV_ITEMS } from './nav-items';
import { PageTitleProvider } from './page-title';
import { ThemeToggle } from './theme-toggle';

export function Layout() {
  // On a phone the navigation folds behind a menu button; it closes again on every page change.
  const [isMenuOpen, setIsMenuOpen] = useState(false);
  const { pathname } = useLocation();
  // biome-ignore lint/correctness/useExhaustiveDependencies: closing on a page change is the point.
  useEffect(() => setIsMenuOpen(false), [pathname]);
  return (
    <ReadinessProvider>
      <PageTitleProvider>
        <div className="shell">
          <a className="skip-link" href="#main">
            Skip to content
          </a>
          <header className={`topbar${isMenuOpen ? ' menu-open' : ''}`}>
            <a className="brand" href="/">
              <img src="/favicon.svg" alt="" width="28" height="28" />
              <span>movie-mlops</span>
            </a>
            <button
              type="button"
              className="menu-toggle button"
              aria-expanded={isMenuOpen}
              aria-controls="main-nav"
              onClick={() => setIsMenuOpen((open) => !open)}
            >
              {isMenuOpen ? 'Close' : 'Menu'}
            </button>
            <nav aria-label="Main" id="main-nav">
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
      </PageTitleProvider>
    </ReadinessProvider>
  );
}

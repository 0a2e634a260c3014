import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { useLocation } from 'react-router';
import { NAV_ITEMS } from './nav-items';

const SetSubject = createContext<(subject: string | undefined) => void>(() => undefined);

/**
 * The tab's title: the thing a detail page shows (a movie, a run, a pipeline), then its section, as the
 * page's heading and breadcrumb do — so a row of tabs tells its pages apart.
 */
export function PageTitleProvider({ children }: { children: ReactNode }) {
  const { pathname } = useLocation();
  const [subject, setSubject] = useState<string>();
  useEffect(() => {
    const section = NAV_ITEMS.find((item) => pathname === item.to || pathname.startsWith(`${item.to}/`));
    const label = section?.label ?? (pathname.startsWith('/runbook') ? 'Runbook' : undefined);
    document.title = [subject, label, 'movie-mlops'].filter((part) => part !== undefined).join(' · ');
  }, [pathname, subject]);
  return <SetSubject.Provider value={setSubject}>{children}</SetSubject.Provider>;
}

/** Names what a detail page shows in the tab's title while the page is open (undefined while loading). */
export function usePageSubject(subject: string | undefined): void {
  const setSubject = useContext(SetSubject);
  useEffect(() => {
    setSubject(subject);
    return () => setSubject(undefined);
  }, [setSubject, subject]);
}

import { createContext, type ReactNode, useContext } from 'react';
import { fetchReadiness, type ReadyReport } from './client';
import { type Polled, usePolling } from './use-polling';

const REFRESH_MS = 5000;
const ReadinessContext = createContext<Polled<ReadyReport> | undefined>(undefined);

/** One readiness poll for the whole app, so the header dot and the status page never disagree. */
export function ReadinessProvider({ children }: { children: ReactNode }) {
  const readiness = usePolling(fetchReadiness, REFRESH_MS);
  return <ReadinessContext.Provider value={readiness}>{children}</ReadinessContext.Provider>;
}

export function useReadiness(): Polled<ReadyReport> & { refreshMs: number } {
  const readiness = useContext(ReadinessContext);
  if (readiness === undefined) throw new Error('useReadiness needs a ReadinessProvider above it');
  return { ...readiness, refreshMs: REFRESH_MS };
}

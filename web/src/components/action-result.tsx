import { ApiError } from '../api/client';
import { formatClockWithZone } from './time';

/** What an action answered: done (green), refused (amber, with the local time to retry) or failed (red). */
export type ActionOutcome = { kind: 'done'; message: string } | { kind: 'failed'; error: Error };

/** One banner for the answer to a button: a refusal never shows as a success. */
export function ActionResult({ outcome, testId }: { outcome: ActionOutcome | undefined; testId?: string }) {
  if (outcome === undefined) return null;
  if (outcome.kind === 'done')
    return (
      <div className="banner banner-ok" role="status" data-testid={testId} data-outcome="done">
        {outcome.message}
      </div>
    );
  const { error } = outcome;
  const isRefusal = error instanceof ApiError && [403, 409, 429, 503].includes(error.status);
  const retryAt = error instanceof ApiError ? error.retryAt : undefined;
  return (
    <div
      className={`banner ${isRefusal ? 'banner-warn' : 'banner-error'}`}
      role="alert"
      data-testid={testId}
      data-outcome={isRefusal ? 'refused' : 'failed'}
    >
      <strong>{isRefusal ? 'Refused' : 'Failed'}</strong>
      {error instanceof ApiError && error.status > 0 ? ` (HTTP ${error.status})` : ''}: {error.message}
      {retryAt !== undefined && <> · retry after {formatClockWithZone(retryAt)}</>}
    </div>
  );
}

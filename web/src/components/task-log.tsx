import { useEffect, useState } from 'react';
import { fetchLogLines, type LogLine } from '../api/pipelines-client';
import { formatTime } from './time';

const FINISHED = new Set(['success', 'failed', 'upstream_failed', 'skipped']);

/**
 * A task's log, one tab per try (the latest open), each line with the time it was logged. While the
 * shown try runs the log is tailed: every second it asks for the lines written after the last it has.
 */
export function TaskLog(props: {
  dagId: string;
  runId: string;
  taskId: string;
  tryNumber: number;
  state: string | null;
}) {
  const { dagId, runId, taskId, tryNumber, state } = props;
  const latest = Math.max(1, tryNumber);
  const [shown, setShown] = useState(latest);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [problem, setProblem] = useState<string>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new try or task opens its latest tab.
  useEffect(() => setShown(latest), [latest, runId, taskId]);
  const isLive = shown === latest && !FINISHED.has(state ?? '');

  useEffect(() => {
    let stopped = false;
    let token: string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setLines([]);
    setProblem(undefined);
    const read = async () => {
      try {
        const answer = await fetchLogLines(dagId, runId, taskId, shown, token);
        if (stopped) return;
        token = answer.continuation_token;
        if (answer.lines.length > 0) setLines((known) => [...known, ...answer.lines]);
      } catch (failure) {
        if (!stopped) setProblem((failure as Error).message);
      }
      if (!stopped && isLive) timer = setTimeout(read, 1000);
    };
    void read();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [dagId, runId, taskId, shown, isLive]);

  return (
    <div className="task-log">
      <div className="tabs" role="tablist" aria-label={`tries of ${taskId}`}>
        {Array.from({ length: latest }, (_, index) => index + 1).map((number) => (
          <button
            key={number}
            type="button"
            role="tab"
            aria-selected={number === shown}
            className={`tab${number === shown ? ' tab-active' : ''}`}
            onClick={() => setShown(number)}
            data-testid="try-tab"
          >
            Try {number}
          </button>
        ))}
        {isLive && (
          <span className="badge badge-running" data-testid="log-live">
            following
          </span>
        )}
      </div>
      {problem && (
        <div className="banner banner-error" role="alert">
          {problem}
        </div>
      )}
      <pre className="code log-lines" data-testid="task-log">
        {lines.length === 0
          ? '(no log lines yet)'
          : lines.map((line) => (
              <span
                key={line.log_id}
                className={`log-line log-${line.level.toLowerCase()}`}
                data-testid="log-line"
              >
                <time dateTime={line.logged_at}>{formatTime(line.logged_at)}</time> {line.level} -{' '}
                {line.message}
                {'\n'}
              </span>
            ))}
      </pre>
    </div>
  );
}

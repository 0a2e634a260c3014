/** Task logs as Airflow answers them: continuation tokens, v1's text and v2's structured messages. */

export interface LogLine {
  try_number: number;
  level: string;
  message: string;
  logged_at: Date;
}

export const LOG_END = 'end_of_log';
const LOG_POSITION = /^log_pos:(\d{1,18})$/;

/**
 * The continuation token after a page of log lines: the position of the last line (or the one the reader
 * came with), so following it returns only lines written since: how a reader tails a running task.
 */
export function logToken(lines: readonly { log_id: number }[], after: number | undefined): string {
  return `log_pos:${lines.at(-1)?.log_id ?? after ?? 0}`;
}

/**
 * The position a continuation token names: undefined without a token (the whole log), `'end'` for the
 * token earlier versions gave (`end_of_log`: nothing more), and an unreadable token reads from the start.
 */
export function logPosition(token: string | undefined): number | 'end' | undefined {
  if (token === undefined || token === '') return undefined;
  if (token === LOG_END) return 'end';
  const match = LOG_POSITION.exec(token);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** A log as one text (v1's `content`). */
export function logText(lines: readonly LogLine[]): string {
  return lines
    .map(
      (line) => `[${line.logged_at.toISOString()}] {try ${line.try_number}} ${line.level} - ${line.message}`,
    )
    .join('\n');
}

/** A log as Airflow 3's structured messages (v2's `content`). */
export function logMessages(lines: readonly LogLine[]) {
  return lines.map((line) => ({
    event: line.message,
    timestamp: line.logged_at.toISOString(),
    level: line.level.toLowerCase(),
    try_number: line.try_number,
  }));
}

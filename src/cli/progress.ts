import { SingleBar } from 'cli-progress';

/** A progress bar on stderr; outside a terminal it prints a plain line now and then instead. */
export function createProgressBar(
  label: string,
  unit: string,
): { update(done: number, total: number): void; stop(): void } {
  if (process.stderr.isTTY !== true) {
    let lastShown = 0;
    let lastDone = -1;
    return {
      update(done, total) {
        if (done === lastDone) return;
        lastDone = done;
        if (done === total || Date.now() - lastShown > 2000) {
          lastShown = Date.now();
          process.stderr.write(`${label}: ${done}/${total} ${unit}\n`);
        }
      },
      stop() {},
    };
  }
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {duration_formatted}`,
    stream: process.stderr,
    hideCursor: true,
  });
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** A task attempt that ran past its `timeoutSeconds`. */
export class TaskTimeoutError extends Error {}

/** Resolves as `work` does, unless `seconds` pass first: then aborts the attempt's signal and rejects. */
export async function withTimeout<T>(
  work: Promise<T>,
  seconds: number | undefined,
  controller: AbortController,
): Promise<T> {
  if (seconds === undefined || seconds <= 0) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TaskTimeoutError(`timed out after ${seconds} s`);
      controller.abort(error);
      reject(error);
    }, seconds * 1000);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

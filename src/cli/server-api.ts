import { MlopsError, UnavailableError } from '../errors/index.js';
import { EXIT, reportFailure, serverUrl } from './context.js';

/** Calls the running server's API; a refused connection says to start it. */
export async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path, base), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    throw new UnavailableError(
      `no mlops server answers at ${base}: start it with \`mlops up\` (or give --url)`,
      { field: 'url' },
    );
  }
  const answer = (await response.json().catch(() => ({}))) as T & {
    error_code?: string;
    message?: string;
    field?: string;
  };
  if (!response.ok) {
    throw MlopsError.fromJSON({
      error_code: answer.error_code ?? 'MLOPS_ERR_INTERNAL',
      message: answer.message ?? `${method} ${path} answered HTTP ${response.status}`,
      ...(answer.field === undefined ? {} : { field: answer.field }),
    });
  }
  return answer;
}

/** Runs a server-side command body, reporting failures the house way. */
export async function remote(
  work: (base: string) => Promise<number | undefined>,
  url?: string,
): Promise<number> {
  try {
    return (await work(url ?? serverUrl())) ?? EXIT.OK;
  } catch (error) {
    return reportFailure(error);
  }
}

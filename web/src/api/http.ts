/** The API transport: the kept token, errors with the server's message, JSON in and out. */

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** The server's `error_code` (e.g. `MLOPS_ERR_AUTH_INVALID`), when it sent one. */
    readonly code?: string,
    /** When a refusal will pass (from `Retry-After`): the moment to try again. */
    readonly retryAt?: Date,
  ) {
    super(message);
  }
}

/**
 * Token-protected deployments (production mode): the API token the user signed in with is kept here and
 * sent as `Authorization: Bearer <token>` on every call. Without one (auth off, the loopback default)
 * nothing is sent and nothing changes.
 */
export const TOKEN_STORAGE_KEY = 'mlops.token';

export function storedToken(): string | undefined {
  try {
    const token = localStorage.getItem(TOKEN_STORAGE_KEY);
    return token === null || token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

/** Keeps the token, or forgets it (`undefined`). */
export function storeToken(token: string | undefined): void {
  try {
    if (token === undefined) localStorage.removeItem(TOKEN_STORAGE_KEY);
    else localStorage.setItem(TOKEN_STORAGE_KEY, token);
  } catch {
    // Storage refused (private mode, quota): the session lasts as long as the page.
  }
}

type AuthRequiredListener = (message: string) => void;
const authRequiredListeners = new Set<AuthRequiredListener>();

/**
 * Calls `listener` with the server's message whenever a call is refused for want of a valid token
 * (HTTP 401): the app shows the login then. Returns the unsubscribe function.
 */
export function onAuthRequired(listener: AuthRequiredListener): () => void {
  authRequiredListeners.add(listener);
  return () => authRequiredListeners.delete(listener);
}

/** A 401 to a call made with `usedToken`: forget that token (it is bad) and ask for a login. */
function authRequired(usedToken: string | undefined, message: string): void {
  // Signed out or in again while the call was on its way: the token now kept is not the refused one.
  if (usedToken !== storedToken()) return;
  storeToken(undefined);
  for (const listener of authRequiredListeners) listener(message);
}

interface CallOptions {
  /** Non-2xx statuses whose body is still the answer. */
  acceptStatuses?: number[];
  /**
   * A token check (the login's): sends `token` (none when undefined) rather than the kept one, and a 401
   * only throws, for the caller to handle.
   */
  check?: { token: string | undefined };
}

/** Sends one API request with the token; a refused one throws an ApiError with the server's message. */
async function send(path: string, init: RequestInit, options: CallOptions = {}): Promise<Response> {
  const isCheck = options.check !== undefined;
  const token = isCheck ? options.check?.token : storedToken();
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      headers: {
        accept: 'application/json',
        ...(init.headers as Record<string, string> | undefined),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
    });
  } catch {
    throw new ApiError('The platform server does not answer. Is `mlops up` running?', 0);
  }
  if (!response.ok && !(options.acceptStatuses ?? []).includes(response.status)) {
    const body = (await response.json().catch(() => undefined)) as
      | { message?: string; error_code?: string }
      | undefined;
    const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
    const error = new ApiError(
      body?.message ?? `${path} answered HTTP ${response.status}`,
      response.status,
      body?.error_code,
      Number.isFinite(retryAfter) ? new Date(Date.now() + retryAfter * 1000) : undefined,
    );
    if (response.status === 401 && !isCheck) authRequired(token, error.message);
    throw error;
  }
  return response;
}

/**
 * GETs a JSON document. `acceptStatuses` lists non-2xx statuses whose body is still the answer
 * (`/ready` answers 503 with the same report when a component is down).
 */
export async function getJson<T>(
  path: string,
  acceptStatuses: number[] = [],
  options: Pick<CallOptions, 'check'> = {},
): Promise<T> {
  const response = await send(path, { method: 'GET' }, { ...options, acceptStatuses });
  return (await response.json()) as T;
}

/** GETs a file (an artifact, a raw API answer) with the token, for the UI to hand to the user. */
export async function getBlob(path: string): Promise<Blob> {
  const response = await send(path, { method: 'GET', headers: { accept: '*/*' } });
  return response.blob();
}

/** POSTs JSON and returns the JSON answer; a non-2xx answer throws with the server's message. */
export async function postJson<T>(
  path: string,
  body: unknown,
  method: 'POST' | 'PATCH' = 'POST',
): Promise<T> {
  const response = await send(path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as T;
}

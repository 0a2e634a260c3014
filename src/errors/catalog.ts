/**
 * The one catalog of error codes. Codes are stable: clients and docs depend on them, so never rename one;
 * add a new code instead. Every code must be documented in docs/errors.md (a test checks this).
 */
export const ERROR_CATALOG = {
  MLOPS_ERR_REQUEST_VALIDATION: {
    status: 400,
    summary: 'A request body, query string or path parameter failed validation.',
  },
  MLOPS_ERR_REQUEST_MALFORMED_BODY: {
    status: 400,
    summary: 'The request body could not be parsed (for example malformed JSON).',
  },
  MLOPS_ERR_REQUEST_BODY_TOO_LARGE: {
    status: 413,
    summary: 'The request body is larger than the configured limit (MLOPS_BODY_LIMIT_BYTES).',
  },
  MLOPS_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    summary: 'The request Content-Type is not accepted by this route.',
  },
  MLOPS_ERR_ROUTE_NOT_FOUND: { status: 404, summary: 'No route matches the method and path.' },
  MLOPS_ERR_NOT_FOUND: { status: 404, summary: 'The requested resource does not exist.' },
  MLOPS_ERR_CONFLICT: { status: 409, summary: 'The request conflicts with the current state of a resource.' },
  MLOPS_ERR_CONFIG_INVALID: {
    status: 500,
    summary: 'A configuration variable has a bad value; start-up stops with exit code 2.',
  },
  MLOPS_ERR_HOME_LOCKED: {
    status: 409,
    summary: 'Another mlops process is using the same MLOPS_HOME with the embedded database.',
  },
  MLOPS_ERR_STORAGE_UNAVAILABLE: {
    status: 503,
    summary: 'The metadata database or the artifact store cannot be reached.',
  },
  MLOPS_ERR_STORAGE_CORRUPT: {
    status: 500,
    summary: 'Stored data cannot be read back as written (for example a damaged embedded database).',
  },
  MLOPS_ERR_ARTIFACT_KEY_INVALID: {
    status: 400,
    summary: 'An artifact key is empty, absolute, contains "..", or would escape the store root.',
  },
  MLOPS_ERR_ARTIFACT_NOT_FOUND: { status: 404, summary: 'No artifact is stored under the key.' },
  MLOPS_ERR_ARTIFACT_IMMUTABLE: {
    status: 403,
    summary:
      'The path holds files of a registered model version, which cannot be changed or deleted by anyone; register a new version.',
  },
  MLOPS_ERR_STORAGE_FULL: {
    status: 507,
    summary: 'The disk of the artifact store or the database is full; nothing of the request was kept.',
  },
  MLOPS_ERR_DATA_INVALID: {
    status: 400,
    summary: 'An input data file or response is malformed; the message names the file and line, or the URL.',
  },
  MLOPS_ERR_DATA_VALIDATION_FAILED: {
    status: 422,
    summary: 'A dataset failed a critical expectation; the validation report lists which.',
  },
  MLOPS_ERR_MODEL_ARTIFACT_INVALID: {
    status: 422,
    summary:
      'A stored model artifact (manifest or safetensors file) is damaged or does not match its manifest.',
  },
  MLOPS_ERR_MODEL_ARTIFACT_TAMPERED: {
    status: 422,
    summary:
      "A registered model version's file differs from the SHA-256 recorded at registration; it is not loaded.",
  },
  MLOPS_ERR_MODEL_NOT_LOADED: {
    status: 503,
    summary: 'No model is loaded for serving yet; the answer carries Retry-After.',
  },
  MLOPS_ERR_FEATURE_VIEW_IN_USE: {
    status: 409,
    summary:
      'An apply would remove a feature view that a feature service or on-demand view still uses; nothing was applied.',
  },
  MLOPS_ERR_FEATURES_NOT_BUILT: {
    status: 409,
    summary:
      'The feature store has nothing to read yet: no definitions applied, no valid build, or an input dataset missing.',
  },
  MLOPS_ERR_PIPELINE_PAUSED: {
    status: 409,
    summary: 'The pipeline is paused: unpause it before triggering a run.',
  },
  MLOPS_ERR_EVENT_INVALID: {
    status: 400,
    summary: 'The event does not match its topic’s schema; it was not published.',
  },
  MLOPS_ERR_EVENT_BUS_UNAVAILABLE: {
    status: 503,
    summary: 'The event bus (Kafka or Redis) cannot be reached; the event was not published.',
  },
  MLOPS_ERR_LOAD_SHEDDING: {
    status: 503,
    summary: 'The platform is overloaded and holds back non-critical work; retry after Retry-After.',
  },
  MLOPS_ERR_AUTH_REQUIRED: {
    status: 401,
    summary:
      'This route needs an API token (Authorization: Bearer <token>, or basic auth with the token as password).',
  },
  MLOPS_ERR_AUTH_INVALID: { status: 401, summary: 'The API token is malformed, unknown or revoked.' },
  MLOPS_ERR_FORBIDDEN: { status: 403, summary: "The token's role does not allow this route." },
  MLOPS_ERR_RATE_LIMITED: {
    status: 429,
    summary:
      'Too many requests with this token (or from this address) in the last minute; retry after Retry-After.',
  },
  MLOPS_ERR_TMDB_AUTH: {
    status: 502,
    summary: 'TMDB rejected the API key (HTTP 401): TMDB_API_KEY is wrong.',
  },
  MLOPS_ERR_TMDB_UNAVAILABLE: {
    status: 502,
    summary: 'TMDB kept failing (429, 5xx or network errors) after every retry.',
  },
  MLOPS_ERR_SHUTTING_DOWN: { status: 503, summary: 'The server is shutting down and takes no new requests.' },
  MLOPS_ERR_INTERNAL: { status: 500, summary: 'An unexpected error; the server log has the details.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

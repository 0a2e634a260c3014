/** Types of the server answers the UI reads; they mirror the zod schemas in src/server/routes. */
export interface ComponentHealth {
  name: string;
  status: 'up' | 'down';
  backend: string;
  location: string;
  latency_ms: number;
  detail: string;
}

export interface ReadyReport {
  status: 'ready' | 'not_ready';
  service: string;
  version: string;
  components: ComponentHealth[];
  timestamp: string;
}

export interface HealthReport {
  status: 'ok';
  service: string;
  version: string;
  uptime_seconds: number;
  timestamp: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * GETs a JSON document. `acceptStatuses` lists non-2xx statuses whose body is still the answer
 * (`/ready` answers 503 with the same report when a component is down).
 */
export async function getJson<T>(path: string, acceptStatuses: number[] = []): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { accept: 'application/json' } });
  } catch {
    throw new ApiError('The platform server does not answer. Is `mlops up` running?', 0);
  }
  if (!response.ok && !acceptStatuses.includes(response.status)) {
    const body = (await response.json().catch(() => undefined)) as { message?: string } | undefined;
    throw new ApiError(body?.message ?? `${path} answered HTTP ${response.status}`, response.status);
  }
  return (await response.json()) as T;
}

export const fetchReadiness = () => getJson<ReadyReport>('/ready', [503]);
export const fetchHealth = () => getJson<HealthReport>('/health');

export interface Movie {
  movie_id: number;
  title: string;
  overview: string;
  genres: string[];
  release_date: string | null;
  popularity: number;
  vote_average: number;
  vote_count: number;
  poster_url: string | null;
  source: string;
}

export interface MoviePage {
  movies: Movie[];
  pagination: { limit: number; offset: number; count: number; total: number; has_next: boolean };
}

export interface DatasetVersion {
  version_id: string;
  dataset: string;
  format: string;
  size_bytes: number;
  row_count: number | null;
  source: string;
  params: Record<string, unknown>;
  code_revision: string;
  is_valid: boolean | null;
  created_at: string;
  updated_at: string;
}

export const fetchMovies = (query: URLSearchParams) => getJson<MoviePage>(`/api/v1/movies?${query}`);
export const fetchGenres = () => getJson<{ genres: { genre: string; movies: number }[] }>('/api/v1/genres');
export const fetchDatasets = () => getJson<{ versions: DatasetVersion[] }>('/api/v1/datasets');

import { z } from 'zod';
import { MlopsError } from '../../errors/index.js';

const TmdbMovie = z.looseObject({
  id: z.number().int(),
  title: z.string(),
  overview: z.string().nullish(),
  genre_ids: z.array(z.number().int()).nullish(),
  genres: z.array(z.looseObject({ id: z.number().int(), name: z.string() })).nullish(),
  popularity: z.number().nullish(),
  vote_average: z.number().nullish(),
  vote_count: z.number().nullish(),
  release_date: z.string().nullish(),
  poster_path: z.string().nullish(),
});

const PopularPage = z.looseObject({
  page: z.number().int(),
  total_pages: z.number().int(),
  total_results: z.number().int().optional(),
  results: z.array(TmdbMovie),
});

const GenreList = z.looseObject({
  genres: z.array(z.looseObject({ id: z.number().int(), name: z.string() })),
});

export type TmdbMovie = z.infer<typeof TmdbMovie>;
export type TmdbPopularPage = z.infer<typeof PopularPage>;
export type TmdbGenreList = z.infer<typeof GenreList>;

export interface TmdbClientOptions {
  apiKey: string;
  /** Default `https://api.themoviedb.org/3`. */
  baseUrl?: string;
  /** Default `ko-KR`, as the reference crawler. */
  language?: string;
  /** Default `KR`, as the reference crawler. */
  region?: string;
  /** Requests started per second at most; default 20 (TMDB allows about 40–50). */
  requestsPerSecond?: number;
  /** Retries after a 429, a 5xx or a network failure; default 5. */
  maxRetries?: number;
  /** Per request; default 15 s. */
  timeoutMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * A client for the three TMDB v3 endpoints the crawler uses. It spaces requests to stay under the rate
 * limit, retries 429/5xx/network failures with exponential backoff (honouring `Retry-After`), validates
 * every body, and never puts the API key in an error message.
 */
export class TmdbClient {
  readonly language: string;
  readonly region: string;
  private readonly baseUrl: string;
  private readonly intervalMs: number;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private nextSlot = 0;

  constructor(private readonly options: TmdbClientOptions) {
    this.baseUrl = (options.baseUrl ?? 'https://api.themoviedb.org/3').replace(/\/+$/, '');
    this.language = options.language ?? 'ko-KR';
    this.region = options.region ?? 'KR';
    this.intervalMs = 1000 / (options.requestsPerSecond ?? 20);
    this.maxRetries = options.maxRetries ?? 5;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  /** `GET /movie/popular` for one page (TMDB serves pages 1–500). */
  popular(page: number, signal?: AbortSignal): Promise<TmdbPopularPage> {
    return this.get(
      '/movie/popular',
      { language: this.language, region: this.region, page: String(page) },
      PopularPage,
      signal,
    );
  }

  /** `GET /movie/{id}`: details, with `genres` as names. */
  movieDetails(id: number, signal?: AbortSignal): Promise<TmdbMovie> {
    return this.get(`/movie/${id}`, { language: this.language }, TmdbMovie, signal);
  }

  /** `GET /genre/movie/list`. */
  genres(signal?: AbortSignal): Promise<TmdbGenreList> {
    return this.get('/genre/movie/list', { language: this.language }, GenreList, signal);
  }

  private async get<T>(
    path: string,
    query: Record<string, string>,
    schema: z.ZodType<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries({ api_key: this.options.apiKey, ...query }))
      url.searchParams.set(key, value);
    const shown = `${path}?${Object.entries(query)
      .map(([key, value]) => `${key}=${value}`)
      .join('&')}`;

    let lastProblem = '';
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      signal?.throwIfAborted();
      await this.waitForSlot();
      try {
        return await this.fetchOnce(url, shown, schema, signal);
      } catch (error) {
        if (!(error instanceof RetryableError)) throw error;
        lastProblem = error.message;
        if (attempt === this.maxRetries) break;
        const backoff = Math.min(30_000, 500 * 2 ** attempt) * (0.8 + 0.4 * this.random());
        await this.sleep(error.retryAfterMs ?? Math.round(backoff));
      }
    }
    throw new MlopsError(
      'MLOPS_ERR_TMDB_UNAVAILABLE',
      `TMDB ${shown} still failing after ${this.maxRetries} retries: ${lastProblem}; run the crawl again later, it resumes`,
    );
  }

  private async fetchOnce<T>(
    url: URL,
    shown: string,
    schema: z.ZodType<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        headers: { accept: 'application/json' },
      });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new RetryableError(
        `network error (${cause?.code ?? cause?.message ?? (error as Error).message})`,
      );
    }
    if (response.status === 401) {
      throw new MlopsError(
        'MLOPS_ERR_TMDB_AUTH',
        'TMDB rejected the API key (HTTP 401): check TMDB_API_KEY',
        { field: 'TMDB_API_KEY' },
      );
    }
    if (response.status === 429 || response.status >= 500) {
      throw new RetryableError(
        `HTTP ${response.status}`,
        parseRetryAfter(response.headers.get('retry-after')),
      );
    }
    if (!response.ok) {
      throw new MlopsError(
        'MLOPS_ERR_DATA_INVALID',
        `TMDB ${shown} answered HTTP ${response.status}: ${text.slice(0, 200)}`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // A body shorter than announced was cut in transit: worth another try. Otherwise it is malformed.
      const announced = Number(response.headers.get('content-length') ?? Number.NaN);
      if (Number.isFinite(announced) && Buffer.byteLength(text) < announced)
        throw new RetryableError('response body cut short');
      throw new MlopsError(
        'MLOPS_ERR_DATA_INVALID',
        `TMDB ${shown} returned malformed JSON: ${JSON.stringify(text.slice(0, 80))}`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MlopsError(
        'MLOPS_ERR_DATA_INVALID',
        `TMDB ${shown} returned an unexpected body: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`,
      );
    }
    return parsed.data;
  }

  /** Spaces request starts `intervalMs` apart, across concurrent callers. */
  private async waitForSlot(): Promise<void> {
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }
}

function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 300) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - Date.now()), 300_000);
}

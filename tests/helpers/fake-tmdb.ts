import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A scripted answer: a status with a JSON body, or a way to misbehave. */
export type FakeAnswer =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { cutMidBody: true }
  | { raw: string; status?: number };

const GENRES = [
  { id: 28, name: 'Action' },
  { id: 18, name: 'Drama' },
  { id: 35, name: 'Comedy' },
];

/** TMDB-shaped movie results: ids start at `page * 100`. */
export function popularPage(page: number, totalPages: number, perPage = 4) {
  return {
    page,
    total_pages: totalPages,
    total_results: totalPages * perPage,
    results: Array.from({ length: perPage }, (_, index) => ({
      adult: false,
      id: page * 100 + index,
      title: `영화 ${page}-${index}`,
      original_title: `Movie ${page}-${index}`,
      overview: `Overview of movie ${page}-${index}`,
      genre_ids: [GENRES[index % 3]?.id ?? 18],
      popularity: 1000 / (page * perPage + index),
      vote_average: 5 + (index % 5),
      vote_count: 100 * (index + 1),
      release_date: index === 3 ? '' : `2024-0${(index % 9) + 1}-15`,
      poster_path: `/poster-${page}-${index}.jpg`,
      original_language: 'ko',
    })),
  };
}

/**
 * A local HTTP server answering like TMDB's v3 API (popular pages, details, genres), from recorded-format
 * fixtures, with scripted failures per path. It counts requests per path and checks the API key.
 */
export class FakeTmdb {
  readonly requests = new Map<string, number>();
  readonly script = new Map<string, FakeAnswer[]>();
  totalPages = 5;
  apiKey = 'test-key';
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => this.answer(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    return `http://127.0.0.1:${address.port}/3`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Answers the next request(s) to `pathWithPage` (e.g. `/3/movie/popular?page=2`) with these, in order. */
  failNext(pathWithPage: string, ...answers: FakeAnswer[]): void {
    this.script.set(pathWithPage, [...(this.script.get(pathWithPage) ?? []), ...answers]);
  }

  count(pathWithPage: string): number {
    return this.requests.get(pathWithPage) ?? 0;
  }

  /** Returns true once answered (the value only lets branches end in `return this.send(...)`). */
  private answer(request: IncomingMessage, response: ServerResponse): boolean {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const key =
      url.pathname === '/3/movie/popular'
        ? `${url.pathname}?page=${url.searchParams.get('page')}`
        : url.pathname;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const scripted = this.script.get(key)?.shift();
    if (scripted !== undefined) return this.send(response, scripted);
    if (url.searchParams.get('api_key') !== this.apiKey) {
      return this.send(response, {
        status: 401,
        body: {
          status_code: 7,
          status_message: 'Invalid API key: You must be granted a valid key.',
          success: false,
        },
      });
    }
    if (url.pathname === '/3/genre/movie/list')
      return this.send(response, { status: 200, body: { genres: GENRES } });
    if (url.pathname === '/3/movie/popular') {
      const page = Number(url.searchParams.get('page'));
      if (page > 500)
        return this.send(response, {
          status: 400,
          body: { status_message: 'Invalid page: Pages start at 1 and max at 500.' },
        });
      return this.send(response, { status: 200, body: popularPage(page, this.totalPages) });
    }
    const details = /^\/3\/movie\/(\d+)$/.exec(url.pathname);
    if (details) {
      const id = Number(details[1]);
      const index = id % 100;
      return this.send(response, {
        status: 200,
        body: {
          id,
          title: `영화 ${Math.floor(id / 100)}-${index}`,
          overview: `Details of ${id}`,
          genres: [GENRES[index % 3], GENRES[(index + 1) % 3]],
          runtime: 100 + index,
          popularity: 1000 / id,
          vote_average: 6.5,
          vote_count: 42,
          release_date: '2023-05-01',
          poster_path: `/details-${id}.jpg`,
        },
      });
    }
    return this.send(response, {
      status: 404,
      body: { status_message: 'The resource you requested could not be found.' },
    });
  }

  private send(response: ServerResponse, answer: FakeAnswer): boolean {
    if ('cutMidBody' in answer) {
      const body = JSON.stringify(popularPage(1, this.totalPages));
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      });
      response.write(body.slice(0, Math.floor(body.length / 2)));
      setTimeout(() => response.socket?.destroy(), 5);
      return true;
    }
    if ('raw' in answer) {
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
      response.end(answer.raw);
      return true;
    }
    response.writeHead(answer.status, {
      'content-type': 'application/json;charset=utf-8',
      ...answer.headers,
    });
    response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    return true;
  }
}

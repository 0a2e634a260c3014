import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import { authService, hasRole, type Principal, requiredAccess } from '../auth/index.js';
import { ConfigError, MlopsError } from '../errors/index.js';
import type { Platform } from '../platform/index.js';
import { sendError } from './error-handler.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who made the request, when auth is on and the route is not public. */
    principal?: Principal;
  }
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** Whether this server checks tokens: `on`, or `auto` on an address beyond loopback. */
export function isAuthEnabled(platform: Platform): boolean {
  const { mode } = platform.config.auth;
  return mode === 'on' || (mode === 'auto' && !isLoopback(platform.config.server.host));
}

/**
 * Refuses to serve beyond loopback without protection: auth turned off, or on with no way to get in
 * (no token stored and no MLOPS_ADMIN_TOKEN).
 */
export async function assertSafeToListen(platform: Platform): Promise<void> {
  const { host } = platform.config.server;
  if (isLoopback(host)) return;
  if (platform.config.auth.mode === 'off')
    throw new ConfigError(
      `MLOPS_AUTH=off is only allowed on a loopback address, but MLOPS_HOST is ${host}: remove MLOPS_AUTH=off and create a token (mlops tokens create --name admin --role admin)`,
      { field: 'MLOPS_AUTH' },
    );
  if (platform.config.auth.adminToken !== undefined) return;
  if (!(await authService(platform).hasActiveToken()))
    throw new ConfigError(
      `MLOPS_HOST=${host} serves beyond this machine, so every route needs an API token, and none exists: create one first (mlops tokens create --name admin --role admin) or set MLOPS_ADMIN_TOKEN`,
      { field: 'MLOPS_HOST' },
    );
}

/** The token a request presents: Bearer or basic auth's password (never the URL: the stream takes a ticket). */
function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const [scheme, value = ''] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer') return value.trim();
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon < 0 ? decoded : decoded.slice(colon + 1);
    }
    return undefined;
  }
  return undefined;
}

const STREAM_ROUTE = '/api/v1/events/stream';

/** The live stream's `?ticket=` (EventSource cannot send headers), or `?access_token=` it no longer takes. */
function streamQuery(request: FastifyRequest): { ticket?: string; hasAccessToken: boolean } {
  if (request.routeOptions.url !== STREAM_ROUTE) return { hasAccessToken: false };
  const query = request.query as { ticket?: unknown; access_token?: unknown } | undefined;
  return {
    ...(typeof query?.ticket === 'string' ? { ticket: query.ticket } : {}),
    hasAccessToken: query?.access_token !== undefined,
  };
}

/**
 * The security headers Helmet sets, worked out once: with this configuration (no per-request nonces) they
 * are the same for every answer, so a request pays one `reply.headers()` instead of Helmet's middleware
 * chain (which the serving hot path felt).
 */
function securityHeaders(): Record<string, string> {
  const middleware = helmet({
    // The UI and the API docs load only their own scripts; charts set inline styles.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        connectSrc: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    // Plain-HTTP loopback use must keep working; HSTS belongs to the TLS terminator.
    strictTransportSecurity: false,
  });
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let error: unknown;
  middleware({} as never, response as never, (failure?: unknown) => {
    error = failure;
  });
  if (error !== undefined) throw error;
  return headers;
}

/**
 * Production-mode protection: security headers always; when auth is on, a token check on every route but
 * the public ones, per-token rate limits, and CORS when origins are configured.
 */
export async function registerSecurity(app: FastifyInstance, platform: Platform): Promise<void> {
  const { auth } = platform.config;
  const tokens = authService(platform);
  const headers = securityHeaders();
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  if (auth.corsOrigins.length > 0)
    await app.register(fastifyCors, {
      origin: auth.corsOrigins.includes('*') ? true : auth.corsOrigins,
      credentials: false,
      allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
    });
  if (!isAuthEnabled(platform)) return;

  // One limiter, applied by the auth hook itself so that refused requests count too: per verified token,
  // per address otherwise (a token id copied from a list cannot spend someone else's budget).
  let limit: ((request: FastifyRequest, reply: FastifyReply) => Promise<void>) | undefined;
  if (auth.rateLimitPerMinute > 0) {
    await app.register(fastifyRateLimit, { global: false });
    limit = app.rateLimit({
      max: auth.rateLimitPerMinute,
      timeWindow: auth.rateLimitWindowMs,
      keyGenerator: (request) =>
        request.principal === undefined ? `ip:${request.ip}` : `token:${request.principal.token_id}`,
      errorResponseBuilder: (_request, context) =>
        new MlopsError(
          'MLOPS_ERR_RATE_LIMITED',
          `more than ${context.max} requests in ${Math.round(auth.rateLimitWindowMs / 1000)} s: retry after ${Math.ceil(context.ttl / 1000)} s`,
          { retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)) },
        ),
    }) as (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (reply.sent) return;
    const routeUrl = request.routeOptions.url ?? 'unmatched';
    if (routeUrl === '/health' || routeUrl === '/ready') return;
    const access = requiredAccess(request.method, routeUrl, {
      isMetricsPublic: auth.isMetricsPublic,
      hasQuery: request.url.includes('?'),
      acceptsHtml: (request.headers.accept ?? '').includes('text/html'),
    });
    const stream = access === 'public' ? { hasAccessToken: false } : streamQuery(request);
    if (stream.hasAccessToken)
      return sendError(reply, request, 401, {
        error_code: 'MLOPS_ERR_AUTH_INVALID',
        message:
          'the stream no longer takes an API token in its URL (it would end up in browser history and logs): POST /api/v1/events/stream-ticket with your token, then open ?ticket=<ticket> within 60 s',
        field: 'querystring.access_token',
      });
    const header = access === 'public' ? undefined : presentedToken(request);
    const token = header ?? stream.ticket;
    const principal =
      token === undefined || token === ''
        ? undefined
        : header === undefined
          ? await tokens.redeemStreamTicket(token)
          : await tokens.verifyToken(header, auth.adminToken);
    if (principal !== undefined) request.principal = principal;
    await limit?.(request, reply);
    if (access === 'public') return;
    // Browsers ask for basic auth only where people browse: the API docs.
    const challenge = routeUrl.startsWith('/docs')
      ? 'Basic realm="movie-mlops", charset="UTF-8"'
      : 'Bearer realm="movie-mlops"';
    if (token === undefined || token === '') {
      reply.header('www-authenticate', challenge);
      return sendError(reply, request, 401, {
        error_code: 'MLOPS_ERR_AUTH_REQUIRED',
        message: `${request.method} ${routeUrl} needs an API token with the ${access} role: send Authorization: Bearer <token>`,
      });
    }
    if (principal === undefined) {
      reply.header('www-authenticate', challenge);
      return sendError(reply, request, 401, {
        error_code: 'MLOPS_ERR_AUTH_INVALID',
        message:
          header === undefined
            ? 'the stream ticket is unknown, expired or already used: ask for a new one (POST /api/v1/events/stream-ticket)'
            : 'the API token is malformed, unknown or revoked',
      });
    }
    if (!hasRole(principal.role, access))
      return sendError(reply, request, 403, {
        error_code: 'MLOPS_ERR_FORBIDDEN',
        message: `${request.method} ${routeUrl} needs the ${access} role; token ${principal.token_id} (${principal.name}) is ${principal.role}`,
      });
  });
}

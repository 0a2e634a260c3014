import type { Role } from './tokens.js';

export type Access = 'public' | Role;

// POST routes that only read: scoring, online features, searches (MLflow searches are POSTs).
const READING_POSTS = new Set([
  '/recommend',
  '/predict',
  '/similar',
  '/get-online-features',
  '/api/v1/features/batch',
  // A ticket to open the live stream, which itself needs only viewer.
  '/api/v1/events/stream-ticket',
]);

// Registry changes that move what is served (transitions, aliases, renames): admin, whatever the method.
const ADMIN_ROUTES = [
  /\/mlflow\/model-versions\/transition-stage$/,
  /\/mlflow\/registered-models\/alias$/,
  /\/mlflow\/registered-models\/rename$/,
  /^\/mlflow\/models\/stage-transition$/,
  /^\/mlflow\/models\/:name\/(promote-to-production|rollback)$/,
];
// Token management, reads included: who holds which token is the admins' business.
const ADMIN_ALWAYS = /^\/api\/v1\/auth\/tokens/;

/**
 * The role a route needs, from its method and template (so routes added later are covered without a
 * list to keep): reads need `viewer`, writes `editor`, deletes and registry transitions `admin`. Liveness,
 * readiness, the web UI's files and (when `isMetricsPublic`) `/metrics` are public.
 */
export function requiredAccess(
  method: string,
  routeUrl: string,
  options: { isMetricsPublic: boolean; hasQuery?: boolean; acceptsHtml?: boolean },
): Access {
  if (routeUrl === '/health' || routeUrl === '/ready') return 'public';
  if (routeUrl === '/metrics') return options.isMetricsPublic ? 'public' : 'viewer';
  if (ADMIN_ALWAYS.test(routeUrl)) return 'admin';
  // The web UI's files carry no data (it asks for a token itself); `GET /?k=` is the legacy top-k API.
  if (method === 'GET' || method === 'HEAD') {
    if (routeUrl === '/')
      return options.hasQuery !== true && options.acceptsHtml === true ? 'public' : 'viewer';
    if (routeUrl === '/*') return 'public';
    // Files of the UI and the docs (`/assets/index-3f2a.js`, `/favicon.svg`), never API routes.
    if (/\.[a-z0-9]+$/i.test(routeUrl) && !/^\/(api|ajax-api|mlflow)\//.test(routeUrl)) return 'public';
  }
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return 'viewer';
  if (ADMIN_ROUTES.some((pattern) => pattern.test(routeUrl))) return 'admin';
  if (method === 'DELETE' || /\/mlflow\/[\w-]+\/(delete|delete-tag|restore)$/.test(routeUrl)) return 'admin';
  if (
    method === 'POST' &&
    (READING_POSTS.has(routeUrl) || /\/mlflow\/[\w-]+\/(search|get-latest-versions)$/.test(routeUrl))
  )
    return 'viewer';
  return 'editor';
}

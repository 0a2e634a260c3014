import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The built React app: `web/dist`, the same relative place from `src/server` and `dist/server`. */
export const WEB_DIST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

/** Paths the UI never owns, so an unknown one there is an API 404, not the app. */
const API_PATHS = /^\/(api|docs|health|ready|metrics|mlflow|get-online-features)(\/|$|\?)/;

const MLFLOW_UI_PATH = /^\/mlflow\/?(\?|$)/;

/** What a browser gets at `/` when there is no build of the UI. */
export function sendUiNotBuilt(reply: FastifyReply): FastifyReply {
  return reply
    .code(503)
    .type('text/plain; charset=utf-8')
    .send('The web UI is not built. Run `npm run build` (npm install does it too), then restart.\n');
}

/**
 * Serves the web UI's files and deep links (any GET asking for HTML gets `index.html`, and the app routes
 * it). `/` itself belongs to whoever calls this: `app.ts` answers it (the UI, the seed guide's top-k JSON,
 * or `sendUiNotBuilt`). Resolves with whether a build was found.
 */
export async function registerWebUi(app: FastifyInstance, webDir = WEB_DIST_DIR): Promise<boolean> {
  const index = path.join(webDir, 'index.html');
  if (!existsSync(index)) return false;
  await app.register(fastifyStatic, {
    root: webDir,
    wildcard: false,
    // `/` is routed by the app: the UI for browsers, or the legacy top-k JSON when serving is on.
    index: false,
    schemaHide: true,
  });
  app.get('/*', { schema: { hide: true } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const isHtml = (request.headers.accept ?? '').includes('text/html');
    // An MLflow user's bookmark or habit (`/mlflow`): in a browser, our runs page rather than a JSON 404.
    if (isHtml && MLFLOW_UI_PATH.test(request.url)) return reply.redirect('/runs', 302);
    if (API_PATHS.test(request.url) || !isHtml) {
      return reply.callNotFound();
    }
    return reply.type('text/html; charset=utf-8').sendFile('index.html');
  });
  return true;
}

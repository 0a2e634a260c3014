import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Platform } from '../../platform/index.js';
import {
  deleteProxiedArtifact,
  listProxiedArtifacts,
  putProxiedArtifact,
  streamProxiedArtifact,
} from '../../tracking/artifact-proxy.js';
import { trackingService } from '../../tracking/index.js';
import { Empty, ProxiedArtifactList } from '../schemas/mlflow-api.js';
import { answerWithMlflowErrors } from './mlflow-errors.js';

/**
 * MLflow's artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/...`): the client uploads and downloads
 * run artifacts through the server, which keeps them in the platform's artifact store (local or S3).
 * Bodies stream straight through, so artifacts may be larger than the JSON body limit.
 */
export function mlflowArtifactRoutes(platform: Platform): FastifyPluginAsyncZod {
  const store = platform.artifacts;
  const tracking = trackingService(platform);
  return async (app) => {
    const instance = app as unknown as FastifyInstance;
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    answerWithMlflowErrors(instance);
    const prefix = '/api/2.0/mlflow-artifacts/artifacts';
    const hide = { tags: ['mlflow'], hide: false };

    app.put(
      `${prefix}/*`,
      { schema: { ...hide, summary: 'Upload an artifact (raw bytes)' } },
      async (request) => {
        const path = (request.params as { '*': string })['*'];
        const body = request.body as Readable | undefined;
        await tracking.assertArtifactWritable(path);
        await putProxiedArtifact(store, path, body ?? Buffer.alloc(0), request.headers['content-type']);
        return {};
      },
    );
    app.get(
      `${prefix}/*`,
      { schema: { ...hide, summary: 'Download an artifact' } },
      async (request, reply) => {
        const path = (request.params as { '*': string })['*'];
        if (path === '')
          return {
            files: await listProxiedArtifacts(
              store,
              String((request.query as { path?: string }).path ?? ''),
              '',
            ),
          };
        const { stream, size, contentType } = await streamProxiedArtifact(store, path);
        const name = path.split('/').at(-1) ?? 'artifact';
        return reply
          .header('content-type', contentType ?? 'application/octet-stream')
          .header('content-length', String(size))
          .header('content-disposition', attachmentDisposition(name))
          .send(stream);
      },
    );
    app.get(
      prefix,
      {
        schema: {
          ...hide,
          summary: 'List a directory of artifacts',
          querystring: z.object({ path: z.string().optional() }),
          response: { 200: ProxiedArtifactList },
        },
      },
      async (request): Promise<ProxiedArtifactList> => {
        const files = await listProxiedArtifacts(store, (request.query as { path?: string }).path ?? '', '');
        return files.length > 0 ? { files } : {};
      },
    );
    app.delete(
      `${prefix}/*`,
      { schema: { ...hide, summary: 'Delete an artifact or directory', response: { 200: Empty } } },
      async (request) => {
        const path = (request.params as { '*': string })['*'];
        await tracking.assertArtifactWritable(path);
        await deleteProxiedArtifact(store, path);
        return {};
      },
    );
  };
}

/**
 * `attachment` with the file name as RFC 6266 wants it: an ASCII fallback (`_` for anything else) for
 * old clients, and `filename*` in UTF-8 for the rest, so a name outside Latin-1 (`名前.txt`) downloads
 * under its own name instead of breaking the header.
 */
export function attachmentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name.replace(/\p{Surrogate}/gu, '\uFFFD')).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Platform } from '../../platform/index.js';
import { MAX_UPLOAD_PARTS, trackingService } from '../../tracking/index.js';
import { Empty, MultipartUpload, ServerInfo } from '../schemas/mlflow-api.js';
import { setMlflowErrorHandling } from './mlflow-errors.js';

const PREFIX = '/api/2.0/mlflow-artifacts/mpu';
const int = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);
const directory = z.object({ '*': z.string() });

/**
 * MLflow's multipart artifact upload through the proxy (`mpu/create|complete|abort/<directory>`): large
 * files go up in parts, each streamed on to the artifact store (S3 parts on S3). The part URLs the client
 * is given point back here, with the caller's own Authorization header, so roles apply to every part.
 */
export function mlflowMultipartRoutes(platform: Platform): FastifyPluginAsyncZod {
  const tracking = trackingService(platform);
  const store = platform.artifacts;
  return async (app) => {
    const instance = app as unknown as FastifyInstance;
    setMlflowErrorHandling(instance);
    // Parts are raw bytes of any (or no) type: they stream through unparsed.
    instance.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    const schema = (summary: string, body: z.ZodType, response: z.ZodType) => ({
      params: directory,
      body,
      tags: ['mlflow'],
      summary,
      response: { 200: response },
    });

    // What MLflow 3 clients ask before uploading: with multipart uploads on, large files go up in parts.
    for (const prefix of ['/api/3.0/mlflow', '/ajax-api/3.0/mlflow'])
      app.get(
        `${prefix}/server-info`,
        {
          schema: {
            tags: ['mlflow'],
            summary: 'What this server supports (MLflow 3)',
            hide: prefix !== '/api/3.0/mlflow',
            response: { 200: ServerInfo },
          },
        },
        async (): Promise<ServerInfo> => ({
          store_type: 'SqlStore',
          artifact_serving_enabled: true,
          multipart_uploads_enabled: true,
          multipart_downloads_enabled: false,
          workspaces_enabled: false,
        }),
      );
    app.post(
      `${PREFIX}/create/*`,
      {
        schema: schema(
          'Start a multipart upload of <directory>/<path>',
          z.object({ path: z.string().min(1), num_parts: int.pipe(z.number().min(1).max(MAX_UPLOAD_PARTS)) }),
          MultipartUpload,
        ),
      },
      async (request): Promise<MultipartUpload> => {
        const body = request.body as { path: string; num_parts: number };
        // A registered version's files are immutable: no multipart upload may start, or finish, under them.
        await tracking.assertArtifactWritable(`${(request.params as { '*': string })['*']}/${body.path}`);
        const base = `${request.protocol}://${request.host}`;
        const authorization = request.headers.authorization;
        return tracking.createProxiedUpload(
          store,
          {
            directory: (request.params as { '*': string })['*'],
            fileName: body.path,
            numParts: body.num_parts,
          },
          (uploadId, partNumber) => ({
            url: `${base}${PREFIX}/parts/${uploadId}/${partNumber}`,
            part_number: partNumber,
            headers:
              authorization === undefined ? {} : ({ Authorization: authorization } as Record<string, string>),
          }),
        );
      },
    );
    app.put(
      `${PREFIX}/parts/:upload_id/:part_number`,
      {
        schema: {
          params: z.object({ upload_id: z.string().regex(/^[0-9a-f]{32}$/), part_number: int }),
          tags: ['mlflow'],
          summary: 'Upload one part (raw bytes) of a multipart upload',
        },
      },
      async (request, reply) => {
        const params = request.params as { upload_id: string; part_number: number };
        const length = Number(request.headers['content-length']);
        const body = (request.body as Readable | undefined) ?? request.raw;
        const etag = await tracking.uploadProxiedPart(
          store,
          params.upload_id,
          params.part_number,
          body,
          Number.isSafeInteger(length) && length >= 0 ? length : undefined,
        );
        return reply.header('etag', etag).send({});
      },
    );
    app.post(
      `${PREFIX}/complete/*`,
      {
        schema: schema(
          'Finish a multipart upload: join the parts into the artifact',
          z.object({
            path: z.string().min(1),
            upload_id: z.string().min(1),
            parts: z.array(z.object({ part_number: int, etag: z.string(), url: z.string().nullish() })),
          }),
          Empty,
        ),
      },
      async (request) => {
        const body = request.body as {
          path: string;
          upload_id: string;
          parts: { part_number: number; etag: string }[];
        };
        await tracking.assertArtifactWritable(`${(request.params as { '*': string })['*']}/${body.path}`);
        await tracking.completeProxiedUpload(store, {
          directory: (request.params as { '*': string })['*'],
          fileName: body.path,
          uploadId: body.upload_id,
          parts: body.parts,
        });
        return {};
      },
    );
    app.post(
      `${PREFIX}/abort/*`,
      {
        schema: schema(
          'Abandon a multipart upload and its parts',
          z.object({ path: z.string().min(1), upload_id: z.string().min(1) }),
          Empty,
        ),
      },
      async (request) => {
        const body = request.body as { path: string; upload_id: string };
        await tracking.abortProxiedUpload(store, {
          directory: (request.params as { '*': string })['*'],
          fileName: body.path,
          uploadId: body.upload_id,
        });
        return {};
      },
    );
  };
}

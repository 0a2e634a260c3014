import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  LogController,
  type RawServerDefault,
} from 'fastify';
import { jsonSchemaTransform, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Automations } from '../automations/index.js';
import { EventBuffer } from '../events/index.js';
import type { FeatureStore } from '../features/index.js';
import type { Logger } from '../logging/index.js';
import { type PipelineEngine, RunActions } from '../pipelines/index.js';
import type { Platform } from '../platform/index.js';
import type { RecommendResponse, ServingService } from '../serving/index.js';
import { SERVICE_NAME, VERSION } from '../version.js';
import { registerErrorHandling, sendError } from './error-handler.js';
import { registerInputGuard } from './input-guard.js';
import { responseSerializer } from './response-serializer.js';
import { airflowV2Routes } from './routes/airflow-v2-routes.js';
import { authRoutes } from './routes/auth-routes.js';
import { dataRoutes } from './routes/data-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { featureRoutes } from './routes/feature-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { mlflowArtifactRoutes } from './routes/mlflow-artifact-routes.js';
import { mlflowLoggedModelRoutes } from './routes/mlflow-logged-model-routes.js';
import { mlflowMultipartRoutes } from './routes/mlflow-multipart-routes.js';
import { mlflowRegistryRoutes } from './routes/mlflow-registry-routes.js';
import { mlflowRoutes } from './routes/mlflow-routes.js';
import { monitoringRoutes } from './routes/monitoring-routes.js';
import { pipelineRoutes } from './routes/pipeline-routes.js';
import { registryRoutes } from './routes/registry-routes.js';
import { legacyTopK, servingRoutes } from './routes/serving-routes.js';
import { RunSearch } from './schemas/mlflow-api.js';
import { Predictions, Recommendations, SimilarAnswer } from './schemas/serving-api.js';
import { registerSecurity } from './security.js';
import { registerWebUi, sendUiNotBuilt, WEB_DIST_DIR } from './web-ui.js';

export type App = FastifyInstance<RawServerDefault, never, never, Logger, ZodTypeProvider> & {
  /** Set when shutdown begins: new requests are answered 503 while in-flight ones finish. */
  mlopsShutdown: { isShuttingDown: boolean };
  mlopsRoutes: { method: string; url: string }[];
};

export interface BuildAppOptions {
  /** Folder of the built web UI; defaults to `web/dist`. */
  webDir?: string;
  /** Recommendation serving: its routes, `GET /?k=` and the `model` readiness component. */
  serving?: ServingService;
  /** The feature store: Feast's online endpoint, the reference's feature routes and the registry. */
  features?: FeatureStore;
  /** Pipelines: Airflow's REST subset and the UI's pipeline pages. */
  pipelines?: { engine: PipelineEngine; executor: string };
  /** Stage 9's automations, shown (settings, recent actions, lag) by the events routes. */
  automations?: Automations;
  /** `serving`: only health and serving routes, for serving replicas (`mlops serve`). Default `all`. */
  surface?: 'all' | 'serving';
  /**
   * Fail an answer that its response schema would change (a field stripped): on under tests
   * (`NODE_ENV=test`), so every test that calls a route also checks the route's schema. Default off.
   */
  isResponseCheckStrict?: boolean;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);

/**
 * Assembles the HTTP application: validation, errors, request ids and logs, OpenAPI at `/docs`, the
 * capability routes and the web UI. It does not listen: `startServer()` does, and tests use `inject()`.
 */
export async function buildApp(platform: Platform, options: BuildAppOptions = {}): Promise<App> {
  const log = platform.logger.child({ component: 'HTTP', logger: 'mlops.server' });
  const app = Fastify({
    loggerInstance: log,
    bodyLimit: platform.config.server.bodyLimitBytes,
    // One line per request comes from the onResponse hook below, in the house format.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    return503OnClosing: false,
    trustProxy: platform.config.auth.isTrustProxy,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>() as unknown as App;

  app.decorate('mlopsShutdown', { isShuttingDown: false });
  // Every route, as registered: the security tests walk them all, so new routes are covered.
  const routes: { method: string; url: string }[] = [];
  app.decorate('mlopsRoutes', routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(
    responseSerializer({
      isStrict: options.isResponseCheckStrict ?? process.env.NODE_ENV === 'test',
      trusted: [Recommendations, Predictions, SimilarAnswer, RunSearch],
    }),
  );
  registerErrorHandling(app as unknown as FastifyInstance);

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    if (!app.mlopsShutdown.isShuttingDown) return done();
    reply.header('connection', 'close');
    sendError(reply, request, 503, {
      error_code: 'MLOPS_ERR_SHUTTING_DOWN',
      message: 'the server is shutting down; retry against another replica or after restart',
    });
  });
  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    // The route template, not the path, labels metrics: ids in paths must not multiply the series.
    const route = (request as { routeOptions?: { url?: string } }).routeOptions?.url ?? 'unmatched';
    if (route !== '/metrics')
      platform.metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    const entry = {
      action: 'REQUEST',
      method: request.method,
      path,
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (QUIET_PATHS.has(path) && reply.statusCode < 400) request.log.debug(entry, 'request');
    else request.log.info(entry, 'request');
  });

  await registerSecurity(app as unknown as FastifyInstance, platform);
  registerInputGuard(app as unknown as FastifyInstance);

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: `${SERVICE_NAME} API`,
        version: VERSION,
        description:
          'The movie-mlops platform: data, features, training, tracking, serving, monitoring, events.',
      },
      tags: [
        { name: 'platform', description: 'Health and readiness' },
        { name: 'data', description: 'The movie catalogue and versioned datasets (stages 1 and 3)' },
        {
          name: 'pipelines',
          description:
            'Pipelines through an Airflow-compatible REST subset: DAGs, runs, task instances (stage 5)',
        },
        {
          name: 'features',
          description: 'Online features (Feast-compatible), the feature registry and builds (stage 2)',
        },
        {
          name: 'serving',
          description: 'Recommendations, scores, similar movies, feedback, A/B split (stage 7)',
        },
        { name: 'auth', description: 'API tokens and roles (production mode)' },
        { name: 'events', description: 'Events, triggers, the live stream and automations (stage 9)' },
        {
          name: 'mlflow',
          description: 'MLflow-compatible tracking API for the official mlflow client (stage 6)',
        },
      ],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes(platform));
  await app.register(authRoutes(platform));
  await app.register(monitoringRoutes(platform, { isServing: options.serving !== undefined }));
  const serving = options.serving;
  if (serving !== undefined) {
    const served = servedEvents(platform);
    // After the server stops taking requests: what is still buffered is published before storage closes.
    app.addHook('onClose', () => served.stop());
    await app.register(
      servingRoutes(serving, {
        onServed: announcer(served),
        onRetracted: async (retracted) => {
          const bus = await platform.events();
          await bus.publish('user-events', {
            type: 'feedback.retracted',
            source: 'serving',
            data: {
              feedback_id: retracted.feedback_id,
              user_id: retracted.user_id,
              movie_id: retracted.movie_id,
              interaction_type: retracted.interaction_type,
              rating: retracted.rating,
              variant: retracted.variant,
              model_name: retracted.model_name,
              model_version: retracted.model_version,
              given_at: retracted.created_at.toISOString(),
            },
          });
        },
      }),
    );
  }
  if (options.features !== undefined)
    await app.register(featureRoutes(platform, options.features, { surface: options.surface ?? 'all' }));
  if (options.surface === 'serving') {
    registerRoot(app, serving, { isUiSurface: false, webDir: undefined });
    return app;
  }
  await app.register(dataRoutes(platform));
  await app.register(eventRoutes(platform, { automations: options.automations, serving }));
  if (options.pipelines !== undefined) {
    const { engine, executor } = options.pipelines;
    const actions = new RunActions(engine);
    await app.register(pipelineRoutes(engine, actions, executor));
    await app.register(airflowV2Routes(engine, actions, executor));
  }
  await app.register(mlflowRoutes(platform));
  await app.register(mlflowLoggedModelRoutes(platform));
  await app.register(mlflowArtifactRoutes(platform));
  await app.register(mlflowMultipartRoutes(platform));
  await app.register(mlflowRegistryRoutes(platform));
  await app.register(registryRoutes(platform));
  const hasUi = await registerWebUi(app as unknown as FastifyInstance, options.webDir);
  registerRoot(app, serving, {
    isUiSurface: true,
    webDir: hasUi ? (options.webDir ?? WEB_DIST_DIR) : undefined,
  });
  return app;
}

/**
 * `GET /`, registered here once: the web UI for browsers (they ask for HTML) — or word that it is not
 * built — and the seed guide's top-k JSON (`GET /?k=10`) for curl and API clients when serving is on.
 */
function registerRoot(
  app: App,
  serving: ServingService | undefined,
  ui: { isUiSurface: boolean; webDir: string | undefined },
): void {
  const topK = serving === undefined ? undefined : legacyTopK(serving);
  if (topK === undefined && !ui.isUiSurface) return;
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const accept = (request.headers as Record<string, string | undefined>).accept ?? '';
    if (ui.isUiSurface && (accept.includes('text/html') || topK === undefined)) {
      if (ui.webDir === undefined) return sendUiNotBuilt(reply as unknown as FastifyReply);
      if (accept.includes('text/html'))
        return reply.type('text/html; charset=utf-8').sendFile('index.html', ui.webDir);
      return reply.callNotFound();
    }
    if (topK === undefined) return reply.callNotFound();
    const answer = await topK(request.query);
    if (answer.error !== undefined) {
      return sendError(reply, request, 400, {
        error_code: 'MLOPS_ERR_REQUEST_VALIDATION',
        message: answer.error.message,
        field: answer.error.field,
      });
    }
    return answer.result;
  });
}

/** The bounded buffer served lists go through to movie-recommendations (MLOPS_SERVED_EVENTS_*). */
function servedEvents(platform: Platform): EventBuffer<'movie-recommendations'> {
  const { sampleRate, capacity, maxPerSecond } = platform.config.events.servedEvents;
  return new EventBuffer(() => platform.events(), {
    topic: 'movie-recommendations',
    capacity,
    sampleRate,
    maxPerSecond,
    // PGlite runs an insert on this thread: five smaller batches a second keep each pause short (p99).
    flushIntervalMs: 200,
    metrics: platform.metrics,
    logger: platform.logger,
  });
}

/**
 * Announces each served list on movie-recommendations. The request only pushes onto the buffer: it
 * never waits for, pays a database write for, or fails with the bus.
 */
function announcer(buffer: EventBuffer<'movie-recommendations'>) {
  return (answer: RecommendResponse, latencyMs: number) => {
    buffer.offer({
      type: 'recommendation.served',
      source: 'serving',
      data: {
        user_id: answer.user_id,
        movie_ids: answer.recommendations.map((movie) => movie.movie_id),
        model_name: answer.model.name,
        model_version: answer.model.version,
        variant: answer.model.variant,
        latency_ms: Math.round(latencyMs * 1000) / 1000,
      },
    });
  };
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MlopsError } from '../../errors/index.js';
import { movieIdSchema, userIdParam, userIdSchema } from '../../identity/index.js';
import { INTERACTION_TYPES, type RecommendResponse, type ServingService } from '../../serving/index.js';
import {
  AbReport,
  FeedbackHistory,
  FeedbackRecorded,
  FeedbackRetracted,
  ModelInfo,
  MovieAudience,
  Predictions,
  Recommendations,
  SimilarAnswer,
  SimilarMovies,
} from '../schemas/serving-api.js';
import { withErrors } from '../schemas/wire.js';

const k = z.number().int().min(1).max(100).default(10).describe('how many movies (1–100)');
const genres = z
  .array(z.string().min(1).max(100))
  .max(30)
  .optional()
  .describe('only movies of any of these genres');
// Small bodies: these routes take ids, never documents.
const BODY_LIMIT = 64 * 1024;

/**
 * Recommendation serving (stage 7): top-k for a user, scores, similar movies, feedback, the served model
 * and the A/B split. Every answer names the model version and variant that produced it.
 */
export function servingRoutes(
  serving: ServingService,
  options: {
    onServed?: (answer: RecommendResponse, latencyMs: number) => void;
    /** Records an undone feedback (as `feedback.retracted` on user-events); awaited, the undo is rare. */
    onRetracted?: (retracted: Awaited<ReturnType<ServingService['retractFeedback']>>) => Promise<void>;
  } = {},
): FastifyPluginAsyncZod {
  const served = (answer: RecommendResponse, started: number) => {
    options.onServed?.(answer, performance.now() - started);
    return answer;
  };
  return async (app) => {
    app.addHook('onClose', async () => {
      await serving.stop();
    });

    app.get(
      '/api/v1/recommendations',
      {
        schema: {
          tags: ['serving'],
          summary:
            'Top-k movies for a user (a user never seen gets the cold-start list; no user_id: the popular list)',
          querystring: z.object({
            user_id: userIdParam.optional(),
            k: z.coerce.number().int().min(1).max(100).default(10).describe('how many movies (1–100)'),
            exclude_seen: z
              .enum(['true', 'false'])
              .default('true')
              .transform((value) => value === 'true')
              .describe('leave out movies the user already watched'),
            genres: z
              .string()
              .max(1000)
              .optional()
              .describe('comma-separated genres: only movies of any of them'),
          }),
          response: withErrors({ 200: Recommendations }),
        },
      },
      async (request) => {
        const started = performance.now();
        return served(
          await serving.recommendFor({
            user: request.query.user_id ?? null,
            k: request.query.k,
            excludeSeen: request.query.exclude_seen,
            ...(request.query.genres === undefined
              ? {}
              : {
                  genres: request.query.genres
                    .split(',')
                    .map((genre) => genre.trim())
                    .filter(Boolean),
                }),
          }),
          started,
        );
      },
    );

    app.post(
      '/recommend',
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          tags: ['serving'],
          summary: 'Top-k movies for a user, optionally within genres',
          body: z.object({
            user_id: userIdSchema,
            k,
            exclude_seen: z.boolean().default(true).describe('leave out movies the user already watched'),
            genres,
          }),
          response: withErrors({ 200: Recommendations }),
        },
      },
      async (request) => {
        const started = performance.now();
        return served(
          await serving.recommendFor({
            user: request.body.user_id,
            k: request.body.k,
            excludeSeen: request.body.exclude_seen,
            ...(request.body.genres === undefined ? {} : { genres: request.body.genres }),
          }),
          started,
        );
      },
    );

    app.post(
      '/predict',
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          tags: ['serving'],
          summary: 'Scores of given movies for a user; unknown movie ids are listed, the rest still scored',
          body: z.object({
            user_id: userIdSchema,
            movie_ids: z.array(movieIdSchema).min(1).max(1000).describe('1–1000 movie ids'),
          }),
          response: withErrors({ 200: Predictions }),
        },
      },
      async (request) => serving.predict(request.body.user_id, request.body.movie_ids),
    );

    app.post(
      '/similar',
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          tags: ['serving'],
          summary: 'Movies most like a movie (by the served model’s item similarity)',
          body: z.object({ movie_id: movieIdSchema, k }),
          response: withErrors({ 200: SimilarAnswer }),
        },
      },
      async (request) => serving.similar(request.body.movie_id, request.body.k),
    );

    app.post(
      '/api/v1/feedback',
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          tags: ['serving'],
          summary: 'Record a user’s feedback; their next recommendations reflect it at once',
          body: z.object({
            user_id: userIdSchema,
            movie_id: movieIdSchema,
            interaction_type: z
              .enum(INTERACTION_TYPES)
              .describe('watch, like, click, rating (positive); dislike, skip (hide the movie)'),
            rating: z
              .number()
              .min(0)
              .max(10)
              .nullable()
              .optional()
              .describe('0–10, for interaction_type rating'),
          }),
          response: withErrors({ 201: FeedbackRecorded }),
        },
      },
      async (request, reply) => {
        const stored = await serving.feedback({
          user: request.body.user_id,
          movieId: request.body.movie_id,
          type: request.body.interaction_type,
          rating: request.body.rating ?? null,
        });
        return reply.code(201).send({ ...stored, status: 'recorded' });
      },
    );

    app.delete(
      '/api/v1/feedback/:user_id/:feedback_id',
      {
        schema: {
          tags: ['serving'],
          summary:
            'Undo a feedback: it stops counting at once, and its withdrawal is recorded as feedback.retracted on user-events',
          params: z.object({ user_id: userIdParam, feedback_id: z.string().min(1).max(100) }),
          response: withErrors({ 200: FeedbackRetracted }),
        },
      },
      async (request) => {
        const retracted = await serving.retractFeedback(request.params.user_id, request.params.feedback_id);
        await options.onRetracted?.(retracted);
        return retracted;
      },
    );

    app.get(
      '/api/v1/movies/:movie_id/similar',
      {
        schema: {
          tags: ['serving'],
          summary:
            'Movies most like a movie (the UI’s movie page): an empty list with the reason when the model cannot say',
          params: z.object({ movie_id: z.coerce.number().int().min(1).max(2_147_483_647) }),
          querystring: z.object({ k: z.coerce.number().int().min(1).max(100).default(12) }),
          response: withErrors({ 200: SimilarMovies }),
        },
      },
      async (request) => {
        try {
          return { ...serving.similar(request.params.movie_id, request.query.k), note: null };
        } catch (error) {
          // Not known to the model, or no model served yet: the page says why instead of failing.
          if (!(error instanceof MlopsError)) throw error;
          return {
            movie_id: request.params.movie_id,
            similar: [],
            count: 0,
            model: null,
            note: error.message,
          };
        }
      },
    );

    app.get(
      '/api/v1/movies/:movie_id/audience',
      {
        schema: {
          tags: ['serving'],
          summary: 'Who watched or rated a movie: watches in the watch log and the latest standing feedback',
          params: z.object({ movie_id: z.coerce.number().int().min(1).max(2_147_483_647) }),
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
          response: withErrors({ 200: MovieAudience }),
        },
      },
      async (request) => serving.movieAudience(request.params.movie_id, request.query.limit),
    );

    app.get(
      '/api/v1/feedback/:user_id',
      {
        schema: {
          tags: ['serving'],
          summary: 'A user’s feedback, newest first',
          params: z.object({ user_id: userIdParam }),
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
          response: withErrors({ 200: FeedbackHistory }),
        },
      },
      async (request) => serving.feedbackHistory(request.params.user_id, request.query.limit),
    );

    app.get(
      '/api/v1/model/info',
      {
        schema: {
          tags: ['serving'],
          summary: 'The served model versions (champion, challenger) and their metrics',
          response: withErrors({ 200: ModelInfo }),
        },
      },
      async () => {
        const info = serving.modelInfo();
        return { ...info, status: info.status === 'loaded' ? ('loaded' as const) : ('not_loaded' as const) };
      },
    );

    app.get(
      '/api/v1/experiments/ab',
      {
        schema: {
          tags: ['serving'],
          summary: 'The A/B split: per-variant requests, users and online feedback rates',
          response: withErrors({ 200: AbReport }),
        },
      },
      async () => serving.abReport(),
    );
  };
}

/** The seed guide's legacy call `GET /?k=10` (for clients that do not ask for HTML). */
export function legacyTopK(serving: ServingService) {
  const query = z.object({
    k: z.coerce.number().int().min(1).max(100).default(10),
    user_id: userIdParam.optional(),
  });
  return async (raw: unknown) => {
    const parsed = query.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        error: {
          field: `querystring.${String(issue?.path[0] ?? 'k')}`,
          message: `querystring.${String(issue?.path[0] ?? 'k')}: ${issue?.message ?? 'is invalid'}`,
        },
      };
    }
    // Without a user: an anonymous visitor, who gets the cold-start list.
    const response = await serving.recommendFor({
      user: parsed.data.user_id ?? null,
      k: parsed.data.k,
      excludeSeen: true,
    });
    return {
      result: {
        recommended_content_id: response.recommendations.map((movie) => movie.movie_id),
        k: parsed.data.k,
        ...response,
        user_id: parsed.data.user_id ?? null,
      },
    };
  };
}

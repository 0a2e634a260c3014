import { z } from 'zod';
import { isoDateTime } from './wire.js';

/** A user id as the caller gave it: a number or a string id. */
export const UserId = z.union([z.number(), z.string()]);

export const FeedbackType = z.enum(['watch', 'like', 'click', 'rating', 'dislike', 'skip']);
export type FeedbackType = z.input<typeof FeedbackType>;

/** A movie in an answer, with its score. */
export const Recommendation = z.object({
  movie_id: z.number(),
  title: z.string(),
  genres: z.array(z.string()),
  year: z.number().nullable(),
  poster_url: z.string().nullable(),
  score: z.number(),
});
export type Recommendation = z.input<typeof Recommendation>;

/** The model that answered; `baseline` while no model is promoted (the popularity stand-in). */
export const ServedBy = z.object({
  name: z.string(),
  version: z.string(),
  variant: z.enum(['champion', 'challenger', 'baseline']),
  algorithm: z.string(),
});
export type ServedBy = z.input<typeof ServedBy>;

export const Strategy = z.enum(['model', 'fold-in', 'history', 'popular-within-taste', 'popular']);

export const Recommendations = z.object({
  /** The id as the caller gave it: a number, a string id, or null for an anonymous visitor. */
  user_id: UserId.nullable(),
  recommendations: z.array(Recommendation),
  count: z.number(),
  model: ServedBy,
  strategy: Strategy,
  cached: z.boolean(),
});
export type Recommendations = z.input<typeof Recommendations>;

export const Predictions = z.object({
  user_id: UserId,
  predictions: z.array(z.object({ movie_id: z.number(), score: z.number(), title: z.string() })),
  unknown: z.array(z.object({ movie_id: z.number(), reason: z.string() })),
  model: ServedBy,
  strategy: Strategy,
});
export type Predictions = z.input<typeof Predictions>;

export const SimilarAnswer = z.object({
  movie_id: z.number(),
  similar: z.array(Recommendation),
  count: z.number(),
  model: ServedBy,
});

export const SimilarMovie = Recommendation;
export type SimilarMovie = z.input<typeof SimilarMovie>;

/** `GET /api/v1/movies/:id/similar`: an empty list and the reason when the model cannot say. */
export const SimilarMovies = SimilarAnswer.extend({
  model: ServedBy.nullable(),
  /** Why the list is empty (the model does not know the movie, or none is served yet); null otherwise. */
  note: z.string().nullable(),
});
export type SimilarMovies = z.input<typeof SimilarMovies>;

/** A stored feedback, with the caller's user id. */
const StoredFeedback = z.object({
  feedback_id: z.string(),
  user_id: UserId,
  movie_id: z.number(),
  interaction_type: z.string(),
  rating: z.number().nullable(),
  variant: z.string(),
  model_name: z.string(),
  model_version: z.string(),
  created_at: isoDateTime,
});

export const FeedbackRecorded = StoredFeedback.extend({
  interaction_type: FeedbackType,
  positive: z.boolean(),
  status: z.literal('recorded'),
});
export type FeedbackRecorded = z.input<typeof FeedbackRecorded>;

export const FeedbackRetracted = StoredFeedback.extend({
  retracted_at: isoDateTime,
  status: z.literal('retracted'),
});
export type FeedbackRetracted = z.input<typeof FeedbackRetracted>;

export const FeedbackRecord = StoredFeedback;
export type FeedbackRecord = z.input<typeof FeedbackRecord>;

export const FeedbackHistory = z.object({
  user_id: UserId,
  feedback_count: z.number(),
  feedback_history: z.array(StoredFeedback),
});
export type FeedbackHistory = z.input<typeof FeedbackHistory>;

export const MovieAudience = z.object({
  movie_id: z.number(),
  /** How many users watched it in the watch log the served model came from. */
  watches_in_log: z.number(),
  feedback_count: z.number(),
  feedback: z.array(
    z.object({
      user_id: UserId,
      interaction_type: z.string(),
      rating: z.number().nullable(),
      created_at: isoDateTime,
    }),
  ),
});
export type MovieAudience = z.input<typeof MovieAudience>;

export const ServedModelInfo = z.object({
  name: z.string(),
  version: z.string(),
  algorithm: z.string(),
  run_id: z.string(),
  stage: z.string(),
  aliases: z.array(z.string()),
  dataset_version: z.string(),
  hyperparameters: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.number()),
  users: z.number(),
  items: z.number(),
  loaded_at: z.string(),
  load_seconds: z.number(),
  /** The approximate top-k index the version is served from; null when every movie is scored. */
  item_index: z
    .object({
      kind: z.literal('ivf'),
      lists: z.number(),
      probes: z.number(),
      recall_at_10: z.number(),
      calibration_users: z.number(),
      build_seconds: z.number(),
    })
    .nullable(),
});
export type ServedModelInfo = z.input<typeof ServedModelInfo>;

/** `GET /api/v1/model/info`: the served versions and their metrics. */
export const ModelInfo = z.object({
  model_name: z.string(),
  champion: ServedModelInfo.nullable(),
  challenger: ServedModelInfo.nullable(),
  challenger_percent: z.number(),
  status: z.enum(['loaded', 'not_loaded']),
  detail: z.string().nullable(),
  catalogue_size: z.number(),
  cache: z.object({ size: z.number(), max: z.number(), ttl_seconds: z.number() }).nullable(),
});
export type ModelInfo = z.input<typeof ModelInfo>;

/** `GET /api/v1/experiments/ab`: per-variant requests, users and online feedback. */
export const AbReport = z.object({
  enabled: z.boolean(),
  challenger_percent: z.number(),
  assignment: z.string(),
  variants: z.array(
    z.object({
      variant: z.string(),
      model: z.object({ name: z.string(), version: z.string(), algorithm: z.string() }).nullable(),
      requests: z.number(),
      users: z.number(),
      /** Feedback counts by interaction type, and their total. */
      feedback: z.object({ total: z.number() }).catchall(z.number()),
      feedback_rate: z.number(),
      positive_rate: z.number(),
    }),
  ),
});
export type AbReport = z.input<typeof AbReport>;

export { bucketOf } from './ab-traffic.js';
export { bootstrapModel } from './bootstrap.js';
export { type MovieDetails, ServingCatalogue } from './catalogue.js';
export { type PositiveFeedback, positiveFeedbackSince } from './feedback-log.js';
export type { Strategy, Variant } from './served-model.js';
export { ServingService } from './serving-service.js';
export type { RecommendRequest, RecommendResponse } from './serving-types.js';
export { INTERACTION_TYPES, type InteractionType } from './user-histories.js';

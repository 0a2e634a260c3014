import type { ExternalUserId } from '../identity/index.js';
import type { BASELINE } from './baseline.js';
import type { MovieDetails } from './catalogue.js';
import type { Strategy, Variant } from './served-model.js';

/** What a recommendation request and its answer hold, as the serving service and its routes see them. */

export interface RecommendRequest {
  /** The user's integer key (UNKNOWN_USER_KEY for a user never seen). */
  userId: number;
  /** The id the caller gave (echoed in the answer, and what the A/B split hashes); null: anonymous. */
  externalId?: ExternalUserId | null;
  k: number;
  excludeSeen: boolean;
  genres?: string[];
}

export interface Recommendation extends MovieDetails {
  score: number;
}

export interface ServedBy {
  name: string;
  version: string;
  /** `baseline`: no model is promoted yet and the first start's popularity stand-in answered. */
  variant: Variant | typeof BASELINE;
  algorithm: string;
}

export interface RecommendResponse {
  user_id: ExternalUserId | null;
  recommendations: Recommendation[];
  count: number;
  model: ServedBy;
  /** How the list was made: the model's user vector, ALS fold-in, history, or popularity. */
  strategy: Strategy;
  cached: boolean;
}

import type { Migration } from 'kysely';
import * as platformMeta from './0001-platform-meta.js';
import * as datasetsLineageMovies from './0002-datasets-lineage-movies.js';
import * as tracking from './0003-tracking.js';
import * as modelRegistry from './0004-model-registry.js';
import * as feedback from './0005-feedback.js';
import * as featureStore from './0006-feature-store.js';
import * as pipelines from './0007-pipelines.js';
import * as alerts from './0008-alerts.js';
import * as events from './0009-events.js';
import * as apiTokens from './0010-api-tokens.js';
import * as userIdentities from './0011-user-identities.js';
import * as artifactHashesStreamTickets from './0013-artifact-hashes-stream-tickets.js';

/**
 * Every migration, in order. Names are `NNNN-<what>`; never edit one that has shipped: add the next.
 * They are listed here rather than read from the folder so the compiled package needs no file scanning.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-platform-meta': platformMeta,
  '0002-datasets-lineage-movies': datasetsLineageMovies,
  '0003-tracking': tracking,
  '0004-model-registry': modelRegistry,
  '0005-feedback': feedback,
  '0006-feature-store': featureStore,
  '0007-pipelines': pipelines,
  '0008-alerts': alerts,
  '0009-events': events,
  '0010-api-tokens': apiTokens,
  '0011-user-identities': userIdentities,
  '0013-artifact-hashes-stream-tickets': artifactHashesStreamTickets,
};

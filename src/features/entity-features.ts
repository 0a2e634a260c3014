import { NotFoundError, ValidationError } from '../errors/index.js';
import type { FeatureStatus, OnlineFeatureServer } from './online-features.js';

/** One entity's features as the reference API shows them (`GET /api/v1/features/movie/{id}`). */
export interface EntityFeatures {
  entity_id: number | string;
  found: boolean;
  features: Record<string, unknown>;
  statuses: Record<string, FeatureStatus>;
}

/**
 * The seed guide's short feature names (`POST /api/v1/features/batch {"features": ["rating", "popularity",
 * "genre"]}`), per entity, mapped onto ours. Our own names always win.
 */
export const FEATURE_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  movie: { rating: 'vote_average', genre: 'genres', year: 'release_year', votes: 'vote_count' },
  user: { rating: 'avg_rating', genre: 'genre_preference', watch_count: 'watch_count_total' },
};

/**
 * Reads entities' online features by short names: each asked name resolved to `view:feature` (a seed-guide
 * alias such as `rating` too), answered under the name as asked.
 */
export async function readEntityFeatures(
  online: OnlineFeatureServer,
  entityType: string,
  ids: (number | string)[],
  features?: string[],
): Promise<{ feature_names: string[]; rows: EntityFeatures[] }> {
  const registry = await online.currentRegistry();
  const entity = registry.entities.find((item) => item.name === entityType);
  if (entity === undefined) {
    throw new NotFoundError(
      `unknown entity type "${entityType}" (known: ${registry.entities.map((item) => item.name).join(', ') || 'none'})`,
      { field: 'entity_type' },
    );
  }
  const views = registry.featureViews.filter(
    (view) => view.entities.length === 1 && view.entities[0] === entityType,
  );
  const available = views.flatMap((view) =>
    view.schema.map((field) => ({ view: view.name, feature: field.name })),
  );
  // What each requested name is answered under: the name as asked (a guide alias such as `rating` too).
  let refs: string[];
  let labels: string[] | undefined;
  if (features === undefined || features.length === 0) {
    refs = available.map((item) => `${item.view}:${item.feature}`);
  } else {
    labels = features;
    refs = features.map((asked) => {
      if (asked.includes(':')) return asked;
      const alias = FEATURE_ALIASES[entityType]?.[asked];
      const isOurs = available.some((item) => item.feature === asked);
      const name = isOurs || alias === undefined ? asked : alias;
      const matches = available.filter((item) => item.feature === name);
      if (matches.length === 0) {
        const aliases = Object.keys(FEATURE_ALIASES[entityType] ?? {});
        throw new ValidationError(
          `unknown ${entityType} feature "${asked}" (known: ${[...new Set(available.map((item) => item.feature))].join(', ')}${aliases.length > 0 ? `; short names: ${aliases.join(', ')}` : ''})`,
          {
            field: 'features',
          },
        );
      }
      if (matches.length > 1) {
        throw new ValidationError(
          `feature "${name}" is in several views (${matches.map((item) => item.view).join(', ')}): write view:feature`,
          { field: 'features' },
        );
      }
      return `${matches[0]?.view}:${name}`;
    });
  }
  const response = await online.getOnlineFeatures({
    features: refs,
    entities: { [entity.joinKey]: ids },
    fullFeatureNames: true,
  });
  const names = response.metadata.feature_names.slice(1);
  const outputNames =
    labels ??
    names.map((name) => {
      const [view = '', feature = ''] = name.split('__');
      const clash = names.filter((other) => other.split('__')[1] === feature).length > 1;
      return clash ? `${view}:${feature}` : feature;
    });
  const rows = ids.map((id, row) => {
    const values: Record<string, unknown> = {};
    const statuses: Record<string, FeatureStatus> = {};
    let found = false;
    outputNames.forEach((name, index) => {
      const result = response.results[index + 1];
      values[name] = result?.values[row] ?? null;
      statuses[name] = result?.statuses[row] ?? 'NOT_FOUND';
      if (statuses[name] !== 'NOT_FOUND') found = true;
    });
    return { entity_id: id, found, features: values, statuses };
  });
  return { feature_names: outputNames, rows };
}

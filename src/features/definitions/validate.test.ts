import { describe, expect, it } from 'vitest';
import { BUILTIN_FEATURES } from './builtin.js';
import { defineFeatures, type FeatureDefinitions, featureService, featureView } from './types.js';
import { validateDefinitions } from './validate.js';

const scores = featureView({
  name: 'movie_scores',
  entities: ['movie'],
  schema: [{ name: 'score', dtype: 'float64' }],
  source: { inputs: ['timeline'], query: 'select * from timeline', timestampField: 'event_timestamp' },
});

function withBuiltins(extra: Partial<FeatureDefinitions>): FeatureDefinitions {
  return defineFeatures({
    entities: [...BUILTIN_FEATURES.entities, ...(extra.entities ?? [])],
    featureViews: [...BUILTIN_FEATURES.featureViews, ...(extra.featureViews ?? [])],
    onDemandFeatureViews: [...BUILTIN_FEATURES.onDemandFeatureViews, ...(extra.onDemandFeatureViews ?? [])],
    featureServices: [...BUILTIN_FEATURES.featureServices, ...(extra.featureServices ?? [])],
  });
}

function problemsOf(definitions: FeatureDefinitions): string {
  try {
    validateDefinitions(definitions);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the definitions were accepted');
}

describe('feature definition validation', () => {
  it('accepts the built-in definitions and a well-formed addition', () => {
    expect(validateDefinitions(BUILTIN_FEATURES).featureViews.map((view) => view.name)).toEqual([
      'movie_catalogue',
      'movie_activity',
      'user_activity',
      'user_recommendations',
    ]);
    expect(() => validateDefinitions(withBuiltins({ featureViews: [scores] }))).not.toThrow();
  });

  it('refuses duplicate names, naming them', () => {
    const message = problemsOf(
      withBuiltins({
        featureViews: [scores, { ...scores }, { ...scores, name: 'movie_catalogue' }],
        featureServices: [featureService({ name: 'movie_profile', features: ['movie_scores'] })],
      }),
    );
    expect(message).toContain('feature view "movie_scores" is defined twice');
    expect(message).toContain('feature view "movie_catalogue" is defined twice');
    expect(message).toContain('feature service "movie_profile" is defined twice');
  });

  it('refuses a view without a timestamp field, naming the path', () => {
    const broken = {
      ...scores,
      source: { inputs: ['timeline'], query: 'select 1' },
    } as unknown as typeof scores;
    const message = problemsOf(withBuiltins({ featureViews: [broken] }));
    expect(message).toMatch(/featureViews\[4\]\.source\.timestampField: must be a name/);
  });

  it('reports every broken reference and bad type at once', () => {
    const message = problemsOf(
      withBuiltins({
        featureViews: [
          { ...scores, entities: ['film'] },
          featureView({ ...scores, name: 'typed', schema: [{ name: 'x', dtype: 'float32' as 'float64' }] }),
        ],
        featureServices: [
          featureService({ name: 'broken', features: ['movie_catalogue:nope', 'no_such_view'] }),
        ],
      }),
    );
    expect(message).toContain('featureViews[5].schema[0].dtype: must be one of int64');
    // The shape problem is reported first; fix it and the reference problems show.
    const references = problemsOf(
      withBuiltins({
        featureViews: [{ ...scores, entities: ['film'] }],
        featureServices: [
          featureService({ name: 'broken', features: ['movie_catalogue:nope', 'no_such_view'] }),
        ],
      }),
    );
    expect(references).toContain('featureViews[4] (movie_scores).entities: unknown entity "film"');
    expect(references).toContain('feature view movie_catalogue has no feature "nope"');
    expect(references).toContain('"no_such_view" names no feature view');
  });

  it('refuses a feature named like a join key or the timestamp field', () => {
    const message = problemsOf(
      withBuiltins({
        featureViews: [
          {
            ...scores,
            schema: [
              { name: 'movie_id', dtype: 'int64' },
              { name: 'score', dtype: 'float64' },
            ],
          },
        ],
      }),
    );
    expect(message).toContain('"movie_id" is a join key or the timestamp field, not a feature');
  });
});

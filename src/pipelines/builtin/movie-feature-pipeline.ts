import { MlopsError } from '../../errors/index.js';
import { definePipeline } from '../definition.js';
import { withFeatureStore } from './shared.js';

/** Stage 2 as a pipeline: build every view → check the builds → materialize what is new. */
export const movieFeaturePipeline = definePipeline({
  id: 'movie_feature_pipeline',
  description:
    'Apply the feature definitions, build the feature views, validate the builds and materialize them incrementally',
  schedule: '0 3 * * *',
  tags: ['features', 'stage2'],
  tasks: [
    {
      id: 'build',
      retries: 1,
      async run({ platform, log }) {
        return withFeatureStore(platform, async (store) => {
          const plan = await store.apply(await store.definitionsInCode());
          const changed = plan.filter((change) => change.change !== 'unchanged');
          if (changed.length > 0)
            log.info(`registry: ${changed.map((change) => `${change.change} ${change.name}`).join(', ')}`);
          const builds = await store.build({
            onView: (view) => log.info(`building ${view}`),
            onPass: (view, pass, passes) => log.info(`building ${view}: pass ${pass}/${passes}`),
          });
          return builds.map((build) => ({
            feature_view: build.feature_view,
            build_id: build.build_id,
            rows: build.row_count,
            valid: build.validation.passed,
          }));
        });
      },
    },
    {
      id: 'validate',
      dependsOn: ['build'],
      async run({ upstream }) {
        const builds = upstream.build as { feature_view: string; valid: boolean }[];
        const invalid = builds.filter((build) => !build.valid).map((build) => build.feature_view);
        if (invalid.length > 0)
          throw new MlopsError(
            'MLOPS_ERR_DATA_VALIDATION_FAILED',
            `invalid feature builds: ${invalid.join(', ')}`,
          );
        return { valid: builds.length };
      },
    },
    {
      id: 'materialize',
      dependsOn: ['validate'],
      async run({ platform, log }) {
        return withFeatureStore(platform, async (store) => {
          const results = await store.materialize({ incremental: true });
          for (const result of results)
            log.info(`${result.feature_view}: ${result.rows} entities (${result.mode})`);
          return results.map((result) => ({
            feature_view: result.feature_view,
            mode: result.mode,
            rows: result.rows,
          }));
        });
      },
    },
  ],
});

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MlopsError, ValidationError } from '../../errors/index.js';
import { announcePromotion } from '../../events/index.js';
import type { Platform } from '../../platform/index.js';
import { DEFAULT_POLICY, parseThreshold, registryService, trackingService } from '../../tracking/index.js';
import {
  ExperimentCreated,
  ExperimentList,
  ModelComparison,
  ModelList,
  ModelTimeline,
  PromotionAnswer,
  RollbackAnswer,
  StageTransition,
} from '../schemas/registry-api.js';
import { withErrors } from '../schemas/wire.js';

const ModelName = z.object({ name: z.string().min(1).max(256) });
const versionNumber = z.union([
  z.string().regex(/^\d+$/, { error: 'must be a version number' }),
  z.number().int().positive().transform(String),
]);

/**
 * The reference system's convenience endpoints under `/mlflow/...` (experiments, models, stage
 * transitions, promote-to-production), with our promotion policy behind promotion, plus compare and
 * rollback. Errors use the platform's `{error_code, message}` format.
 */
export function registryRoutes(platform: Platform): FastifyPluginAsyncZod {
  const tracking = trackingService(platform);
  const registry = registryService(platform);
  const announce = (name: string, version: string, previous: string | null, reasons: string | string[]) =>
    announcePromotion(() => platform.events(), platform.logger, 'api', {
      model_name: name,
      version,
      previous_version: previous,
      reasons: [reasons].flat(),
    });
  return async (app) => {
    app.get(
      '/mlflow/experiments',
      {
        schema: {
          tags: ['registry'],
          summary: 'Active experiments',
          response: withErrors({ 200: ExperimentList }),
        },
      },
      async () => {
        const { experiments } = await tracking.searchExperiments({
          viewType: 'ACTIVE_ONLY',
          maxResults: 1000,
        });
        return { experiments, count: experiments.length };
      },
    );

    app.post(
      '/mlflow/experiments',
      {
        schema: {
          tags: ['registry'],
          summary:
            'Create an experiment; one of that name already there is answered as it is (200, status already_exists)',
          body: z.object({
            name: z.string().min(1).max(500),
            description: z
              .string()
              .max(5000)
              .optional()
              .describe('kept as the mlflow.note.content tag, as MLflow does'),
            artifact_location: z.string().optional(),
            tags: z.record(z.string(), z.string()).optional(),
          }),
          response: withErrors({ 200: ExperimentCreated, 201: ExperimentCreated }),
        },
      },
      async (request, reply) => {
        const { name, description, artifact_location, tags } = request.body;
        // The reference's convenience route is idempotent, so a guide can be run twice; MLflow's own
        // experiments/create keeps answering 409.
        const existing = await tracking.getExperimentByName(name).catch(() => undefined);
        if (existing !== undefined && existing.lifecycle_stage === 'active') {
          if (description !== undefined)
            await tracking.setExperimentTag(existing.experiment_id, 'mlflow.note.content', description);
          return reply.code(200).send({
            experiment: await tracking.getExperiment(existing.experiment_id),
            status: 'already_exists',
          });
        }
        const id = await tracking.createExperiment({
          name,
          ...(artifact_location ? { artifactLocation: artifact_location } : {}),
          tags: [
            ...Object.entries(tags ?? {}).map(([key, value]) => ({ key, value })),
            ...(description === undefined ? [] : [{ key: 'mlflow.note.content', value: description }]),
          ],
        });
        return reply.code(201).send({ experiment: await tracking.getExperiment(id) });
      },
    );

    app.get(
      '/mlflow/models',
      {
        schema: {
          tags: ['registry'],
          summary: 'Registered models with their latest versions and aliases',
          response: withErrors({ 200: ModelList }),
        },
      },
      async () => {
        const { models } = await registry.searchRegisteredModels({ maxResults: 1000 });
        return { models, count: models.length };
      },
    );

    app.get(
      '/mlflow/models/:name',
      {
        schema: {
          tags: ['registry'],
          summary: 'A registered model, every version and its change history',
          params: ModelName,
          response: withErrors({ 200: ModelTimeline }),
        },
      },
      async (request) => {
        const model = await registry.getRegisteredModel(request.params.name);
        const versions = await registry.listModelVersions(model.name);
        return { ...model, versions, history: await registry.listTransitions(model.name) };
      },
    );

    app.post(
      '/mlflow/models/stage-transition',
      {
        schema: {
          tags: ['registry'],
          summary: 'Move a version to a stage (None, Staging, Production, Archived)',
          body: z.object({
            model_name: z.string().min(1),
            version: z.union([z.string().regex(/^\d+$/), z.number().int().positive().transform(String)]),
            stage: z.enum(['None', 'Staging', 'Production', 'Archived']),
            archive_existing_versions: z.boolean().default(true),
            description: z.string().max(2000).optional(),
          }),
          response: withErrors({ 200: StageTransition }),
        },
      },
      async (request) => {
        const reason = request.body.description ?? 'stage transition through /mlflow/models/stage-transition';
        const model_version = await registry.transitionStage({
          name: request.body.model_name,
          version: request.body.version,
          stage: request.body.stage,
          archiveExisting: request.body.archive_existing_versions,
          actor: 'api',
          reason,
        });
        // Without a champion alias, serving follows the newest Production version.
        if (request.body.stage === 'Production')
          await announce(request.body.model_name, request.body.version, null, reason);
        return { model_version };
      },
    );

    app.post(
      '/mlflow/models/:name/promote-to-production',
      {
        schema: {
          tags: ['registry'],
          summary:
            'Promote a version to champion if the promotion policy allows (409 with the reasons if not)',
          params: ModelName,
          querystring: z.object({
            version: versionNumber.optional().describe('the version (or give it in the body)'),
          }),
          body: z
            .object({
              version: versionNumber.optional().describe('the version (or give it in the query string)'),
              description: z.string().max(2000).optional().describe('why: recorded with the change'),
              metric: z.string().min(1).optional(),
              lower_is_better: z.boolean().optional(),
              min_improvement: z.number().finite().optional(),
              thresholds: z.array(z.string()).max(20).optional(),
              force: z.boolean().optional(),
              reason: z.string().max(2000).optional(),
            })
            .nullish(),
          response: withErrors({ 200: PromotionAnswer }),
        },
      },
      async (request) => {
        const body = request.body ?? {};
        const wanted = request.query.version ?? body.version;
        if (wanted === undefined)
          throw new ValidationError('give the version to promote, in the body or the query string', {
            field: 'body.version',
          });
        // Promoting the champion again changes nothing: say so rather than refuse (the guide does this).
        const current = await registry.getRegisteredModel(request.params.name);
        if (current.aliases.some((entry) => entry.alias === 'champion' && entry.version === wanted))
          return {
            model_version: await registry.getModelVersion(request.params.name, wanted),
            decision: { isPromoted: false as const, reasons: [`version ${wanted} is already the champion`] },
            status: 'already_champion' as const,
          };
        const decision = await registry.decidePromotion(request.params.name, wanted, {
          metric: body.metric ?? DEFAULT_POLICY.metric,
          isHigherBetter: body.lower_is_better !== true,
          minImprovement: body.min_improvement ?? DEFAULT_POLICY.minImprovement,
          thresholds: (body.thresholds ?? []).map(parseThreshold),
        });
        if (!decision.isPromoted && body.force !== true) {
          throw new MlopsError(
            'MLOPS_ERR_CONFLICT',
            `version ${wanted} was not promoted: ${decision.reasons.join('; ')}`,
            { field: request.query.version === undefined ? 'body.version' : 'query.version' },
          );
        }
        const reason = body.reason ?? body.description ?? 'promote-to-production';
        const version = await registry.promote(request.params.name, wanted, {
          actor: 'api',
          reason: decision.isPromoted ? reason : `FORCED: ${reason}`,
        });
        await announce(request.params.name, wanted, decision.champion ?? null, decision.reasons);
        return { model_version: version, decision };
      },
    );

    app.post(
      '/mlflow/models/:name/rollback',
      {
        schema: {
          tags: ['registry'],
          summary: 'Give the champion alias back to the previous champion',
          params: ModelName,
          body: z.object({ reason: z.string().max(2000).optional() }).nullish(),
          response: withErrors({ 200: RollbackAnswer }),
        },
      },
      async (request) => {
        const reason = request.body?.reason ?? 'rollback through the API';
        const done = await registry.rollback(request.params.name, { actor: 'api', reason });
        await announce(request.params.name, done.to, done.from, `rollback: ${reason}`);
        return done;
      },
    );

    app.get(
      '/mlflow/models/:name/compare',
      {
        schema: {
          tags: ['registry'],
          summary: 'Versions side by side: stage, aliases, params and metrics of their runs',
          params: ModelName,
          querystring: z.object({
            versions: z
              .string()
              .regex(/^\d+(,\d+)*$/, { error: 'must be version numbers separated by commas' })
              .optional(),
          }),
          response: withErrors({ 200: ModelComparison }),
        },
      },
      async (request) => {
        const name = request.params.name;
        const chosen = request.query.versions?.split(',');
        const versions = (await registry.versionsWithRuns(name, chosen)).map(({ version, run }) => ({
          version: version.version,
          current_stage: version.current_stage,
          aliases: version.aliases,
          run_id: version.run_id,
          params: Object.fromEntries(run?.data.params.map((param) => [param.key, param.value]) ?? []),
          metrics: Object.fromEntries(
            run?.data.metrics.map((metric) => [
              metric.key,
              Number.isFinite(metric.value) ? metric.value : String(metric.value),
            ]) ?? [],
          ),
        }));
        return { name, versions };
      },
    );
  };
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PipelineEngine, RunActions } from '../../pipelines/index.js';
import { SERVICE_NAME, VERSION } from '../../version.js';
import {
  AirflowHealth,
  AirflowVersion,
  Dag,
  DagDetails,
  DagList,
  DagTaskList,
} from '../schemas/pipeline-api.js';
import { toProblemDetails } from './airflow-errors.js';
import { filterDags, summaryOf } from './airflow-lookups.js';
import { dagId, flag } from './airflow-params.js';
import { dagDetailV1, dagV1, healthInfo, taskV1 } from './airflow-shapes.js';
import { registerV1RunRoutes } from './pipeline-run-routes.js';

/**
 * Pipelines (stage 5) through Airflow 2's stable REST API (`/api/v1`, the 2.x `apache-airflow-client`):
 * DAGs with filters, details and pause, DAG runs (trigger, mark, clear, delete), task instances (get,
 * clear, mark) and their logs, health and version, with Airflow's field and state names. Errors carry
 * Airflow's problem-details fields. Shapes are shared with `/api/v2` (airflow-shapes.ts).
 */
export function pipelineRoutes(
  engine: PipelineEngine,
  actions: RunActions,
  executor: string,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onSend', async (request, reply, payload) => toProblemDetails(request, reply, payload));

    app.get(
      '/api/v1/dags',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'Pipelines (Airflow DAGs) with pause state, schedule and last run; filters as Airflow 2',
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            offset: z.coerce.number().int().min(0).default(0),
            order_by: z.enum(['dag_id', '-dag_id', 'next_dagrun', '-next_dagrun']).optional(),
            dag_id_pattern: z.string().max(250).optional(),
            tags: z.union([z.string(), z.array(z.string())]).optional(),
            only_active: flag.default(true),
            paused: flag.optional(),
          }),
          response: { 200: DagList },
        },
      },
      async (request) => {
        const query = request.query;
        const dags = filterDags(await engine.summaries(), {
          dagIdPattern: query.dag_id_pattern,
          tags: query.tags === undefined ? undefined : [query.tags].flat(),
          paused: query.paused,
          onlyActive: query.only_active,
          orderBy: query.order_by,
        });
        return {
          dags: dags.slice(query.offset, query.offset + query.limit).map(dagV1),
          total_entries: dags.length,
        };
      },
    );

    app.get(
      '/api/v1/dags/:dag_id',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'One pipeline',
          params: z.object({ dag_id: dagId }),
          response: { 200: Dag },
        },
      },
      async (request) => dagV1(await summaryOf(engine, request.params.dag_id)),
    );

    app.get(
      '/api/v1/dags/:dag_id/details',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'One pipeline with its settings (Airflow DAGDetail)',
          params: z.object({ dag_id: dagId }),
          response: { 200: DagDetails },
        },
      },
      async (request) => dagDetailV1(await summaryOf(engine, request.params.dag_id)),
    );

    app.get(
      '/api/v1/dags/:dag_id/tasks',
      {
        schema: {
          tags: ['pipelines'],
          summary: "A pipeline's tasks and their dependencies",
          params: z.object({ dag_id: dagId }),
          response: { 200: DagTaskList },
        },
      },
      async (request) => {
        const definition = engine.definition(request.params.dag_id);
        const tasks = definition.tasks.map((task) => taskV1(definition.tasks, task));
        return { tasks, total_entries: tasks.length };
      },
    );

    app.patch(
      '/api/v1/dags/:dag_id',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'Pause or unpause a pipeline',
          params: z.object({ dag_id: dagId }),
          querystring: z.object({ update_mask: z.string().optional() }),
          body: z.object({ is_paused: z.boolean() }),
          response: { 200: Dag },
        },
      },
      async (request) => {
        await engine.setPaused(request.params.dag_id, request.body.is_paused);
        return dagV1(await summaryOf(engine, request.params.dag_id));
      },
    );

    registerV1RunRoutes(app, engine, actions, executor);

    app.get(
      '/api/v1/health',
      {
        schema: {
          tags: ['pipelines'],
          summary: "Airflow's health: metadata database and scheduler",
          response: { 200: AirflowHealth },
        },
      },
      async () => healthInfo(actions),
    );

    app.get(
      '/api/v1/version',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'The server version (ours, not an Airflow release)',
          response: { 200: AirflowVersion },
        },
      },
      async () => ({ version: VERSION, git_version: SERVICE_NAME }),
    );
  };
}

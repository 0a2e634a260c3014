import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../errors/index.js';
import type { PipelineEngine, RunActions } from '../../pipelines/index.js';
import { VERSION } from '../../version.js';
import {
  DagDetailsV2,
  DagListV2,
  DagV2,
  HealthV2,
  TaskListV2,
  TaskV2,
  VersionV2,
} from '../schemas/airflow-v2-api.js';
import { toFastApiError } from './airflow-errors.js';
import { filterDags, summaryOf } from './airflow-lookups.js';
import { dagId, flag, list, page, taskId } from './airflow-params.js';
import { healthInfo } from './airflow-shapes.js';
import { registerV2RunRoutes } from './airflow-v2-run-routes.js';
import { dagDetailsV2, dagV2, taskV2 } from './airflow-v2-shapes.js';

/**
 * Pipelines through Airflow 3's REST API (`/api/v2`, the 3.x `apache-airflow-client`): DAGs (list with
 * filters, get, details, pause), DAG runs (list, get, trigger with conf, mark, note, clear, delete), task
 * instances (list, get, clear, mark), logs by try, tasks, health and version. Errors are FastAPI's
 * `{"detail": ...}`, a request that fails its schema a 422 whose `loc` names the field.
 */
export function airflowV2Routes(
  engine: PipelineEngine,
  actions: RunActions,
  executor: string,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onSend', async (_request, reply, payload) => toFastApiError(reply, payload));
    app.get(
      '/api/v2/dags',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'Pipelines as Airflow 3 DAGs, with its filters (id pattern, tags, paused)',
          querystring: z.object({
            ...page,
            tags: list(z.string()),
            tags_match_mode: z.enum(['any', 'all']).default('any'),
            dag_id_pattern: z.string().max(250).optional(),
            dag_display_name_pattern: z.string().max(250).optional(),
            exclude_stale: flag.default(true),
            paused: flag.optional(),
            order_by: z.enum(['dag_id', '-dag_id', 'next_dagrun', '-next_dagrun']).optional(),
          }),
          response: { 200: DagListV2 },
        },
      },
      async (request) => {
        const query = request.query;
        const dags = filterDags(await engine.summaries(), {
          dagIdPattern: query.dag_id_pattern ?? query.dag_display_name_pattern,
          tags: query.tags === undefined ? undefined : [query.tags].flat(),
          tagsMatchAll: query.tags_match_mode === 'all',
          paused: query.paused,
          orderBy: query.order_by,
        });
        return {
          dags: dags.slice(query.offset, query.offset + query.limit).map(dagV2),
          total_entries: dags.length,
        };
      },
    );

    app.get(
      '/api/v2/dags/:dag_id',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'One DAG (Airflow 3)',
          params: z.object({ dag_id: dagId }),
          response: { 200: DagV2 },
        },
      },
      async (request) => dagV2(await summaryOf(engine, request.params.dag_id)),
    );

    app.get(
      '/api/v2/dags/:dag_id/details',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'One DAG with its settings (Airflow 3)',
          params: z.object({ dag_id: dagId }),
          response: { 200: DagDetailsV2 },
        },
      },
      async (request) => {
        const summary = await summaryOf(engine, request.params.dag_id);
        const active = await engine.runs(summary.definition.id, { limit: 1, states: ['running'] });
        return dagDetailsV2(summary, active.total);
      },
    );

    app.patch(
      '/api/v2/dags/:dag_id',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'Pause or unpause a DAG (Airflow 3)',
          params: z.object({ dag_id: dagId }),
          querystring: z.object({ update_mask: list(z.enum(['is_paused'])) }),
          body: z.object({ is_paused: z.boolean() }),
          response: { 200: DagV2 },
        },
      },
      async (request) => {
        await engine.setPaused(request.params.dag_id, request.body.is_paused);
        return dagV2(await summaryOf(engine, request.params.dag_id));
      },
    );

    app.get(
      '/api/v2/dags/:dag_id/tasks',
      {
        schema: {
          tags: ['pipelines'],
          summary: "A DAG's tasks (Airflow 3)",
          params: z.object({ dag_id: dagId }),
          querystring: z.object({ order_by: z.enum(['task_id', '-task_id']).optional() }),
          response: { 200: TaskListV2 },
        },
      },
      async (request) => {
        const definition = engine.definition(request.params.dag_id);
        const tasks = definition.tasks.map((task) => taskV2(definition.tasks, task));
        if (request.query.order_by !== undefined) {
          const sign = request.query.order_by.startsWith('-') ? -1 : 1;
          tasks.sort((a, b) => a.task_id.localeCompare(b.task_id) * sign);
        }
        return { tasks, total_entries: tasks.length };
      },
    );

    app.get(
      '/api/v2/dags/:dag_id/tasks/:task_id',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'One task of a DAG (Airflow 3)',
          params: z.object({ dag_id: dagId, task_id: taskId }),
          response: { 200: TaskV2 },
        },
      },
      async (request) => {
        const definition = engine.definition(request.params.dag_id);
        const task = definition.tasks.find((item) => item.id === request.params.task_id);
        if (task === undefined)
          throw new NotFoundError(`pipeline ${definition.id} has no task ${request.params.task_id}`, {
            field: 'task_id',
          });
        return taskV2(definition.tasks, task);
      },
    );

    registerV2RunRoutes(app, engine, actions, executor);

    app.get(
      '/api/v2/monitor/health',
      {
        schema: {
          tags: ['pipelines'],
          summary: "Airflow 3's health: metadata database and scheduler",
          response: { 200: HealthV2 },
        },
      },
      async () => healthInfo(actions),
    );

    app.get(
      '/api/v2/version',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'The server version (ours, not an Airflow release)',
          response: { 200: VersionV2 },
        },
      },
      async () => ({ version: VERSION, git_version: null }),
    );
  };
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PipelineEngine, RunActions } from '../../pipelines/index.js';
import {
  DagGrid,
  DagRun,
  DagRunList,
  TaskInstance,
  TaskInstanceList,
  TaskInstanceReference,
  TaskInstanceReferences,
  TaskLogs,
} from '../schemas/pipeline-api.js';
import { LOG_END, logPosition, logText, logToken } from './airflow-logs.js';
import { runOf, selectRuns, taskOf, whoAsked } from './airflow-lookups.js';
import { dagId, flag, RunParams, runId, TaskParams, taskId } from './airflow-params.js';
import { dagRunV1, taskInstanceV1, taskReferenceV1 } from './airflow-shapes.js';

type ZodApp = Parameters<FastifyPluginAsyncZod>[0];

const DagRunBody = z.object({
  dag_run_id: runId.optional(),
  logical_date: z.iso.datetime({ offset: true }).optional(),
  execution_date: z.iso.datetime({ offset: true }).optional().describe('deprecated alias of logical_date'),
  conf: z.record(z.string(), z.unknown()).default({}),
  note: z.string().max(1000).optional(),
});

const ClearTaskInstancesBody = z.object({
  dag_run_id: runId.nullable().optional(),
  task_ids: z.array(taskId).optional(),
  dry_run: z.boolean().default(true),
  only_failed: z.boolean().default(true),
  only_running: z.boolean().default(false),
  include_upstream: z.boolean().default(false),
  include_downstream: z.boolean().default(false),
  include_past: z.boolean().default(false),
  include_future: z.boolean().default(false),
  include_subdags: z.boolean().optional(),
  include_parentdag: z.boolean().optional(),
  reset_dag_runs: z.boolean().optional(),
  start_date: z.iso.datetime({ offset: true }).optional(),
  end_date: z.iso.datetime({ offset: true }).optional(),
});

/**
 * Airflow 2's DAG runs and task instances (`/api/v1/dags/:dag_id/dagRuns...`, and the UI's grid): trigger,
 * list, get, mark, clear, delete; task instances list, get, clear, mark; logs by try. Registered by
 * pipelineRoutes, in its scope (its error format).
 */
export function registerV1RunRoutes(
  app: ZodApp,
  engine: PipelineEngine,
  actions: RunActions,
  executor: string,
): void {
  app.post(
    '/api/v1/dags/:dag_id/dagRuns',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'Trigger a run with conf',
        params: z.object({ dag_id: dagId }),
        body: DagRunBody,
        response: { 200: DagRun },
      },
    },
    async (request) => {
      const { dag_run_id, logical_date, execution_date, conf, note } = request.body;
      const when = logical_date ?? execution_date;
      // A user can always queue a run, shedding or not: shedding holds back the platform's own scheduled
      // work, never what someone asked for (and an unknown DAG is a 404 either way).
      const run = await engine.trigger(request.params.dag_id, {
        conf,
        ...(dag_run_id === undefined ? {} : { runId: dag_run_id }),
        ...(when === undefined ? {} : { logicalDate: new Date(when) }),
        ...(note === undefined ? {} : { note }),
      });
      return dagRunV1(run);
    },
  );

  app.get(
    '/api/v1/dags/:dag_id/dagRuns',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'Runs of a pipeline, newest first (`~` for all pipelines)',
        params: z.object({ dag_id: dagId }),
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          offset: z.coerce.number().int().min(0).default(0),
          state: z
            .union([
              z.enum(['queued', 'running', 'success', 'failed']),
              z.array(z.enum(['queued', 'running', 'success', 'failed'])),
            ])
            .optional(),
        }),
        response: { 200: DagRunList },
      },
    },
    async (request) => {
      const id = request.params.dag_id === '~' ? undefined : request.params.dag_id;
      if (id !== undefined) engine.definition(id);
      const states = request.query.state === undefined ? undefined : [request.query.state].flat();
      const { runs, total } = await engine.runs(id, {
        limit: request.query.limit,
        offset: request.query.offset,
        ...(states === undefined ? {} : { states }),
      });
      return { dag_runs: runs.map(dagRunV1), total_entries: total };
    },
  );

  app.get(
    '/api/v1/dags/:dag_id/grid',
    {
      schema: {
        tags: ['pipelines'],
        summary:
          "Not Airflow's REST API (its UI's grid data): the latest runs × tasks, each cell with state, tries and times",
        params: z.object({ dag_id: dagId }),
        querystring: z.object({ num_runs: z.coerce.number().int().min(1).max(100).default(25) }),
        response: { 200: DagGrid },
      },
    },
    async (request) => {
      const definition = engine.definition(request.params.dag_id);
      const { runs } = await engine.runs(definition.id, { limit: request.query.num_runs });
      const instances = await engine.tasksOfRuns(runs.map((run) => run.run_id));
      const byRun = new Map(runs.map((run) => [run.run_id, run]));
      return {
        dag_id: definition.id,
        task_ids: definition.tasks.map((task) => task.id),
        // Oldest first, as Airflow's grid reads left to right.
        dag_runs: [...runs].reverse().map(dagRunV1),
        task_instances: instances.flatMap((task) => {
          const run = byRun.get(task.run_id);
          // Outputs stay out of the grid (they can be large): the task instance route has them.
          return run === undefined ? [] : [{ ...taskInstanceV1(task, run, executor), output: undefined }];
        }),
      };
    },
  );

  app.get(
    '/api/v1/dags/:dag_id/dagRuns/:dag_run_id',
    { schema: { tags: ['pipelines'], summary: 'One run', params: RunParams, response: { 200: DagRun } } },
    async (request) => dagRunV1(await runOf(engine, request.params.dag_id, request.params.dag_run_id)),
  );

  app.patch(
    '/api/v1/dags/:dag_id/dagRuns/:dag_run_id',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'Mark a run success or failed (its unfinished tasks with it), or queue it again',
        params: RunParams,
        body: z.object({ state: z.enum(['success', 'failed', 'queued']) }),
        response: { 200: DagRun },
      },
    },
    async (request) => {
      const run = await runOf(engine, request.params.dag_id, request.params.dag_run_id);
      return dagRunV1(await actions.markRun(run.run_id, request.body.state, whoAsked(request)));
    },
  );

  app.delete(
    '/api/v1/dags/:dag_id/dagRuns/:dag_run_id',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'Delete a run with its task instances and logs',
        params: RunParams,
      },
    },
    async (request, reply) => {
      const run = await runOf(engine, request.params.dag_id, request.params.dag_run_id);
      await actions.deleteRun(run.run_id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/dags/:dag_id/dagRuns/:dag_run_id/clear',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'Clear every task of a run so it runs again (dry_run, the default, only lists them)',
        params: RunParams,
        body: z.object({ dry_run: z.boolean().default(true) }),
        response: { 200: z.union([TaskInstanceList, DagRun]) },
      },
    },
    async (request) => {
      const run = await runOf(engine, request.params.dag_id, request.params.dag_run_id);
      const tasks = await actions.clearTasks(run.run_id, {
        dryRun: request.body.dry_run,
        by: whoAsked(request),
      });
      if (request.body.dry_run)
        return {
          task_instances: tasks.map((task) => taskInstanceV1(task, run, executor)),
          total_entries: tasks.length,
        };
      return dagRunV1(await engine.run(run.run_id));
    },
  );

  app.post(
    '/api/v1/dags/:dag_id/clearTaskInstances',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'Clear task instances so they run again (dry_run, the default, only lists them)',
        params: z.object({ dag_id: dagId }),
        body: ClearTaskInstancesBody,
        response: { 200: TaskInstanceReferences },
      },
    },
    async (request) => {
      const body = request.body;
      const runs = await selectRuns(engine, request.params.dag_id, {
        runId: body.dag_run_id,
        past: body.include_past,
        future: body.include_future,
        ...(body.start_date === undefined ? {} : { start: new Date(body.start_date) }),
        ...(body.end_date === undefined ? {} : { end: new Date(body.end_date) }),
      });
      const references = [];
      for (const run of runs) {
        const cleared = await actions.clearTasks(run.run_id, {
          ...(body.task_ids === undefined ? {} : { taskIds: body.task_ids }),
          includeDownstream: body.include_downstream,
          includeUpstream: body.include_upstream,
          onlyFailed: body.only_failed,
          onlyRunning: body.only_running,
          dryRun: body.dry_run,
          by: whoAsked(request),
        });
        references.push(...cleared.map((task) => taskReferenceV1(task, run)));
      }
      return { task_instances: references };
    },
  );

  app.get(
    '/api/v1/dags/:dag_id/dagRuns/:dag_run_id/taskInstances',
    {
      schema: {
        tags: ['pipelines'],
        summary: "A run's task instances with state, tries, times and outputs",
        params: RunParams,
        response: { 200: TaskInstanceList },
      },
    },
    async (request) => {
      const run = await runOf(engine, request.params.dag_id, request.params.dag_run_id);
      const tasks = await engine.tasks(run.run_id);
      return {
        task_instances: tasks.map((task) => taskInstanceV1(task, run, executor)),
        total_entries: tasks.length,
      };
    },
  );

  app.get(
    '/api/v1/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'One task instance',
        params: TaskParams,
        response: { 200: TaskInstance },
      },
    },
    async (request) => {
      const { run, task } = await taskOf(engine, request.params);
      return taskInstanceV1(task, run, executor);
    },
  );

  app.patch(
    '/api/v1/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'Mark a task instance success or failed (dry_run, the default, changes nothing)',
        params: TaskParams,
        body: z.object({ dry_run: z.boolean().default(true), new_state: z.enum(['success', 'failed']) }),
        response: { 200: TaskInstanceReference },
      },
    },
    async (request) => {
      const { run, task } = await taskOf(engine, request.params);
      await actions.markTask(run.run_id, task.task_id, request.body.new_state, {
        dryRun: request.body.dry_run,
        by: whoAsked(request),
      });
      return taskReferenceV1(task, run);
    },
  );

  app.get(
    '/api/v1/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/logs/:task_try_number',
    {
      schema: {
        tags: ['pipelines'],
        summary: "One attempt's log lines (try 0: every attempt)",
        params: TaskParams.extend({ task_try_number: z.coerce.number().int().min(0).max(1000) }),
        querystring: z.object({
          full_content: flag.optional(),
          map_index: z.coerce.number().int().optional(),
          token: z.string().optional(),
        }),
        response: { 200: TaskLogs },
      },
    },
    async (request) => {
      const { run } = await taskOf(engine, request.params);
      const tries = request.params.task_try_number;
      // Following the token returns the lines written since it was given: a reader tails a running task.
      const after = logPosition(request.query.token);
      if (after === 'end') return { continuation_token: LOG_END, content: '', lines: [] };
      const lines = await engine.logs(run.run_id, request.params.task_id, tries === 0 ? undefined : tries, {
        ...(after === undefined ? {} : { afterLogId: after }),
      });
      return { continuation_token: logToken(lines, after), content: logText(lines), lines };
    },
  );
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PipelineEngine, RunActions } from '../../pipelines/index.js';
import { SERVICE_NAME, VERSION } from '../../version.js';
import {
  AirflowHealth,
  AirflowVersion,
  Dag,
  DagDetails,
  DagGrid,
  DagList,
  DagRun,
  DagRunList,
  DagTaskList,
  TaskInstance,
  TaskInstanceList,
  TaskInstanceReference,
  TaskInstanceReferences,
  TaskLogs,
} from '../schemas/pipeline-api.js';
import {
  dagDetailV1,
  dagRunV1,
  dagV1,
  filterDags,
  healthInfo,
  LOG_END,
  logPosition,
  logText,
  logToken,
  runOf,
  selectRuns,
  summaryOf,
  taskInstanceV1,
  taskOf,
  taskReferenceV1,
  taskV1,
  toProblemDetails,
  whoAsked,
} from './airflow-shapes.js';

const dagId = z.string().min(1).max(100);
const runId = z.string().min(1).max(250);
const taskId = z.string().min(1).max(100);
// Booleans in a query string: `true`/`false` in any case (the 2.x Python client sends `True`).
const flag = z.stringbool({ truthy: ['true'], falsy: ['false'], case: 'insensitive' }).or(z.boolean());

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

const RunParams = z.object({ dag_id: dagId, dag_run_id: runId });
const TaskParams = z.object({ dag_id: dagId, dag_run_id: runId, task_id: taskId });

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

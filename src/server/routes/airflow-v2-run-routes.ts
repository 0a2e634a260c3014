import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ValidationError } from '../../errors/index.js';
import type { PipelineEngine, RunActions, RunRecord, TaskRecord } from '../../pipelines/index.js';
import {
  DagRunListV2,
  DagRunV2,
  TaskInstanceListV2,
  TaskInstanceV2,
  TaskLogsV2,
} from '../schemas/airflow-v2-api.js';
import { LOG_END, logMessages, logPosition, logToken } from './airflow-logs.js';
import { runOf, selectRuns, taskOf, whoAsked } from './airflow-lookups.js';
import { dagId, flag, list, page, RunParams, runId, TaskParams, taskId } from './airflow-params.js';
import { dagRunV2, taskInstanceV2 } from './airflow-v2-shapes.js';

type ZodApp = Parameters<FastifyPluginAsyncZod>[0];

const RUN_STATES = ['queued', 'running', 'success', 'failed'] as const;
const TASK_STATES = [
  'none',
  'queued',
  'running',
  'success',
  'failed',
  'up_for_retry',
  'upstream_failed',
  'skipped',
] as const;
const datetime = z.iso.datetime({ offset: true });
// Only for other runs by logical date, which `include_past`/`include_future` of a clear do cover.
const noOtherRuns = z
  .boolean()
  .default(false)
  .refine((value) => value === false, 'marking other runs (include_past/include_future) is not supported');

const ClearTaskInstancesBody = z.object({
  dag_run_id: runId.nullable().optional(),
  // Airflow 3 also takes [task_id, map_index]; our tasks are never mapped (map_index -1).
  task_ids: z
    .array(z.union([taskId, z.tuple([taskId, z.number().int()])]))
    .nullable()
    .optional(),
  dry_run: z.boolean().default(true),
  only_failed: z.boolean().default(true),
  only_running: z.boolean().default(false),
  reset_dag_runs: z.boolean().default(true),
  include_upstream: z.boolean().default(false),
  include_downstream: z.boolean().default(false),
  include_future: z.boolean().default(false),
  include_past: z.boolean().default(false),
  prevent_running_task: z.boolean().default(false),
  run_on_latest_version: z.boolean().optional(),
  start_date: datetime.nullable().optional(),
  end_date: datetime.nullable().optional(),
  note: z.string().max(1000).nullable().optional(),
});

/**
 * Airflow 3's DAG runs and task instances (`/api/v2/dags/:dag_id/dagRuns...`): trigger, list, get, mark,
 * note, clear, delete; task instances list, get, clear, mark; logs by try. Registered by airflowV2Routes,
 * in its scope (its error format).
 */
export function registerV2RunRoutes(
  app: ZodApp,
  engine: PipelineEngine,
  actions: RunActions,
  executor: string,
): void {
  const instances = (run: RunRecord, tasks: readonly TaskRecord[]) => ({
    task_instances: tasks.map((task) => taskInstanceV2(task, run, executor)),
    total_entries: tasks.length,
  });

  app.post(
    '/api/v2/dags/:dag_id/dagRuns',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'Trigger a DAG run with conf (Airflow 3)',
        params: z.object({ dag_id: dagId }),
        body: z.object({
          dag_run_id: runId.nullable().optional(),
          logical_date: datetime.nullable().optional(),
          run_after: datetime.nullable().optional(),
          data_interval_start: datetime.nullable().optional(),
          data_interval_end: datetime.nullable().optional(),
          conf: z.record(z.string(), z.unknown()).nullable().optional(),
          note: z.string().max(1000).nullable().optional(),
        }),
        response: { 200: DagRunV2 },
      },
    },
    async (request) => {
      const { dag_run_id, logical_date, run_after, conf, note } = request.body;
      const when = logical_date ?? run_after;
      const run = await engine.trigger(request.params.dag_id, {
        conf: conf ?? {},
        ...(dag_run_id === undefined || dag_run_id === null ? {} : { runId: dag_run_id }),
        ...(when === undefined || when === null ? {} : { logicalDate: new Date(when) }),
        ...(note === undefined || note === null ? {} : { note }),
      });
      return dagRunV2(run);
    },
  );

  app.get(
    '/api/v2/dags/:dag_id/dagRuns',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'DAG runs, newest first (`~`: of every DAG), by state and run type (Airflow 3)',
        params: z.object({ dag_id: dagId }),
        querystring: z.object({
          ...page,
          state: list(z.enum(RUN_STATES)),
          run_type: list(z.enum(['manual', 'scheduled', 'asset_triggered'])),
        }),
        response: { 200: DagRunListV2 },
      },
    },
    async (request) => {
      const id = request.params.dag_id === '~' ? undefined : request.params.dag_id;
      if (id !== undefined) engine.definition(id);
      const states = request.query.state === undefined ? undefined : [request.query.state].flat();
      const types = request.query.run_type === undefined ? undefined : [request.query.run_type].flat();
      let runs = (
        await engine.runs(id, { limit: 10_000, ...(states === undefined ? {} : { states }) })
      ).runs.map(dagRunV2);
      if (types !== undefined) runs = runs.filter((run) => (types as string[]).includes(run.run_type));
      return {
        dag_runs: runs.slice(request.query.offset, request.query.offset + request.query.limit),
        total_entries: runs.length,
      };
    },
  );

  app.get(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'One DAG run (Airflow 3)',
        params: RunParams,
        response: { 200: DagRunV2 },
      },
    },
    async (request) => dagRunV2(await runOf(engine, request.params.dag_id, request.params.dag_run_id)),
  );

  app.patch(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'Mark a DAG run success, failed or queued again, or set its note (Airflow 3)',
        params: RunParams,
        querystring: z.object({ update_mask: list(z.enum(['state', 'note'])) }),
        body: z.object({
          state: z.enum(['queued', 'success', 'failed']).nullable().optional(),
          note: z.string().max(1000).nullable().optional(),
        }),
        response: { 200: DagRunV2 },
      },
    },
    async (request) => {
      let run = await runOf(engine, request.params.dag_id, request.params.dag_run_id);
      const mask = request.query.update_mask === undefined ? undefined : [request.query.update_mask].flat();
      const { state, note } = request.body;
      if ((mask === undefined || mask.includes('state')) && state !== undefined && state !== null)
        run = await actions.markRun(run.run_id, state, whoAsked(request));
      if ((mask === undefined && note !== undefined) || mask?.includes('note') === true)
        run = await actions.setNote(run.run_id, note ?? null);
      return dagRunV2(run);
    },
  );

  app.delete(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id',
    { schema: { tags: ['pipelines'], summary: 'Delete a DAG run (Airflow 3)', params: RunParams } },
    async (request, reply) => {
      const run = await runOf(engine, request.params.dag_id, request.params.dag_run_id);
      await actions.deleteRun(run.run_id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/clear',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'Clear a DAG run so it runs again (dry_run, the default, lists the task instances)',
        params: RunParams,
        body: z.object({
          dry_run: z.boolean().default(true),
          only_failed: z.boolean().default(false),
          only_new: z.boolean().optional(),
          run_on_latest_version: z.boolean().optional(),
          note: z.string().max(1000).nullable().optional(),
        }),
        response: { 200: z.union([TaskInstanceListV2, DagRunV2]) },
      },
    },
    async (request) => {
      const run = await runOf(engine, request.params.dag_id, request.params.dag_run_id);
      const cleared = await actions.clearTasks(run.run_id, {
        dryRun: request.body.dry_run,
        onlyFailed: request.body.only_failed,
        by: whoAsked(request),
      });
      if (request.body.dry_run) return instances(run, cleared);
      return dagRunV2(await engine.run(run.run_id));
    },
  );

  app.post(
    '/api/v2/dags/:dag_id/clearTaskInstances',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'Clear task instances so they run again (dry_run, the default, only lists them)',
        params: z.object({ dag_id: dagId }),
        body: ClearTaskInstancesBody,
        response: { 200: TaskInstanceListV2 },
      },
    },
    async (request) => {
      const body = request.body;
      const runs = await selectRuns(engine, request.params.dag_id, {
        runId: body.dag_run_id,
        past: body.include_past,
        future: body.include_future,
        ...(body.start_date == null ? {} : { start: new Date(body.start_date) }),
        ...(body.end_date == null ? {} : { end: new Date(body.end_date) }),
      });
      const taskIds = body.task_ids?.map((item) => (typeof item === 'string' ? item : item[0]));
      const cleared = [];
      for (const run of runs) {
        const chosen = await actions.clearTasks(run.run_id, {
          ...(taskIds === undefined ? {} : { taskIds }),
          includeDownstream: body.include_downstream,
          includeUpstream: body.include_upstream,
          onlyFailed: body.only_failed,
          onlyRunning: body.only_running,
          preventRunningTask: body.prevent_running_task,
          dryRun: body.dry_run,
          by: whoAsked(request),
        });
        const now = body.dry_run ? chosen : await engine.tasks(run.run_id);
        const ids = new Set(chosen.map((task) => task.task_id));
        cleared.push(
          ...now.filter((task) => ids.has(task.task_id)).map((task) => taskInstanceV2(task, run, executor)),
        );
      }
      return { task_instances: cleared, total_entries: cleared.length };
    },
  );

  app.get(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances',
    {
      schema: {
        tags: ['pipelines'],
        summary: "A DAG run's task instances, by task id and state (Airflow 3)",
        params: RunParams,
        querystring: z.object({
          ...page,
          limit: z.coerce.number().int().min(0).max(1000).default(100),
          task_id: z.string().optional(),
          state: list(z.enum(TASK_STATES)),
        }),
        response: { 200: TaskInstanceListV2 },
      },
    },
    async (request) => {
      const run = await runOf(engine, request.params.dag_id, request.params.dag_run_id);
      const states = request.query.state === undefined ? undefined : [request.query.state].flat();
      const tasks = (await engine.tasks(run.run_id)).filter(
        (task) =>
          (request.query.task_id === undefined || task.task_id === request.query.task_id) &&
          (states === undefined || (states as string[]).includes(task.state ?? 'none')),
      );
      return {
        task_instances: tasks
          .slice(request.query.offset, request.query.offset + request.query.limit)
          .map((task) => taskInstanceV2(task, run, executor)),
        total_entries: tasks.length,
      };
    },
  );

  app.get(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'One task instance (Airflow 3)',
        params: TaskParams,
        response: { 200: TaskInstanceV2 },
      },
    },
    async (request) => {
      const { run, task } = await taskOf(engine, request.params);
      return taskInstanceV2(task, run, executor);
    },
  );

  app.patch(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id',
    {
      schema: {
        tags: ['pipelines'],
        summary: 'Mark a task instance success, failed or skipped (with its relatives), or set its note',
        params: TaskParams,
        querystring: z.object({
          map_index: z.coerce.number().int().min(-1).optional(),
          update_mask: list(z.enum(['new_state', 'note'])),
        }),
        body: z.object({
          new_state: z.enum(['success', 'failed', 'skipped']).nullable().optional(),
          note: z.string().max(1000).nullable().optional(),
          include_upstream: z.boolean().default(false),
          include_downstream: z.boolean().default(false),
          include_future: noOtherRuns,
          include_past: noOtherRuns,
        }),
        response: { 200: TaskInstanceListV2 },
      },
    },
    async (request) => {
      const { run, task } = await taskOf(engine, request.params);
      const { new_state, include_upstream, include_downstream } = request.body;
      if (new_state === undefined || new_state === null) {
        throw new ValidationError('new_state is required (success, failed or skipped)', {
          field: 'body.new_state',
        });
      }
      const changed = await actions.markTask(run.run_id, task.task_id, new_state, {
        includeUpstream: include_upstream,
        includeDownstream: include_downstream,
        by: whoAsked(request),
      });
      const ids = new Set(changed.map((item) => item.task_id));
      return instances(
        run,
        (await engine.tasks(run.run_id)).filter((item) => ids.has(item.task_id)),
      );
    },
  );

  app.get(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/logs/:try_number',
    {
      schema: {
        tags: ['pipelines'],
        summary: "One attempt's log as structured messages (try 0: every attempt) (Airflow 3)",
        params: TaskParams.extend({ try_number: z.coerce.number().int().min(0).max(1000) }),
        querystring: z.object({
          full_content: flag.optional(),
          map_index: z.coerce.number().int().optional(),
          token: z.string().optional(),
        }),
        response: { 200: TaskLogsV2 },
      },
    },
    async (request) => {
      const { run } = await taskOf(engine, request.params);
      const tries = request.params.try_number;
      // Following the token returns the lines written since it was given: a reader tails a running task.
      const after = logPosition(request.query.token);
      if (after === 'end') return { content: [], continuation_token: LOG_END };
      const lines = await engine.logs(run.run_id, request.params.task_id, tries === 0 ? undefined : tries, {
        ...(after === undefined ? {} : { afterLogId: after }),
      });
      return { content: logMessages(lines), continuation_token: logToken(lines, after) };
    },
  );
}

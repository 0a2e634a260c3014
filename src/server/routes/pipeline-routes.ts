import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../errors/index.js';
import type { PipelineEngine, RunRecord, TaskRecord } from '../../pipelines/index.js';

const dagId = z.string().min(1).max(100);
const runId = z.string().min(1).max(250);

/** Airflow's DAGRun fields. */
function dagRun(run: RunRecord) {
  return {
    dag_run_id: run.run_id,
    dag_id: run.pipeline_id,
    logical_date: run.logical_date.toISOString(),
    execution_date: run.logical_date.toISOString(),
    data_interval_start: run.logical_date.toISOString(),
    data_interval_end: run.logical_date.toISOString(),
    start_date: run.start_date?.toISOString() ?? null,
    end_date: run.end_date?.toISOString() ?? null,
    state: run.state,
    external_trigger: run.run_type !== 'scheduled',
    run_type: run.run_type,
    conf: run.conf,
    note: run.note,
    last_scheduling_decision: null,
  };
}

/** Airflow's TaskInstance fields (state null until the task is scheduled). */
function taskInstance(task: TaskRecord, run: RunRecord, executor: string) {
  return {
    task_id: task.task_id,
    dag_id: run.pipeline_id,
    dag_run_id: run.run_id,
    execution_date: run.logical_date.toISOString(),
    state: task.state,
    try_number: task.try_number,
    max_tries: task.max_tries,
    start_date: task.start_date?.toISOString() ?? null,
    end_date: task.end_date?.toISOString() ?? null,
    duration: task.duration,
    queued_when: task.queued_at?.toISOString() ?? null,
    next_retry_at: task.next_retry_at?.toISOString() ?? null,
    hostname: task.lease_owner?.split(':')[0] ?? '',
    operator: 'TypeScriptTask',
    pool: 'default_pool',
    queue: executor,
    map_index: -1,
    note: task.error,
    output: task.output,
  };
}

const DagRunBody = z.object({
  dag_run_id: runId.optional(),
  logical_date: z.iso.datetime({ offset: true }).optional(),
  execution_date: z.iso.datetime({ offset: true }).optional().describe('deprecated alias of logical_date'),
  conf: z.record(z.string(), z.unknown()).default({}),
  note: z.string().max(1000).optional(),
});

/**
 * Pipelines (stage 5) through Airflow's stable REST API subset: DAGs, pause, DAG runs, task instances and
 * their logs, with Airflow's field and state names. Errors also carry Airflow's problem fields.
 */
export function pipelineRoutes(engine: PipelineEngine, executor: string): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onSend', async (request, reply, payload) => {
      if (reply.statusCode < 400 || typeof payload !== 'string' || !payload.startsWith('{')) return payload;
      const body = JSON.parse(payload) as { message?: string; error_code?: string };
      return JSON.stringify({
        type: `about:blank#${body.error_code ?? 'error'}`,
        title: body.error_code ?? 'error',
        status: reply.statusCode,
        detail: body.message,
        instance: request.url,
        ...body,
      });
    });

    const dag = async (id: string) => {
      const summary = (await engine.summaries()).find((item) => item.definition.id === id);
      if (summary === undefined) engine.definition(id);
      const definition = engine.definition(id);
      return {
        dag_id: id,
        description: definition.description,
        is_paused: summary?.is_paused ?? false,
        is_active: true,
        schedule_interval:
          definition.schedule === undefined ? null : { __type: 'CronExpression', value: definition.schedule },
        timezone: definition.timezone ?? 'UTC',
        max_active_runs: definition.maxActiveRuns ?? 1,
        catchup: definition.catchup ?? false,
        tags: (definition.tags ?? []).map((name) => ({ name })),
        owners: ['mlops'],
        fileloc: `pipelines/${id}`,
        next_dagrun: summary?.next_run_at?.toISOString() ?? null,
        last_run: summary?.last_run === null || summary === undefined ? null : dagRun(summary.last_run),
      };
    };

    app.get(
      '/api/v1/dags',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'Pipelines (Airflow DAGs) with pause state, schedule and last run',
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            offset: z.coerce.number().int().min(0).default(0),
          }),
        },
      },
      async (request) => {
        const ids = engine.pipelines().map((pipeline) => pipeline.id);
        const page = ids.slice(request.query.offset, request.query.offset + request.query.limit);
        return { dags: await Promise.all(page.map(dag)), total_entries: ids.length };
      },
    );

    app.get(
      '/api/v1/dags/:dag_id',
      { schema: { tags: ['pipelines'], summary: 'One pipeline', params: z.object({ dag_id: dagId }) } },
      async (request) => dag(request.params.dag_id),
    );

    app.get(
      '/api/v1/dags/:dag_id/tasks',
      {
        schema: {
          tags: ['pipelines'],
          summary: "A pipeline's tasks and their dependencies",
          params: z.object({ dag_id: dagId }),
        },
      },
      async (request) => {
        const definition = engine.definition(request.params.dag_id);
        const tasks = definition.tasks.map((task) => ({
          task_id: task.id,
          description: task.description ?? null,
          upstream_task_ids: task.dependsOn ?? [],
          downstream_task_ids: definition.tasks
            .filter((other) => other.dependsOn?.includes(task.id))
            .map((other) => other.id),
          retries: task.retries ?? 0,
          retry_delay: { __type: 'TimeDelta', seconds: task.retryDelaySeconds ?? 10 },
          retry_exponential_backoff: task.exponentialBackoff ?? false,
          execution_timeout:
            task.timeoutSeconds === undefined ? null : { __type: 'TimeDelta', seconds: task.timeoutSeconds },
        }));
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
        },
      },
      async (request) => {
        await engine.setPaused(request.params.dag_id, request.body.is_paused);
        return dag(request.params.dag_id);
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
        return dagRun(run);
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
        return { dag_runs: runs.map(dagRun), total_entries: total };
      },
    );

    const runOf = async (pipelineId: string, id: string) => {
      const run = await engine.run(id);
      if (pipelineId !== '~' && run.pipeline_id !== pipelineId)
        throw new NotFoundError(`pipeline ${pipelineId} has no run ${id}`, { field: 'dag_run_id' });
      return run;
    };

    app.get(
      '/api/v1/dags/:dag_id/dagRuns/:dag_run_id',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'One run',
          params: z.object({ dag_id: dagId, dag_run_id: runId }),
        },
      },
      async (request) => dagRun(await runOf(request.params.dag_id, request.params.dag_run_id)),
    );

    app.get(
      '/api/v1/dags/:dag_id/dagRuns/:dag_run_id/taskInstances',
      {
        schema: {
          tags: ['pipelines'],
          summary: "A run's task instances with state, tries, times and outputs",
          params: z.object({ dag_id: dagId, dag_run_id: runId }),
        },
      },
      async (request) => {
        const run = await runOf(request.params.dag_id, request.params.dag_run_id);
        const tasks = await engine.tasks(run.run_id);
        return {
          task_instances: tasks.map((task) => taskInstance(task, run, executor)),
          total_entries: tasks.length,
        };
      },
    );

    app.get(
      '/api/v1/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/logs/:task_try_number',
      {
        schema: {
          tags: ['pipelines'],
          summary: "One attempt's log lines (try 0: every attempt)",
          params: z.object({
            dag_id: dagId,
            dag_run_id: runId,
            task_id: z.string().min(1).max(100),
            task_try_number: z.coerce.number().int().min(0).max(1000),
          }),
        },
      },
      async (request) => {
        const run = await runOf(request.params.dag_id, request.params.dag_run_id);
        const tries = request.params.task_try_number;
        const lines = await engine.logs(run.run_id, request.params.task_id, tries === 0 ? undefined : tries);
        const content = lines
          .map(
            (line) =>
              `[${line.logged_at.toISOString()}] {try ${line.try_number}} ${line.level} - ${line.message}`,
          )
          .join('\n');
        return { continuation_token: null, content, lines };
      },
    );
  };
}

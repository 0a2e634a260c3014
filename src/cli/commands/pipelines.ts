import type { Command } from 'commander';
import { ValidationError } from '../../errors/index.js';
import { openPipelines } from '../../pipelines/index.js';
import { startRuntime } from '../../runtime/index.js';
import { createCommandLogger, EXIT, loadCliConfig, reportFailure, withPlatform } from '../context.js';
import { api, remote } from '../server-api.js';
import { formatTable } from '../table.js';

interface DagRun {
  dag_run_id: string;
  dag_id: string;
  state: string;
  run_type: string;
  logical_date: string;
  start_date: string | null;
  end_date: string | null;
  conf: Record<string, unknown>;
}

interface TaskInstance {
  task_id: string;
  state: string | null;
  try_number: number;
  max_tries: number;
  duration: number | null;
  note: string | null;
}

function parseConf(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new ValidationError(
      `--conf must be a JSON object, e.g. '{"algorithm": "bpr"}' (${(error as Error).message})`,
      { field: 'conf' },
    );
  }
}

const time = (value: string | null) => (value === null ? '' : value.replace('T', ' ').slice(0, 19));

function taskTable(tasks: TaskInstance[]): string {
  return formatTable(
    ['task', 'state', 'try', 'duration s', 'note'],
    tasks.map((task) => [
      task.task_id,
      task.state ?? 'none',
      `${task.try_number}/${task.max_tries + 1}`,
      task.duration === null ? '' : task.duration.toFixed(2),
      (task.note ?? '').slice(0, 80),
    ]),
  );
}

export function registerPipelinesCommands(program: Command): void {
  const pipelines = program
    .command('pipelines')
    .description(
      'pipelines (DAGs): list, trigger, follow runs and their task logs, pause (talks to the running server)',
    )
    .option('--url <url>', 'base URL of the platform (default from MLOPS_HOST and MLOPS_PORT)');
  const url = () => pipelines.opts<{ url?: string }>().url;

  pipelines
    .command('list')
    .description('every pipeline with its schedule, pause state and last run')
    .action(async () => {
      process.exitCode = await remote(async (base) => {
        const { dags } = await api<{
          dags: {
            dag_id: string;
            is_paused: boolean;
            schedule_interval: { value: string } | null;
            next_dagrun: string | null;
            last_run: DagRun | null;
            description: string;
          }[];
        }>(base, 'GET', '/api/v1/dags');
        process.stdout.write(
          `${formatTable(
            ['pipeline', 'schedule', 'paused', 'next run', 'last run'],
            dags.map((dag) => [
              dag.dag_id,
              dag.schedule_interval?.value ?? 'manual',
              dag.is_paused ? 'yes' : 'no',
              time(dag.next_dagrun),
              dag.last_run === null
                ? ''
                : `${dag.last_run.state} (${time(dag.last_run.start_date ?? dag.last_run.logical_date)})`,
            ]),
          )}\n`,
        );
        return EXIT.OK;
      }, url());
    });

  pipelines
    .command('trigger <pipeline>')
    .description('start a run on the server; --wait follows it to the end')
    .option('--conf <json>', 'the run parameters as a JSON object')
    .option('--run-id <id>', 'a run id of your own')
    .option('--wait', 'wait for the run to finish and show its tasks (exit 1 if it failed)')
    .action(async (pipeline: string, options: { conf?: string; runId?: string; wait?: boolean }) => {
      process.exitCode = await remote(async (base) => {
        const conf = parseConf(options.conf);
        const run = await api<DagRun>(base, 'POST', `/api/v1/dags/${encodeURIComponent(pipeline)}/dagRuns`, {
          conf,
          ...(options.runId === undefined ? {} : { dag_run_id: options.runId }),
        });
        process.stdout.write(`triggered ${pipeline}: run ${run.dag_run_id} (${run.state})\n`);
        if (options.wait !== true) return EXIT.OK;
        let state = run.state;
        while (state === 'queued' || state === 'running') {
          await new Promise((resolve) => setTimeout(resolve, 500));
          state = (
            await api<DagRun>(
              base,
              'GET',
              `/api/v1/dags/${encodeURIComponent(pipeline)}/dagRuns/${encodeURIComponent(run.dag_run_id)}`,
            )
          ).state;
        }
        const { task_instances } = await api<{ task_instances: TaskInstance[] }>(
          base,
          'GET',
          `/api/v1/dags/${encodeURIComponent(pipeline)}/dagRuns/${encodeURIComponent(run.dag_run_id)}/taskInstances`,
        );
        process.stdout.write(`${taskTable(task_instances)}\nrun ${run.dag_run_id}: ${state}\n`);
        return state === 'success' ? EXIT.OK : EXIT.FAILURE;
      }, url());
    });

  pipelines
    .command('runs <pipeline>')
    .description('runs of a pipeline, newest first')
    .option('--limit <n>', 'how many', '20')
    .action(async (pipeline: string, options: { limit: string }) => {
      process.exitCode = await remote(async (base) => {
        const { dag_runs, total_entries } = await api<{ dag_runs: DagRun[]; total_entries: number }>(
          base,
          'GET',
          `/api/v1/dags/${encodeURIComponent(pipeline)}/dagRuns?limit=${encodeURIComponent(options.limit)}`,
        );
        process.stdout.write(
          `${formatTable(
            ['run', 'state', 'type', 'started', 'ended'],
            dag_runs.map((run) => [
              run.dag_run_id,
              run.state,
              run.run_type,
              time(run.start_date),
              time(run.end_date),
            ]),
          )}\n${dag_runs.length} of ${total_entries} runs\n`,
        );
        return EXIT.OK;
      }, url());
    });

  pipelines
    .command('show <run>')
    .description("a run's tasks: state, tries, duration")
    .action(async (runId: string) => {
      process.exitCode = await remote(async (base) => {
        const run = await api<DagRun>(base, 'GET', `/api/v1/dags/~/dagRuns/${encodeURIComponent(runId)}`);
        const { task_instances } = await api<{ task_instances: TaskInstance[] }>(
          base,
          'GET',
          `/api/v1/dags/~/dagRuns/${encodeURIComponent(runId)}/taskInstances`,
        );
        process.stdout.write(
          `${run.dag_id} run ${run.dag_run_id}: ${run.state} (${run.run_type}), conf ${JSON.stringify(run.conf)}\n${taskTable(task_instances)}\n`,
        );
        return EXIT.OK;
      }, url());
    });

  pipelines
    .command('logs <run> <task>')
    .description("a task's log lines, every attempt (or --try N)")
    .option('--try <n>', 'one attempt only')
    .action(async (runId: string, taskId: string, options: { try?: string }) => {
      process.exitCode = await remote(async (base) => {
        const attempt = options.try === undefined ? 0 : Number(options.try);
        const { content } = await api<{ content: string }>(
          base,
          'GET',
          `/api/v1/dags/~/dagRuns/${encodeURIComponent(runId)}/taskInstances/${encodeURIComponent(taskId)}/logs/${attempt}`,
        );
        process.stdout.write(content === '' ? '(no log lines)\n' : `${content}\n`);
        return EXIT.OK;
      }, url());
    });

  for (const [command, isPaused] of [
    ['pause', true],
    ['unpause', false],
  ] as const) {
    pipelines
      .command(`${command} <pipeline>`)
      .description(
        isPaused ? 'stop scheduling and triggering a pipeline' : 'schedule a paused pipeline again',
      )
      .action(async (pipeline: string) => {
        process.exitCode = await remote(async (base) => {
          await api(base, 'PATCH', `/api/v1/dags/${encodeURIComponent(pipeline)}?update_mask=is_paused`, {
            is_paused: isPaused,
          });
          process.stdout.write(`${pipeline} ${isPaused ? 'paused' : 'unpaused'}\n`);
          return EXIT.OK;
        }, url());
      });
  }

  pipelines
    .command('run <pipeline>')
    .description(
      'run a pipeline to the end in this process, without a server (the embedded database must be free)',
    )
    .option('--conf <json>', 'the run parameters as a JSON object')
    .action(async (pipeline: string, options: { conf?: string }) => {
      process.exitCode = await withPlatform(async (platform) => {
        const conf = parseConf(options.conf);
        const running = await openPipelines(platform, { role: 'server', schedule: false });
        try {
          const run = await running.engine.trigger(pipeline, { conf, force: true });
          process.stderr.write(`running ${pipeline}: run ${run.run_id}\n`);
          let state = run.state;
          while (state === 'queued' || state === 'running') {
            await new Promise((resolve) => setTimeout(resolve, 200));
            await running.engine.tick();
            state = (await running.engine.run(run.run_id)).state;
          }
          const tasks = await running.engine.tasks(run.run_id);
          process.stdout.write(
            `${taskTable(tasks.map((task) => ({ ...task, note: task.error })))}\nrun ${run.run_id}: ${state}\n`,
          );
          return state === 'success' ? EXIT.OK : EXIT.FAILURE;
        } finally {
          await running.stop();
        }
      });
    });
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'run pipeline tasks from the BullMQ queue (MLOPS_EXECUTOR=bullmq); start as many as you like',
    )
    .action(async () => {
      try {
        const config = loadCliConfig();
        const runtime = await startRuntime(config, createCommandLogger(config), { surface: 'worker' });
        const engine = runtime.pipelines?.engine;
        process.stdout.write(
          `mlops worker ${engine?.workerId ?? '?'} is taking tasks from queue ${config.pipelines.queueName} (Ctrl-C stops it)\n`,
        );
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        await runtime.stop();
        process.exitCode = EXIT.OK;
      } catch (error) {
        process.exitCode = reportFailure(error);
      }
    });
}

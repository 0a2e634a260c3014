import type { Command } from 'commander';
import { type Run, trackingService } from '../../tracking/index.js';
import { EXIT, withPlatform } from '../context.js';
import { formatTable } from '../table.js';

export function registerRunsCommands(program: Command): void {
  const runs = program.command('runs').description('experiment runs: list, show and compare (stage 6)');

  runs
    .command('list')
    .description('list runs, newest first (MLflow filter syntax)')
    .option('--experiment <name>', 'experiment name (default: all experiments)')
    .option('--filter <filter>', `e.g. "metrics.ndcg_at_10 > 0.2 and params.algorithm = 'als'"`)
    .option('--order-by <clause>', 'e.g. "metrics.ndcg_at_10 DESC"')
    .option('--max <n>', 'at most this many runs', '50')
    .option('--json', 'print as JSON')
    .action(
      async (options: {
        experiment?: string;
        filter?: string;
        orderBy?: string;
        max: string;
        json?: boolean;
      }) => {
        process.exitCode = await withPlatform(async (platform) => {
          const tracking = trackingService(platform);
          const experimentIds =
            options.experiment === undefined
              ? await tracking.listExperimentIds()
              : [(await tracking.getExperimentByName(options.experiment)).experiment_id];
          const { runs: found } = await tracking.searchRuns({
            experimentIds,
            filter: options.filter,
            viewType: 'ACTIVE_ONLY',
            maxResults: Math.max(1, Math.min(10_000, Number(options.max) || 50)),
            ...(options.orderBy ? { orderBy: [options.orderBy] } : {}),
          });
          if (options.json) {
            process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
            return;
          }
          if (found.length === 0) {
            process.stdout.write('no runs match\n');
            return;
          }
          const metricKeys = [
            ...new Set(found.flatMap((run) => run.data.metrics.map((metric) => metric.key))),
          ]
            .sort()
            .slice(0, 4);
          process.stdout.write(
            `${formatTable(
              ['run', 'name', 'experiment', 'status', 'started', ...metricKeys],
              found.map((run) => [
                run.info.run_id.slice(0, 12),
                run.info.run_name,
                run.info.experiment_id,
                run.info.status,
                new Date(run.info.start_time).toISOString().replace('T', ' ').slice(0, 19),
                ...metricKeys.map((key) =>
                  formatNumber(run.data.metrics.find((metric) => metric.key === key)?.value),
                ),
              ]),
            )}\n`,
          );
        });
      },
    );

  runs
    .command('show <run-id>')
    .description('one run: status, params, latest metrics, tags')
    .option('--json', 'print as JSON')
    .action(async (runId: string, options: { json?: boolean }) => {
      process.exitCode = await withPlatform(async (platform) => {
        const tracking = trackingService(platform);
        const run = await tracking.getRun(runId);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
          return;
        }
        const info = run.info;
        const lines = [
          `run        ${info.run_id} (${info.run_name})`,
          `experiment ${info.experiment_id}   status ${info.status}   ${info.lifecycle_stage}`,
          `started    ${new Date(info.start_time).toISOString()}${info.end_time ? `   ended ${new Date(info.end_time).toISOString()}` : ''}`,
          `artifacts  ${info.artifact_uri}`,
        ];
        const rows = [
          ...run.data.params.map((param) => ['param', param.key, param.value]),
          ...run.data.metrics.map((metric) => [
            'metric',
            metric.key,
            `${formatNumber(metric.value)} (step ${metric.step})`,
          ]),
          ...run.data.tags
            .filter((tag) => !tag.key.startsWith('mlflow.'))
            .map((tag) => ['tag', tag.key, tag.value]),
        ];
        process.stdout.write(
          `${lines.join('\n')}\n${rows.length ? formatTable(['kind', 'key', 'value'], rows) : ''}\n`,
        );
      });
    });

  runs
    .command('compare <run-ids...>')
    .description('params and metrics of several runs side by side')
    .action(async (runIds: string[]) => {
      process.exitCode = await withPlatform(async (platform) => {
        const tracking = trackingService(platform);
        if (runIds.length < 2) {
          process.stderr.write('mlops: give at least two run ids to compare\n');
          return EXIT.CONFIG;
        }
        const found: Run[] = [];
        for (const id of runIds) found.push(await tracking.getRun(id));
        process.stdout.write(`${compareTable(found)}\n`);
      });
    });
}

/** Rows of params then metrics, one column per run; differing values are marked with `*`. */
export function compareTable(runs: Run[]): string {
  const params = [...new Set(runs.flatMap((run) => run.data.params.map((param) => param.key)))].sort();
  const metrics = [...new Set(runs.flatMap((run) => run.data.metrics.map((metric) => metric.key)))].sort();
  const row = (label: string, values: string[]) => [
    `${new Set(values).size > 1 ? '*' : ' '} ${label}`,
    ...values,
  ];
  return formatTable(
    ['', ...runs.map((run) => `${run.info.run_name} (${run.info.run_id.slice(0, 8)})`)],
    [
      ...params.map((key) =>
        row(
          `params.${key}`,
          runs.map((run) => run.data.params.find((param) => param.key === key)?.value ?? '-'),
        ),
      ),
      ...metrics.map((key) =>
        row(
          `metrics.${key}`,
          runs.map((run) => formatNumber(run.data.metrics.find((metric) => metric.key === key)?.value)),
        ),
      ),
    ],
  );
}

export function formatNumber(value: number | undefined): string {
  if (value === undefined) return '-';
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

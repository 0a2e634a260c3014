import type { Command } from 'commander';
import { z } from 'zod';
import { ValidationError } from '../../errors/index.js';
import { lineageService } from '../../lineage/index.js';
import { loadModelVersion, resolveModelVersion } from '../../models/index.js';
import { computeVersionDrift, computeWatchLogDrift } from '../../pipelines/index.js';
import { dataContext, EXIT, withPlatform } from '../context.js';
import { parseOptions } from '../options.js';
import { formatTable } from '../table.js';

const DriftOptions = z
  .object({
    reference: z.string().min(1).optional(),
    current: z.string().min(1).optional(),
    windowDays: z.coerce
      .number({ error: 'must be a whole number of days from 1 to 365' })
      .int({ error: 'must be a whole number of days from 1 to 365' })
      .min(1, { error: 'must be a whole number of days from 1 to 365' })
      .max(365, { error: 'must be a whole number of days from 1 to 365' }),
    driftShare: z.coerce
      .number({ error: 'must be a number from 0 to 1' })
      .min(0, { error: 'must be a number from 0 to 1' })
      .max(1, { error: 'must be a number from 0 to 1' }),
    method: z.enum(['auto', 'psi'], { error: 'must be auto or psi' }),
    json: z.boolean().default(false),
  })
  .refine((options) => (options.reference === undefined) === (options.current === undefined), {
    error: 'give both --reference and --current (watch-log versions), or neither for the last two windows',
    path: ['reference'],
  });

export function registerMonitorCommands(program: Command): void {
  const monitor = program
    .command('monitor')
    .description('monitoring: drift between two windows or two dataset versions');
  monitor
    .command('drift')
    .description(
      'per-feature drift of the watch log: the last window against the one before, or two versions',
    )
    .option('--reference <version>', 'a watch-log version (id, prefix or dataset name) to compare from')
    .option('--current <version>', 'the watch-log version to compare with it')
    .option('--window-days <n>', 'without versions: compare the last N days with the N days before', '7')
    .option('--drift-share <share>', 'dataset drift when this share of features drifted', '0.5')
    .option('--method <method>', 'auto (Evidently’s choice per feature) or psi', 'auto')
    .option('--json', 'print the whole report as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(DriftOptions, raw);
      process.exitCode = await withPlatform(async (platform) => {
        const context = dataContext(platform);
        const lineage = lineageService(platform);
        const movies = await lineage.latestDatasetVersion('movies');
        if (movies === undefined)
          throw new ValidationError('there is no catalogue yet: publish data first (mlops data generate)');
        const model = await resolveModelVersion(context, '@champion')
          .then((version) => loadModelVersion(context, version))
          .catch(() => undefined);
        const settings = { driftShare: options.driftShare, method: options.method, model };
        let report: Awaited<ReturnType<typeof computeWatchLogDrift>>;
        if (options.reference !== undefined && options.current !== undefined) {
          const reference = await lineage.resolveDatasetVersion(options.reference);
          const current = await lineage.resolveDatasetVersion(options.current);
          for (const version of [reference, current]) {
            if (version.dataset !== 'watch_log')
              throw new ValidationError(
                `${version.version_id.slice(0, 12)} is a ${version.dataset} version, not a watch log`,
                { field: 'reference' },
              );
          }
          report = await computeVersionDrift(context, reference, current, movies, settings);
        } else {
          const watchLog = await lineage.latestDatasetVersion('watch_log');
          if (watchLog === undefined)
            throw new ValidationError('there is no watch log yet: publish data first (mlops data generate)');
          report = await computeWatchLogDrift(context, watchLog, movies, {
            ...settings,
            windowDays: options.windowDays,
          });
        }
        if (options.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        } else {
          process.stdout.write(
            `reference ${report.reference.from.slice(0, 16)} … ${report.reference.to.slice(0, 16)} (${report.reference_rows} rows)\ncurrent   ${report.current.from.slice(0, 16)} … ${report.current.to.slice(0, 16)} (${report.current_rows} rows)\n`,
          );
          process.stdout.write(
            `${formatTable(
              ['feature', 'test', 'score', 'threshold', 'drift'],
              report.columns.map((column) => [
                column.column,
                column.test,
                column.score.toPrecision(4),
                column.threshold,
                column.drifted ? 'DRIFT' : 'no',
              ]),
            )}\n`,
          );
          process.stdout.write(
            `${report.dataset_drift ? 'DATASET DRIFT' : 'no dataset drift'}: ${report.drifted_columns} of ${report.columns.length} features drifted (threshold ${report.drift_share_threshold * 100} %)\n`,
          );
        }
        return report.dataset_drift ? EXIT.FAILURE : EXIT.OK;
      });
    });
}

import type { Command } from 'commander';
import { announcePromotion } from '../../events/index.js';
import {
  DEFAULT_POLICY,
  EVALUATION_DATASET_KEY,
  parseThreshold,
  type Run,
  registryService,
} from '../../tracking/index.js';
import { EXIT, withPlatform } from '../context.js';
import { formatTable } from '../table.js';
import { compareTable, formatNumber } from './runs.js';

const ACTOR = `cli:${process.env.USER ?? 'unknown'}`;

export function registerModelsCommands(program: Command): void {
  const models = program
    .command('models')
    .description('the model registry: list, show, promote, rollback, compare (stage 6)');

  models
    .command('list')
    .description('registered models with their champion and latest versions')
    .action(async () => {
      process.exitCode = await withPlatform(async (platform) => {
        const registry = registryService(platform);
        const { models: found } = await registry.searchRegisteredModels({ maxResults: 1000 });
        if (found.length === 0) {
          process.stdout.write('no registered models yet\n');
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['model', 'champion', 'aliases', 'latest versions', 'description'],
            found.map((model) => [
              model.name,
              model.aliases.find((alias) => alias.alias === 'champion')?.version ?? '-',
              model.aliases.map((alias) => `${alias.alias}=${alias.version}`).join(', '),
              model.latest_versions
                .map((version) => `${version.version} (${version.current_stage})`)
                .join(', '),
              model.description,
            ]),
          )}\n`,
        );
      });
    });

  models
    .command('show <name>')
    .description('one model: versions, stages, aliases and the history of changes')
    .action(async (name: string) => {
      process.exitCode = await withPlatform(async (platform) => {
        const registry = registryService(platform);
        const model = await registry.getRegisteredModel(name);
        const rows = [];
        for (const detail of await registry.listModelVersions(name)) {
          rows.push([
            detail.version,
            detail.current_stage,
            detail.aliases.join(', '),
            detail.run_id.slice(0, 12),
            detail.description,
          ]);
        }
        const history = (await registry.listTransitions(name)).slice(0, 15);
        process.stdout.write(
          `${[
            `${model.name}: ${model.description || '(no description)'}`,
            formatTable(['version', 'stage', 'aliases', 'run', 'description'], rows),
            'recent changes:',
            history.length === 0
              ? '  (none)'
              : formatTable(
                  ['when', 'version', 'change', 'from', 'to', 'by', 'why'],
                  history.map((change) => [
                    new Date(Number(change.created_at)).toISOString().replace('T', ' ').slice(0, 19),
                    change.version,
                    change.change,
                    change.from_value ?? '-',
                    change.to_value ?? '-',
                    change.actor,
                    change.reason,
                  ]),
                ),
          ].join('\n')}\n`,
        );
      });
    });

  models
    .command('promote <name> <version>')
    .description('make a version the champion if it passes the thresholds and beats the current champion')
    .option('--metric <name>', 'the metric that decides', DEFAULT_POLICY.metric)
    .option('--lower-is-better', 'for error metrics like rmse')
    .option('--min-improvement <delta>', 'how much the candidate must beat the champion by', '0')
    .option('--threshold <rule...>', 'absolute bars, e.g. ndcg_at_10>=0.05 (repeatable)')
    .option('--force', 'promote even if the policy says no (recorded as forced)')
    .option('--reason <text>', 'why, for the history', 'promoted from the CLI')
    .action(
      async (
        name: string,
        version: string,
        options: {
          metric: string;
          lowerIsBetter?: boolean;
          minImprovement: string;
          threshold?: string[];
          force?: boolean;
          reason: string;
        },
      ) => {
        process.exitCode = await withPlatform(async (platform) => {
          const registry = registryService(platform);
          const minImprovement = Number(options.minImprovement);
          if (!Number.isFinite(minImprovement)) {
            process.stderr.write(
              `mlops: --min-improvement must be a number (got "${options.minImprovement}")\n`,
            );
            return EXIT.CONFIG;
          }
          const decision = await registry.decidePromotion(name, version, {
            metric: options.metric,
            isHigherBetter: options.lowerIsBetter !== true,
            minImprovement,
            thresholds: (options.threshold ?? []).map(parseThreshold),
          });
          process.stdout.write(`${decision.reasons.map((reason) => `  ${reason}`).join('\n')}\n`);
          if (!decision.isPromoted && options.force !== true) {
            process.stdout.write(
              `not promoted: version ${version} stays as it is${decision.champion ? `, champion is still ${decision.champion}` : ''}\n`,
            );
            return EXIT.FAILURE;
          }
          await registry.promote(name, version, {
            actor: ACTOR,
            reason: decision.isPromoted ? options.reason : `FORCED: ${options.reason}`,
          });
          await announcePromotion(() => platform.events(), platform.logger, 'cli', {
            model_name: name,
            version,
            previous_version: decision.champion ?? null,
            reasons: decision.reasons,
          });
          process.stdout.write(
            `promoted: ${name} version ${version} is now the champion (Production)${decision.champion ? `; version ${decision.champion} archived` : ''}\n`,
          );
        });
      },
    );

  models
    .command('alias <name> <alias> [version]')
    .description(
      'point an alias (e.g. challenger for an A/B test) at a version; without a version, remove it',
    )
    .option('--reason <text>', 'why, for the history', 'set from the CLI')
    .action(async (name: string, alias: string, version: string | undefined, options: { reason: string }) => {
      process.exitCode = await withPlatform(async (platform) => {
        const registry = registryService(platform);
        const context = { actor: ACTOR, reason: options.reason };
        if (version === undefined) {
          await registry.deleteAlias({ name, alias, ...context });
          process.stdout.write(`${name}: alias ${alias} removed\n`);
          return;
        }
        await registry.setAlias({ name, alias, version, ...context });
        process.stdout.write(`${name}: ${alias} → version ${version}\n`);
      });
    });

  models
    .command('rollback <name>')
    .description('give the champion alias back to the previous champion')
    .option('--reason <text>', 'why, for the history', 'rolled back from the CLI')
    .action(async (name: string, options: { reason: string }) => {
      process.exitCode = await withPlatform(async (platform) => {
        const registry = registryService(platform);
        const { from, to } = await registry.rollback(name, {
          actor: ACTOR,
          reason: options.reason,
        });
        await announcePromotion(() => platform.events(), platform.logger, 'cli', {
          model_name: name,
          version: to,
          previous_version: from,
          reasons: [`rollback: ${options.reason}`],
        });
        process.stdout.write(`rolled back: ${name} champion is version ${to} again (was ${from})\n`);
      });
    });

  models
    .command('compare <name> [versions...]')
    .description(
      'the runs behind versions of a model, params and metrics side by side (default: all versions)',
    )
    .action(async (name: string, versions: string[]) => {
      process.exitCode = await withPlatform(async (platform) => {
        const registry = registryService(platform);
        const runs = (await registry.versionsWithRuns(name, versions)).flatMap(({ version, run }) =>
          run === undefined
            ? []
            : [{ ...run, info: { ...run.info, run_name: `v${version.version} ${version.current_stage}` } }],
        );
        if (runs.length === 0) {
          process.stdout.write('no versions with runs to compare\n');
          return;
        }
        process.stdout.write(`${compareTable(runs)}\n`);
        const verdicts = significanceLines(runs);
        if (verdicts.length > 0) process.stdout.write(`${verdicts.join('\n')}\n`);
      });
    });
}

/**
 * For each ranking metric with bootstrap intervals, whether the best version's lead over each other is
 * significant: its 95 % interval lies wholly above the other's (conservative: overlapping intervals can
 * still hide a real difference, never the reverse).
 */
export function significanceLines(runs: Run[]): string[] {
  const value = (run: Run, key: string) => run.data.metrics.find((metric) => metric.key === key)?.value;
  const datasetOf = (run: Run) => run.data.tags.find((tag) => tag.key === EVALUATION_DATASET_KEY)?.value;
  const lines: string[] = [];
  const keys = [...new Set(runs.flatMap((run) => run.data.metrics.map((metric) => metric.key)))]
    .filter((key) => key.endsWith('_ci_low'))
    .map((key) => key.slice(0, -'_ci_low'.length))
    .sort();
  for (const key of keys) {
    const scored = runs.filter(
      (run) => value(run, key) !== undefined && value(run, `${key}_ci_high`) !== undefined,
    );
    if (scored.length < 2) continue;
    const best = scored.reduce((top, run) =>
      (value(run, key) as number) > (value(top, key) as number) ? run : top,
    );
    for (const other of scored) {
      if (other === best) continue;
      const sameData = datasetOf(best) === datasetOf(other);
      const isSignificant =
        (value(best, `${key}_ci_low`) as number) > (value(other, `${key}_ci_high`) as number);
      lines.push(
        `${key}: ${best.info.run_name} ${formatNumber(value(best, key))} vs ${other.info.run_name} ${formatNumber(value(other, key))}: ${
          isSignificant ? 'significant' : 'not significant'
        } (95 % bootstrap intervals ${isSignificant ? 'do not overlap' : 'overlap'})${sameData ? '' : '; evaluated on different dataset versions: re-evaluate both with mlops evaluate --record'}`,
      );
    }
  }
  return lines;
}

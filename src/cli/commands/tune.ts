import type { Command } from 'commander';
import { ValidationError } from '../../errors/index.js';
import {
  ALGORITHMS,
  DEFAULT_DATASET,
  DEFAULT_EXPERIMENT,
  type TrialResult,
  tuneModel,
} from '../../models/index.js';
import { dataContext, withPlatform } from '../context.js';
import { formatTable } from '../table.js';

/** `90`, `90s`, `15m`, `1h` → seconds. */
export function parseBudget(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(value.trim());
  if (match === null || !(Number(match[1]) > 0))
    throw new ValidationError(
      `--budget must be a duration such as 90s, 15m or 1h (got ${JSON.stringify(value)})`,
      {
        field: 'budget',
      },
    );
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
}

function integerFlag(name: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number))
    throw new ValidationError(`--${name} must be an integer (got ${JSON.stringify(value)})`, { field: name });
  return number;
}

/** The trials as a table, best first. */
export function trialsTable(trials: TrialResult[]): string {
  const sorted = [...trials].sort((a, b) => b.validationNdcg - a.validationNdcg);
  const names = [...new Set(trials.flatMap((trial) => Object.keys(trial.hyperparameters)))].filter(
    (name) => name !== 'seed' && name !== 'patience' && name !== 'max_items',
  );
  return formatTable(
    ['trial', 'state', 'val NDCG@10', ...names, 'seconds'],
    sorted.map((trial) => [
      String(trial.number),
      trial.state,
      trial.validationNdcg.toFixed(4),
      ...names.map((name) =>
        String(
          name === 'epochs' && trial.epochs !== undefined
            ? trial.epochs
            : (trial.hyperparameters[name] ?? ''),
        ),
      ),
      trial.seconds.toFixed(1),
    ]),
  );
}

export function registerTuneCommand(program: Command): void {
  program
    .command('tune')
    .description(
      'search an algorithm’s hyperparameters on a validation split of the training period; every trial a nested run',
    )
    .requiredOption('-a, --algorithm <name>', `one of ${ALGORITHMS.join(', ')}`)
    .option('--trials <n>', 'most trials to run', '20')
    .option('--budget <time>', 'wall-clock budget: 90s, 15m, 1h (no trial starts after it)')
    .option('--seed <n>', 'seed of the search and of every trial: the same seed gives the same study', '42')
    .option('--dataset <ref>', 'dataset name or version id', DEFAULT_DATASET)
    .option('--experiment <name>', 'experiment of the study’s runs', DEFAULT_EXPERIMENT)
    .option('--threads <n>', 'worker threads for ALS')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  mlops tune -a als --trials 20 --budget 10m
  mlops tune -a ease --trials 6 --seed 7
Then train the best: the last line prints the mlops train command.`,
    )
    .action(
      async (flags: {
        algorithm: string;
        trials: string;
        budget?: string;
        seed: string;
        dataset: string;
        experiment: string;
        threads?: string;
        json?: boolean;
      }) => {
        const controller = new AbortController();
        const code = await withPlatform(async (platform) => {
          const onSignal = () => {
            process.stderr.write('mlops: stopping the study: finished trials are kept\n');
            controller.abort(new Error('tuning was cancelled'));
          };
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
          try {
            const result = await tuneModel(dataContext(platform), {
              algorithm: flags.algorithm,
              trials: integerFlag('trials', flags.trials),
              ...(flags.budget === undefined ? {} : { budgetSeconds: parseBudget(flags.budget) }),
              seed: integerFlag('seed', flags.seed),
              dataset: flags.dataset,
              experiment: flags.experiment,
              ...(flags.threads === undefined ? {} : { threads: integerFlag('threads', flags.threads) }),
              signal: controller.signal,
              onTrial: (trial) => {
                if (!flags.json)
                  process.stderr.write(
                    `trial ${trial.number}: ${trial.state} val NDCG@10 ${trial.validationNdcg.toFixed(4)} (${trial.seconds.toFixed(1)} s)\n`,
                  );
              },
            });
            if (flags.json) {
              process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
              return;
            }
            const best = result.best;
            const command =
              best === undefined
                ? ''
                : `mlops train -a ${result.algorithm} ${Object.entries({
                    ...best.hyperparameters,
                    ...(best.epochs === undefined ? {} : { epochs: best.epochs, patience: 0 }),
                  })
                    .map(
                      ([name, value]) =>
                        `--${name === 'learning_rate' ? 'lr' : name.replaceAll('_', '-')} ${value}`,
                    )
                    .join(' ')}`;
            process.stdout.write(
              `${[
                trialsTable(result.trials),
                `study run ${result.parentRunId} (${result.trials.length} trials${result.stoppedBy === undefined ? '' : `, stopped by ${result.stoppedBy}`})`,
                best === undefined
                  ? 'no trial finished'
                  : `best: trial ${best.number}, validation NDCG@10 ${best.validationNdcg.toFixed(4)}; train it with:\n  ${command}`,
              ].join('\n')}\n`,
            );
          } finally {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
          }
        });
        process.exitCode = controller.signal.aborted ? 130 : code;
      },
    );
}

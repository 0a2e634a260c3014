import type { Command } from 'commander';
import { ValidationError } from '../../errors/index.js';
import {
  ALGORITHMS,
  DEFAULT_DATASET,
  DEFAULT_EXPERIMENT,
  evaluateModelVersion,
  type RankingMetrics,
  type SplitOptions,
  type TrainPhase,
  trainModel,
} from '../../models/index.js';
import { dataContext, withPlatform } from '../context.js';
import { formatTable } from '../table.js';
import { registerTuneCommand } from './tune.js';

/** Hyperparameter flags: option name → the hyperparameter it sets. Each algorithm takes some of them. */
const HYPERPARAMETER_FLAGS = {
  factors: 'factors',
  iterations: 'iterations',
  reg: 'reg',
  alpha: 'alpha',
  cgSteps: 'cg_steps',
  epochs: 'epochs',
  patience: 'patience',
  lr: 'learning_rate',
  negatives: 'negatives',
  mlpFactors: 'mlp_factors',
  neighbours: 'neighbours',
  shrinkage: 'shrinkage',
  maxItems: 'max_items',
  halfLifeDays: 'half_life_days',
  seed: 'seed',
} as const;

interface TrainFlags extends Partial<Record<keyof typeof HYPERPARAMETER_FLAGS, string>> {
  algorithm: string;
  dataset?: string;
  modelName?: string;
  experiment: string;
  runName?: string;
  split?: string;
  testFraction?: string;
  minInteractions?: string;
  splitSeed?: string;
  k?: string;
  register: boolean;
  threads?: string;
  json?: boolean;
}

export function registerTrainCommands(program: Command): void {
  program
    .command('train')
    .description(
      'train a recommender on the current watch log, evaluate it, track it and register it (stage 7)',
    )
    .requiredOption('-a, --algorithm <name>', `one of ${ALGORITHMS.join(', ')}`)
    .option('--factors <n>', 'latent factors (als, bpr, ncf)')
    .option('--iterations <n>', 'ALS iterations')
    .option('--reg <x>', 'L2 regularization (als, bpr, ncf, ease)')
    .option('--alpha <x>', 'ALS confidence per watch: c = 1 + alpha·count')
    .option('--cg-steps <n>', 'ALS conjugate-gradient steps per row')
    .option('--epochs <n>', 'training epochs, the most epochs with early stopping (bpr, ncf)')
    .option('--patience <n>', 'early stopping: epochs without a better validation NDCG (bpr, ncf); 0 = off')
    .option('--lr <x>', 'learning rate (bpr, ncf)')
    .option('--negatives <n>', 'negative samples per positive (ncf)')
    .option('--mlp-factors <n>', 'embedding size of the MLP branch (ncf)')
    .option('--neighbours <n>', 'neighbours kept per movie (item-knn)')
    .option('--shrinkage <x>', 'similarity shrinkage (item-knn)')
    .option('--max-items <n>', 'largest catalogue EASE trains on (it needs items² × 12 bytes)')
    .option('--half-life-days <x>', 'time decay of watches (popularity); 0 = none')
    .option('--seed <n>', 'random seed: the same seed and data give the same model')
    .option('--dataset <ref>', 'dataset name or version id', DEFAULT_DATASET)
    .option('--model-name <name>', 'registered model to add a version to (default: the served model)')
    .option('--experiment <name>', 'experiment of the run', DEFAULT_EXPERIMENT)
    .option('--run-name <name>', 'name of the run')
    .option('--split <strategy>', 'hold-out: time (each user’s latest movies) or random', 'time')
    .option('--test-fraction <x>', 'share of each user’s movies held out', '0.2')
    .option('--min-interactions <n>', 'users with fewer movies are not evaluated', '5')
    .option('--split-seed <n>', 'seed of the random split', '42')
    .option('--k <n>', 'cut-off of the ranking metrics', '10')
    .option('--no-register', 'track the run but register no model version')
    .option(
      '--threads <n>',
      'worker threads for ALS and BPR (default: all cores; ALS gives the same result on any number, BPR on more than one thread is not bit-for-bit reproducible)',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  mlops train --algorithm als --factors 64 --iterations 15 --reg 20 --alpha 2
  mlops train -a bpr --epochs 40 --lr 0.05
  mlops train -a item-knn --neighbours 100
  mlops train -a ease --reg 250
  mlops train -a popularity --half-life-days 30 --no-register`,
    )
    .action(async (flags: TrainFlags) => {
      const controller = new AbortController();
      const code = await withPlatform(async (platform) => {
        const hyperparameters: Record<string, number> = {};
        for (const [flag, name] of Object.entries(HYPERPARAMETER_FLAGS)) {
          const value = flags[flag as keyof typeof HYPERPARAMETER_FLAGS];
          if (value !== undefined) hyperparameters[name] = numberFlag(flag, value);
        }
        const onSignal = () => {
          process.stderr.write('mlops: cancelling: the run is marked KILLED and no version is registered\n');
          controller.abort(new Error('training was cancelled'));
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const started = Date.now();
        try {
          const result = await trainModel(dataContext(platform), {
            algorithm: flags.algorithm,
            hyperparameters,
            dataset: flags.dataset ?? DEFAULT_DATASET,
            modelName: flags.modelName ?? platform.config.serving.modelName,
            experiment: flags.experiment,
            ...(flags.runName === undefined ? {} : { runName: flags.runName }),
            split: splitFlags(flags),
            k: numberFlag('k', flags.k ?? '10'),
            register: flags.register,
            ...(flags.threads === undefined ? {} : { threads: numberFlag('threads', flags.threads) }),
            signal: controller.signal,
            onProgress: (event) => reportPhase(event, started),
          });
          if (flags.json) {
            process.stdout.write(
              `${JSON.stringify(
                {
                  run_id: result.runId,
                  algorithm: result.algorithm,
                  hyperparameters: result.hyperparameters,
                  dataset_version: result.dataset.version_id,
                  train_seconds: result.trainSeconds,
                  metrics: result.metrics,
                  model:
                    result.modelVersion === undefined
                      ? null
                      : { name: result.modelVersion.name, version: result.modelVersion.version },
                },
                null,
                2,
              )}\n`,
            );
            return;
          }
          process.stdout.write(
            `${[
              `${result.algorithm} trained in ${result.trainSeconds.toFixed(1)} s on ${result.dataset.dataset} ${result.dataset.version_id.slice(0, 12)}`,
              metricsTable(result.metrics),
              `run ${result.runId}`,
              result.modelVersion === undefined
                ? 'no model version registered (--no-register)'
                : `registered ${result.modelVersion.name} version ${result.modelVersion.version}; promote it with: mlops models promote ${result.modelVersion.name} ${result.modelVersion.version}`,
            ].join('\n')}\n`,
          );
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
      // 130: the shell's code for "stopped by Ctrl-C".
      process.exitCode = controller.signal.aborted ? 130 : code;
    });

  registerTuneCommand(program);

  program
    .command('evaluate <model-version>')
    .description('re-evaluate a registered model version (3, name/3, @champion) on any watch-log version')
    .option('--dataset <ref>', 'dataset name or version id', DEFAULT_DATASET)
    .option('--k <n>', 'cut-off of the ranking metrics (default: as trained)')
    .option('--split <strategy>', 'time or random (default: as trained)')
    .option('--test-fraction <x>', 'share of each user’s movies held out (default: as trained)')
    .option('--record', 'log the figures to the version’s run, so promotion compares on this dataset')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        reference: string,
        flags: {
          dataset: string;
          k?: string;
          split?: string;
          testFraction?: string;
          record?: boolean;
          json?: boolean;
        },
      ) => {
        process.exitCode = await withPlatform(async (platform) => {
          const result = await evaluateModelVersion(dataContext(platform), reference, {
            dataset: flags.dataset,
            ...(flags.k === undefined ? {} : { k: numberFlag('k', flags.k) }),
            split: {
              ...(flags.split === undefined ? {} : { strategy: flags.split as SplitOptions['strategy'] }),
              ...(flags.testFraction === undefined
                ? {}
                : { testFraction: numberFlag('test-fraction', flags.testFraction) }),
            },
            record: flags.record === true,
          });
          const label = `${result.version.name} version ${result.version.version}`;
          if (flags.json) {
            process.stdout.write(
              `${JSON.stringify({ model: result.version.name, version: result.version.version, dataset_version: result.datasetVersion, metrics: result.metrics, recorded: result.recorded }, null, 2)}\n`,
            );
            return;
          }
          process.stdout.write(
            `${[
              `${label} on watch log ${result.datasetVersion.slice(0, 12)}`,
              metricsTable(result.metrics),
              result.recorded ? `recorded in run ${result.version.run_id}` : '',
            ]
              .filter(Boolean)
              .join('\n')}\n`,
          );
        });
      },
    );
}

function splitFlags(flags: TrainFlags): Partial<SplitOptions> {
  return {
    strategy: (flags.split ?? 'time') as SplitOptions['strategy'],
    testFraction: numberFlag('test-fraction', flags.testFraction ?? '0.2'),
    minInteractions: numberFlag('min-interactions', flags.minInteractions ?? '5'),
    seed: numberFlag('split-seed', flags.splitSeed ?? '42'),
  };
}

/** A numeric flag; anything that is not a finite number is refused, naming the flag. */
function numberFlag(flag: string, value: string): number {
  const number = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(number)) {
    const name = flag.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    throw new ValidationError(`--${name} must be a number (got ${JSON.stringify(value)})`, { field: name });
  }
  return number;
}

function reportPhase(event: TrainPhase, started: number): void {
  const elapsed = `${((Date.now() - started) / 1000).toFixed(1)}s`;
  switch (event.phase) {
    case 'load':
      process.stderr.write(
        `loading ${event.dataset.dataset} ${event.dataset.version_id.slice(0, 12)} (${event.dataset.row_count ?? '?'} rows)\n`,
      );
      break;
    case 'split':
      process.stderr.write(
        `${event.users} users × ${event.items} movies: ${event.trainPairs} pairs to train on, ${event.testPairs} held out from ${event.evaluatedUsers} users\n`,
      );
      break;
    case 'train': {
      const metrics = Object.entries(event.metrics)
        .map(([name, value]) => `${name} ${value.toFixed(6)}`)
        .join('  ');
      const width = String(event.total).length;
      if (
        metrics !== '' ||
        event.iteration === event.total ||
        event.iteration % Math.ceil(event.total / 10) === 0
      )
        process.stderr.write(
          `  ${String(event.iteration).padStart(width)}/${event.total}  ${metrics}  (${elapsed})\n`,
        );
      break;
    }
    case 'evaluate':
      process.stderr.write(`evaluating (${elapsed})\n`);
      break;
    case 'save':
      process.stderr.write('saving the model artifact\n');
      break;
  }
}

function metricsTable(metrics: RankingMetrics): string {
  const k = metrics.k;
  return formatTable(
    [`precision@${k}`, `recall@${k}`, `ndcg@${k}`, `map@${k}`, 'hit rate', 'coverage', 'novelty', 'users'],
    [
      [
        metrics.precision.toFixed(4),
        metrics.recall.toFixed(4),
        `${metrics.ndcg.toFixed(4)} (95 % ${metrics.intervals.ndcg[0].toFixed(4)}–${metrics.intervals.ndcg[1].toFixed(4)})`,
        metrics.map.toFixed(4),
        metrics.hit_rate.toFixed(4),
        metrics.coverage.toFixed(4),
        metrics.novelty.toFixed(3),
        metrics.users,
      ],
    ],
  );
}

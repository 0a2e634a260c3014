import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { createTestHome } from '../helpers/services.js';

const DATA = [
  '--users',
  '300',
  '--movies',
  '200',
  '--interactions',
  '15000',
  '--seed',
  '4',
  '--end-date',
  '2026-11-01',
];

describe('mlops train / evaluate', () => {
  const { home } = createTestHome();
  const env = { MLOPS_HOME: home };

  beforeAll(async () => {
    expect((await runCli(['data', 'generate', ...DATA], env)).code).toBe(0);
  });

  it('trains with per-iteration progress, prints the metrics and registers a version; evaluate reproduces them', async () => {
    const trained = await runCli(
      ['train', '-a', 'als', '--factors', '8', '--iterations', '4', '--json'],
      env,
    );
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stderr).toMatch(
      /\d+ users × \d+ movies: \d+ pairs to train on, \d+ held out from \d+ users/,
    );
    expect(trained.stderr).toMatch(/ 4\/4 {2}loss \d\.\d{6}/);
    const result = JSON.parse(trained.stdout) as { model: { version: string }; metrics: { ndcg: number } };
    expect(result.model).toEqual({ name: 'movie_predictor', version: '1' });

    const evaluated = await runCli(['evaluate', 'movie_predictor/1', '--json'], env);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect((JSON.parse(evaluated.stdout) as { metrics: unknown }).metrics).toEqual(result.metrics);

    const table = await runCli(['train', '-a', 'popularity'], env);
    expect(table.stdout).toMatch(/popularity trained in [\d.]+ s on watch_log [0-9a-f]{12}/);
    expect(table.stdout).toMatch(/ndcg@10/);
    expect(table.stdout).toMatch(
      /registered movie_predictor version 2; promote it with: mlops models promote movie_predictor 2/,
    );

    const alias = await runCli(['models', 'alias', 'movie_predictor', 'challenger', '2'], env);
    expect(alias.stdout).toBe('movie_predictor: challenger → version 2\n');
    expect((await runCli(['models', 'show', 'movie_predictor'], env)).stdout).toMatch(
      /│ 2 +│ None +│ challenger/,
    );
    expect((await runCli(['models', 'alias', 'movie_predictor', 'challenger', '9'], env)).code).toBe(1);
    expect((await runCli(['models', 'alias', 'movie_predictor', 'challenger'], env)).stdout).toMatch(
      /alias challenger removed/,
    );
  });

  it('tune prints the trials best first with the command that trains the winner; EASE trains from it', async () => {
    const tuned = await runCli(['tune', '-a', 'ease', '--trials', '3', '--seed', '3', '--budget', '2m'], env);
    expect(tuned.code, tuned.stderr).toBe(0);
    expect(tuned.stderr).toMatch(/trial 3: FINISHED val NDCG@10 \d\.\d{4}/);
    expect(tuned.stdout).toMatch(/│ trial │ state +│ val NDCG@10 │ reg/);
    expect(tuned.stdout).toMatch(/study run [0-9a-f]{32} \(3 trials\)/);
    const command = /train it with:\n {2}mlops (train -a ease .*)\n/.exec(tuned.stdout)?.[1];
    expect(command).toMatch(/--reg [\d.]+ --max-items 10000/);
    const trained = await runCli([...(command ?? '').split(' '), '--no-register'], env);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(/ease trained in/);
    expect((await runCli(['tune', '-a', 'ease', '--budget', 'soon'], env)).stderr.trim()).toBe(
      'mlops: --budget must be a duration such as 90s, 15m or 1h (got "soon")',
    );
  });

  it('refuses bad flags with one line naming the flag, exit code 2', async () => {
    for (const [args, message] of [
      [['-a', 'als', '--factors', 'abc'], 'mlops: --factors must be a number (got "abc")'],
      [['-a', 'als', '--reg', 'NaN'], 'mlops: --reg must be a number (got "NaN")'],
      [
        ['-a', 'svd'],
        'mlops: unknown algorithm "svd": choose one of popularity, item-knn, ease, als, bpr, ncf',
      ],
      [
        ['-a', 'item-knn', '--epochs', '3'],
        'mlops: item-knn has no hyperparameter epochs; it takes neighbours, shrinkage',
      ],
    ] as const) {
      const result = await runCli(['train', ...args], env);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim()).toBe(message);
    }
    const unknown = await runCli(['evaluate', 'movie_predictor/99'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/mlops: .*movie_predictor.*99/);
  });

  it('Ctrl-C during training exits 130, marks the run KILLED and registers nothing', async () => {
    const before = JSON.parse(
      (await runCli(['runs', 'list', '--experiment', 'movie-recommender', '--json'], env)).stdout,
    ) as unknown[];
    const training = startCli(['train', '-a', 'als', '--factors', '32', '--iterations', '1000'], env);
    await training.waitFor(/ {2,}\d+\/1000 {2}loss/);
    training.child.kill('SIGINT');
    expect(await training.exited).toBe(130);
    expect(training.output()).toMatch(/cancelling: the run is marked KILLED and no version is registered/);
    const runs = JSON.parse(
      (await runCli(['runs', 'list', '--experiment', 'movie-recommender', '--json'], env)).stdout,
    ) as {
      info: { status: string };
    }[];
    expect(runs).toHaveLength(before.length + 1);
    expect(runs.map((run) => run.info.status)).toContain('KILLED');
    const models = await runCli(['models', 'show', 'movie_predictor'], env);
    expect(models.stdout).not.toMatch(/│ 3 /);
  });
});

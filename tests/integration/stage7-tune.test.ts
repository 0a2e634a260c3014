import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBudget, trialsTable } from '../../src/cli/commands/tune.js';
import type { DataContext } from '../../src/data/index.js';
import { selectAlgorithm, tuneModel } from '../../src/models/index.js';
import type { Platform } from '../../src/platform/index.js';
import { getExperimentByName, getMetricHistory, getRun, searchRuns } from '../../src/tracking/index.js';
import { BACKENDS, contextOf, openBackend, publishSynthetic } from '../helpers/platform.js';

const DATA = { users: 400, movies: 250, interactions: 25_000, seed: 11, endDate: '2026-11-01', days: 90 };

describe(`hyperparameter tuning on ${BACKENDS[0]}`, () => {
  let platform: Platform;
  let dispose: () => Promise<void>;
  let context: DataContext;

  beforeAll(async () => {
    ({ platform, dispose } = await openBackend(BACKENDS[0] as (typeof BACKENDS)[number]));
    context = contextOf(platform);
    await publishSynthetic(platform, DATA);
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('runs every trial as a nested run under the study, charts them on the parent, and is deterministic', async () => {
    const study = await tuneModel(context, {
      algorithm: 'ease',
      trials: 4,
      seed: 7,
      experiment: 'tune-test',
    });
    expect(study.trials.map((trial) => trial.state)).toEqual([
      'FINISHED',
      'FINISHED',
      'FINISHED',
      'FINISHED',
    ]);
    const best = Math.max(...study.trials.map((trial) => trial.validationNdcg));
    expect(study.best?.validationNdcg).toBe(best);
    expect(best).toBeGreaterThan(0);

    const experiment = await getExperimentByName(context.db, 'tune-test');
    const { runs } = await searchRuns(context.db, {
      experimentIds: [experiment.experiment_id],
      filter: `tags.mlflow.parentRunId = '${study.parentRunId}'`,
      viewType: 'ACTIVE_ONLY',
      maxResults: 100,
    });
    expect(runs.map((run) => run.info.run_id).sort()).toEqual(
      study.trials.map((trial) => trial.runId).sort(),
    );
    const parent = await getRun(context.db, study.parentRunId);
    expect(parent.info.status).toBe('FINISHED');
    const params = Object.fromEntries(parent.data.params.map((param) => [param.key, param.value]));
    expect(params.best_reg).toBe(String(study.best?.hyperparameters.reg));
    const chart = await getMetricHistory(context.db, study.parentRunId, 'trial_validation_ndcg_at_10');
    expect(chart.metrics.map((point) => point.step)).toEqual([1, 2, 3, 4]);

    const again = await tuneModel(context, {
      algorithm: 'ease',
      trials: 4,
      seed: 7,
      experiment: 'tune-test',
    });
    expect(again.trials.map((trial) => [trial.hyperparameters, trial.validationNdcg])).toEqual(
      study.trials.map((trial) => [trial.hyperparameters, trial.validationNdcg]),
    );
    expect(trialsTable(study.trials)).toContain('val NDCG@10');
  });

  it('epoch-trained trials stop early and report their epoch count', async () => {
    const study = await tuneModel(context, {
      algorithm: 'bpr',
      trials: 3,
      seed: 3,
      fixed: { factors: 8, epochs: 12, patience: 2 },
    });
    for (const trial of study.trials) {
      expect(['FINISHED', 'PRUNED']).toContain(trial.state);
      expect(trial.epochs).toBeGreaterThanOrEqual(1);
      expect(trial.epochs).toBeLessThanOrEqual(12);
    }
  });

  it('Ctrl-C keeps the finished trials and marks the study KILLED', async () => {
    const controller = new AbortController();
    const study = await tuneModel(context, {
      algorithm: 'item-knn',
      trials: 5,
      seed: 1,
      signal: controller.signal,
      onTrial: () => controller.abort(new Error('stop')),
    });
    expect(study.trials).toHaveLength(1);
    expect(study.trials[0]?.state).toBe('FINISHED');
    expect(study.stoppedBy).toBe('cancelled');
    expect((await getRun(context.db, study.parentRunId)).info.status).toBe('KILLED');
    expect((await getRun(context.db, study.trials[0]?.runId ?? '')).info.status).toBe('FINISHED');
  });

  it('auto: tunes each candidate on the validation split and picks the best one, ready to train', async () => {
    const studies: string[] = [];
    const selection = await selectAlgorithm(context, {
      candidates: ['popularity', 'ease', 'bpr'],
      budgetSeconds: 60,
      trials: 2,
      seed: 5,
      onStudy: (study) => studies.push(study.algorithm),
    });
    expect(studies).toEqual(['popularity', 'ease', 'bpr']);
    expect(Object.keys(selection.candidates)).toEqual(['popularity', 'ease', 'bpr']);
    expect(selection.algorithm).not.toBe('popularity');
    expect(selection.validationNdcg).toBe(Math.max(...Object.values(selection.candidates).map(Number)));
    if (selection.algorithm === 'bpr') expect(selection.hyperparameters.patience).toBe(0);
    await expect(
      selectAlgorithm(context, { candidates: ['nope'], budgetSeconds: 5, trials: 1 }),
    ).rejects.toMatchObject({ field: 'candidates' });
  });

  it('refuses bad input naming the field', async () => {
    await expect(tuneModel(context, { algorithm: 'ease', trials: 0 })).rejects.toMatchObject({
      field: 'trials',
    });
    await expect(tuneModel(context, { algorithm: 'nope', trials: 2 })).rejects.toMatchObject({
      field: 'algorithm',
    });
    expect(() => parseBudget('soon')).toThrow('--budget must be a duration');
    expect(parseBudget('15m')).toBe(900);
  });
});

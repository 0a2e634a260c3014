import { describe, expect, it } from 'vitest';
import { chartRows, type Loaded } from './run-compare-page';

function run(id: string, points: [number, number][]): Loaded {
  return {
    run: {
      info: {
        run_id: id,
        run_name: id,
        experiment_id: '1',
        status: 'FINISHED',
        start_time: 0,
        artifact_uri: '',
      },
      data: {},
    },
    histories: { loss: points.map(([step, value]) => ({ key: 'loss', step, value, timestamp: 0 })) },
    artifacts: [],
  };
}

describe('chartRows', () => {
  it('merges runs into one row per step, a column per run, in step order, leaving gaps where a run has no value', () => {
    const rows = chartRows(
      [
        run('a', [
          [2, 0.5],
          [1, 0.9],
        ]),
        run('b', [
          [1, 0.8],
          [3, 0.4],
        ]),
      ],
      'loss',
    );
    expect(rows).toEqual([
      { step: 1, a: 0.9, b: 0.8 },
      { step: 2, a: 0.5 },
      { step: 3, b: 0.4 },
    ]);
    expect(chartRows([run('a', [])], 'loss')).toEqual([]);
  });
});

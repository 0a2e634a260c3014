import { describe, expect, it } from 'vitest';
import type { Run } from '../../tracking/index.js';
import { significanceLines } from './models.js';

function runOf(name: string, ndcg: [number, number, number], dataset = 'd1'): Run {
  const metric = (key: string, value: number) => ({ key, value, step: 0, timestamp: 0 });
  return {
    info: { run_id: name, run_name: name },
    data: {
      params: [],
      metrics: [
        metric('ndcg_at_10', ndcg[0]),
        metric('ndcg_at_10_ci_low', ndcg[1]),
        metric('ndcg_at_10_ci_high', ndcg[2]),
      ],
      tags: [{ key: 'eval_dataset_version', value: dataset }],
    },
  } as unknown as Run;
}

describe('models compare significance', () => {
  it('calls a lead significant only when the 95 % intervals do not overlap, and flags different data', () => {
    const lines = significanceLines([
      runOf('v1', [0.15, 0.14, 0.16]),
      runOf('v2', [0.17, 0.165, 0.175]),
      runOf('v3', [0.168, 0.158, 0.178], 'd2'),
    ]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^ndcg_at_10: v2 0\.1700 vs v1 0\.1500: significant \(95 % bootstrap intervals do not overlap\)$/,
    );
    expect(lines[1]).toMatch(/v2 0\.1700 vs v3 0\.1680: not significant .*different dataset versions/);
    expect(significanceLines([runOf('v1', [0.1, 0.09, 0.11])])).toEqual([]);
  });
});

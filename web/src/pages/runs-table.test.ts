import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../api/client';
import { applySuggestion, cellValue, compareValues, namesOf, suggestionsFor, toCsv } from './runs-table';

const run = (id: string, ndcg: number | undefined, algorithm: string): RunSummary => ({
  info: {
    run_id: id,
    run_name: id,
    experiment_id: '1',
    status: 'FINISHED',
    start_time: 0,
    artifact_uri: '',
  },
  data: {
    metrics: ndcg === undefined ? [] : [{ key: 'ndcg_at_10', value: ndcg, step: 0 }],
    params: [{ key: 'algorithm', value: algorithm }],
    tags: [{ key: 'mlops.algorithm', value: algorithm }],
  },
});

describe('runs table helpers', () => {
  const runs = [run('a', 0.2, 'als'), run('b', undefined, 'popularity'), run('c', 0.1, 'bpr')];

  it('reads cells and collects every name by kind', () => {
    expect(cellValue(runs[0] as RunSummary, { kind: 'metrics', key: 'ndcg_at_10' })).toBe(0.2);
    expect(cellValue(runs[1] as RunSummary, { kind: 'params', key: 'algorithm' })).toBe('popularity');
    expect(namesOf(runs)).toEqual({
      metrics: ['ndcg_at_10'],
      params: ['algorithm'],
      tags: ['mlops.algorithm'],
    });
  });

  it('sorts numbers by value with missing values last in both directions', () => {
    const values = [0.2, undefined, 0.1];
    expect([...values].sort((a, b) => compareValues(a, b, false))).toEqual([0.1, 0.2, undefined]);
    expect([...values].sort((a, b) => compareValues(a, b, true))).toEqual([0.2, 0.1, undefined]);
  });

  it('suggests names for the last word of the filter', () => {
    const names = namesOf(runs);
    expect(suggestionsFor('metrics.nd', names)).toEqual(['metrics.ndcg_at_10']);
    expect(suggestionsFor('params.algorithm = "als" and nd', names)).toEqual(['metrics.ndcg_at_10']);
    expect(suggestionsFor('tags.mlops', names)).toEqual(['tags.mlops.algorithm']);
    expect(suggestionsFor('', names)).toEqual([]);
    expect(applySuggestion('x = 1 and metrics.nd', 'metrics.ndcg_at_10')).toBe(
      'x = 1 and metrics.ndcg_at_10',
    );
  });

  it('writes CSV with quoted cells where needed', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 1],
          ['say "hi"', undefined],
        ],
      ),
    ).toBe('a,b\r\n"x,y",1\r\n"say ""hi""",\r\n');
  });
});

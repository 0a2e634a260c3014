import { describe, expect, it } from 'vitest';
import { parseRunFilter, parseRunOrderBy } from './search-runs-filter.js';

describe('MLflow run filter parsing', () => {
  it('reads metric, param, tag and attribute clauses joined by AND', () => {
    expect(
      parseRunFilter(
        `metrics.rmse < 0.8 and params.alpha = '0.1' AND tags."mlflow.runName" LIKE 'als%' and attributes.status = 'FINISHED'`,
      ),
    ).toEqual([
      { kind: 'metric', key: 'rmse', operator: '<', value: 0.8 },
      { kind: 'param', key: 'alpha', operator: '=', value: '0.1' },
      { kind: 'tag', key: 'mlflow.runName', operator: 'like', value: 'als%' },
      { kind: 'attribute', key: 'status', operator: '=', value: 'FINISHED' },
    ]);
  });

  it('accepts backtick keys, singular entities, IN lists, times and escaped quotes', () => {
    expect(parseRunFilter('metric.`ndcg@10` >= 1e-3')).toEqual([
      { kind: 'metric', key: 'ndcg@10', operator: '>=', value: 0.001 },
    ]);
    expect(parseRunFilter("attributes.run_id IN ('a', 'b')")).toEqual([
      { kind: 'attribute', key: 'run_id', operator: 'in', value: ['a', 'b'] },
    ]);
    expect(parseRunFilter('attributes.start_time > 1700000000000')[0]).toMatchObject({
      key: 'start_time',
      value: 1_700_000_000_000,
    });
    expect(parseRunFilter("tags.note = 'it''s'")[0]).toMatchObject({ value: "it's" });
    expect(parseRunFilter("params.x ILIKE '%A%'")[0]).toMatchObject({ operator: 'ilike' });
  });

  it('reads MLflow 3 dataset clauses: datasets.name, digest and context', () => {
    expect(parseRunFilter("datasets.name = 'ratings' AND dataset.context IN ('training', 'eval')")).toEqual([
      { kind: 'dataset', key: 'name', operator: '=', value: 'ratings' },
      { kind: 'dataset', key: 'context', operator: 'in', value: ['training', 'eval'] },
    ]);
    expect(parseRunFilter("datasets.digest LIKE 'ab%'")[0]).toMatchObject({
      key: 'digest',
      operator: 'like',
    });
  });

  it.each([
    ['metrics.rmse >', /missing value/],
    ["metrics.rmse < 'low'", /must be compared to a number/],
    ['params.alpha = 3', /quoted string/],
    ["foo.bar = 'x'", /unknown entity 'foo'/],
    ['metrics.a < 1 or metrics.b < 2', /OR is not supported/],
    ["attributes.colour = 'red'", /unknown attribute 'colour'/],
    ["params.a IN ('x')", /IN works on attributes and datasets only/],
    ["datasets.size = 'big'", /unknown dataset field 'size'/],
    ['datasets.name = 3', /quoted string/],
  ])('refuses %s with INVALID_PARAMETER_VALUE semantics', (filter, message) => {
    expect(() => parseRunFilter(filter)).toThrow(message);
  });

  it('reads order_by clauses', () => {
    expect(parseRunOrderBy('metrics.ndcg DESC')).toEqual({ kind: 'metric', key: 'ndcg', isAscending: false });
    expect(parseRunOrderBy('start_time')).toEqual({
      kind: 'attribute',
      key: 'start_time',
      isAscending: true,
    });
    expect(parseRunOrderBy('tags.`mlflow.runName` asc')).toEqual({
      kind: 'tag',
      key: 'mlflow.runName',
      isAscending: true,
    });
    expect(() => parseRunOrderBy('colour DESC')).toThrow(/Invalid order_by/);
    expect(() => parseRunOrderBy('')).toThrow(/Invalid order_by/);
  });
});

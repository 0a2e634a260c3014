import { describe, expect, it } from 'vitest';
import { parseLoggedModelFilter } from './logged-model-filter.js';

describe('MLflow 3 logged-model filter parsing', () => {
  it('reads attributes (with aliases), metrics, params and tags joined by AND', () => {
    expect(
      parseLoggedModelFilter(
        "name = 'ranker' AND creation_timestamp > 5 AND metrics.rmse <= 0.8 AND params.k != '10' AND tags.`team` LIKE 'rec%'",
      ),
    ).toEqual([
      { kind: 'attribute', key: 'name', operator: '=', value: 'ranker' },
      { kind: 'attribute', key: 'creation_timestamp_ms', operator: '>', value: 5 },
      { kind: 'metric', key: 'rmse', operator: '<=', value: 0.8 },
      { kind: 'param', key: 'k', operator: '!=', value: '10' },
      { kind: 'tag', key: 'team', operator: 'like', value: 'rec%' },
    ]);
    expect(parseLoggedModelFilter("status IN ('READY', 'FAILED')")).toEqual([
      { kind: 'attribute', key: 'status', operator: 'in', value: ['READY', 'FAILED'] },
    ]);
    expect(parseLoggedModelFilter('')).toEqual([]);
  });

  it.each([
    ["metrics.rmse < 'low'", /metric rmse must be compared to a number/],
    ['name = 3', /quoted string/],
    ["status = 'DONE'", /unknown model status 'DONE'/],
    ["colour = 'red'", /unknown attribute 'colour'/],
    ["foo.bar = 'x'", /unknown entity 'foo'/],
    ["name = 'a' OR name = 'b'", /OR is not supported/],
    ["name IN 'a'", /IN needs a parenthesised list/],
    ["name LIKE 'a\\\\'", /escape character/],
  ])('refuses %s naming the filter', (filter, message) => {
    expect(() => parseLoggedModelFilter(filter)).toThrow(message);
  });
});

import { describe, expect, it } from 'vitest';
import { pageForMlflowHash } from './mlflow-links';

describe('pageForMlflowHash', () => {
  it("opens our run page for the client's 'View run' link", () => {
    expect(pageForMlflowHash('#/experiments/3/runs/0123abcd')).toBe('/runs/0123abcd');
    expect(pageForMlflowHash('#/experiments/3/runs/0123abcd/artifacts')).toBe('/runs/0123abcd');
  });

  it("opens the experiment's runs for 'View experiment', models for the registry's links", () => {
    expect(pageForMlflowHash('#/experiments/3')).toBe('/runs?experiment=3');
    expect(pageForMlflowHash('#/experiments/3/models/m-1')).toBe('/runs?experiment=3');
    expect(pageForMlflowHash('#/models/movie%20recommender/versions/2')).toBe(
      '/models/movie%20recommender/versions/2',
    );
    expect(pageForMlflowHash('#/models/movie%20recommender')).toBe('/models/movie%20recommender');
    expect(pageForMlflowHash('#/compare-runs?runs=["a","b"]')).toBe('/runs/compare?ids=a,b');
  });

  it('leaves other hashes alone', () => {
    expect(pageForMlflowHash('')).toBeUndefined();
    expect(pageForMlflowHash('#section-2')).toBeUndefined();
    expect(pageForMlflowHash('#/compare-runs?runs=notjson')).toBeUndefined();
  });
});

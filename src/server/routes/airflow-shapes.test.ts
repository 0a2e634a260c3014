import { describe, expect, it } from 'vitest';
import type { PipelineSummary } from '../../pipelines/index.js';
import { filterDags } from './airflow-lookups.js';
import { timeDelta } from './airflow-shapes.js';

const summary = (id: string, tags: string[], isPaused: boolean): PipelineSummary => ({
  definition: { id, description: id, tags, tasks: [{ id: 'only', run: () => null }] },
  is_paused: isPaused,
  next_run_at: null,
  last_run: null,
});

const DAGS = [
  summary('movie_training_pipeline', ['ml', 'nightly'], false),
  summary('movie_data_collection', ['data'], true),
  summary('movie_feature_pipeline', ['ml'], false),
];
const ids = (filter: Parameters<typeof filterDags>[1]) =>
  filterDags(DAGS, filter).map((d) => d.definition.id);

describe('Airflow DAG filters', () => {
  it('reads dag_id_pattern as ILIKE inside %…%: % any run, _ one character, the rest literal', () => {
    expect(ids({ dagIdPattern: 'PIPELINE' })).toEqual(['movie_feature_pipeline', 'movie_training_pipeline']);
    expect(ids({ dagIdPattern: 'data%collection' })).toEqual(['movie_data_collection']);
    expect(ids({ dagIdPattern: 'movie_d' })).toEqual(['movie_data_collection']);
    expect(ids({ dagIdPattern: '.*' })).toEqual([]);
  });

  it('matches any tag by default, all with tagsMatchAll, and filters by pause state', () => {
    expect(ids({ tags: ['nightly', 'data'] })).toEqual(['movie_data_collection', 'movie_training_pipeline']);
    expect(ids({ tags: ['ml', 'nightly'], tagsMatchAll: true })).toEqual(['movie_training_pipeline']);
    expect(ids({ paused: true })).toEqual(['movie_data_collection']);
    expect(ids({ paused: false, orderBy: '-dag_id' })).toEqual([
      'movie_training_pipeline',
      'movie_feature_pipeline',
    ]);
  });
});

describe('timeDelta', () => {
  it('splits seconds into whole days, seconds and microseconds', () => {
    expect(timeDelta(90_061.5)).toEqual({
      __type: 'TimeDelta',
      days: 1,
      seconds: 3661,
      microseconds: 500_000,
    });
    expect(timeDelta(10)).toEqual({ __type: 'TimeDelta', days: 0, seconds: 10, microseconds: 0 });
  });
});

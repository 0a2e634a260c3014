import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.js';
import { featureView } from './definitions/types.js';
import type { ActiveRegistry } from './registry.js';
import { int64KeyOf, onlineRowsOf, parseTimestamp, prepareWrite, viewsOfPushSource } from './write-path.js';

const view = {
  ...featureView({
    name: 'scores',
    entities: ['movie'],
    pushSource: 'scores_push',
    schema: [
      { name: 'score', dtype: 'float64' },
      { name: 'tags', dtype: 'string[]' },
      { name: 'seen_at', dtype: 'timestamp' },
    ],
    source: { inputs: ['x'], query: 'select 1', timestampField: 'ts' },
  }),
  version: 1,
};
const registry: ActiveRegistry = {
  objects: [],
  entities: [{ name: 'movie', joinKey: 'movie_id', valueType: 'int64', description: '' }],
  featureViews: [view],
  onDemandFeatureViews: [],
  featureServices: [],
};

function fieldOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    if (error instanceof ValidationError) return error.field;
    throw error;
  }
  return undefined;
}

describe('the write path', () => {
  it('reads timestamps as Feast clients send them, without a zone as UTC', () => {
    expect(parseTimestamp('2026-01-02T03:04:05Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(parseTimestamp('2026-01-02 03:04:05')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(parseTimestamp('2026-01-02 03:04:05.123456+02:00')).toBe(Date.UTC(2026, 0, 2, 1, 4, 5, 123));
    expect(parseTimestamp('2026-01-02')).toBe(Date.UTC(2026, 0, 2));
    expect(parseTimestamp('2026-02-31')).toBeUndefined();
    expect(parseTimestamp('yesterday')).toBeUndefined();
  });

  it('takes int64 keys as numbers or digits, nothing else', () => {
    expect(int64KeyOf(7)).toBe(7);
    expect(int64KeyOf('7')).toBe(7);
    expect(int64KeyOf('-7')).toBe(-7);
    for (const bad of ['7a', '', 1.5, null, '99999999999999999']) expect(int64KeyOf(bad)).toBeUndefined();
  });

  it('types rows and keeps the latest row of each entity', () => {
    const write = prepareWrite(
      registry,
      view,
      {
        movie_id: ['1', 1, 2],
        event_timestamp: ['2026-01-01T00:00:02Z', '2026-01-01T00:00:01Z', '2026-01-01 00:00:00'],
        score: [1, 2, null],
        tags: [['a'], [], null],
        seen_at: [0, '2026-01-01T00:00:00Z', null],
        created: [null, null, null],
      },
      10,
    );
    expect(write.rows[0]).toEqual({
      keys: [1],
      eventTimestamp: Date.UTC(2026, 0, 1, 0, 0, 2),
      values: { score: 1, tags: ['a'], seen_at: '1970-01-01T00:00:00.000Z' },
    });
    expect(onlineRowsOf(write).map((row) => [row.entityKey, row.values.score])).toEqual([
      ['1', 1],
      ['2', null],
    ]);
  });

  it('names the first bad cell or column', () => {
    const frame = {
      movie_id: [1, 2],
      ts: ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'],
      score: [1, 2],
      tags: [[], []],
      seen_at: [null, null],
    };
    const check = (df: Record<string, unknown[]>) => fieldOf(() => prepareWrite(registry, view, df, 10));
    expect(check(frame)).toBeUndefined();
    expect(check({ ...frame, score: [1, '2'] })).toBe('df.score[1]');
    expect(check({ ...frame, tags: [[], [1]] })).toBe('df.tags[1]');
    expect(check({ ...frame, tags: [[], [null]] })).toBe('df.tags[1]');
    expect(check({ ...frame, movie_id: [1, 'x'] })).toBe('df.movie_id[1]');
    expect(check({ ...frame, ts: ['2026-01-01T00:00:00Z', 'soon'] })).toBe('df.ts[1]');
    expect(check({ ...frame, score: [1] })).toBe('df.score');
    expect(check({ movie_id: [1], ts: ['2026-01-01T00:00:00Z'], score: [1], tags: [[]] })).toBe('df.seen_at');
    expect(check({ movie_id: [], ts: [], score: [], tags: [], seen_at: [] })).toBe('df');
    expect(fieldOf(() => prepareWrite(registry, view, frame, 1))).toBe('df');
  });

  it('finds the views of a push source, and names an unknown one', () => {
    expect(viewsOfPushSource(registry, 'scores_push').map((item) => item.name)).toEqual(['scores']);
    expect(() => viewsOfPushSource(registry, 'nope')).toThrow(/push sources: scores_push/);
  });
});

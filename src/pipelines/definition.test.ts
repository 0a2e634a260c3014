import { describe, expect, it } from 'vitest';
import { definePipeline, retryDelayMs, topologicalOrder } from './definition.js';

const task = (id: string, dependsOn: string[] = []) => ({ id, dependsOn, run: () => id });

describe('pipeline definitions', () => {
  it('accepts a DAG and orders its tasks after their dependencies', () => {
    const pipeline = definePipeline({
      id: 'fan',
      description: '',
      tasks: [task('d', ['b', 'c']), task('b', ['a']), task('c', ['a']), task('a')],
    });
    expect(topologicalOrder(pipeline.tasks).map((item) => item.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('names the tasks of a cycle', () => {
    expect(() =>
      definePipeline({
        id: 'loop',
        description: '',
        tasks: [task('a', ['c']), task('b', ['a']), task('c', ['b']), task('d')],
      }),
    ).toThrow(/tasks form a cycle: a → c → b → a|tasks form a cycle: a → b → c → a/);
  });

  it('names unknown dependencies, duplicate tasks and bad ids, all at once', () => {
    let message = '';
    try {
      definePipeline({
        id: 'Bad-Id',
        description: '',
        tasks: [task('a', ['ghost']), task('a'), task('B c')],
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('id "Bad-Id" must be lowercase letters, digits and _');
    expect(message).toContain('task "a" depends on unknown task "ghost"');
    expect(message).toContain('task "a" is defined twice');
    expect(message).toContain('task id "B c" must be lowercase');
  });

  it('waits the retry delay, doubling it with exponential backoff up to the cap', () => {
    const plain = { id: 't', retryDelaySeconds: 5, run: () => 1 };
    expect([1, 2, 3].map((attempt) => retryDelayMs(plain, attempt))).toEqual([5000, 5000, 5000]);
    const backoff = { ...plain, exponentialBackoff: true, maxRetryDelaySeconds: 15 };
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(backoff, attempt))).toEqual([
      5000, 10_000, 15_000, 15_000,
    ]);
  });
});

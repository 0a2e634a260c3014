/** The pipelines bench/pipelines.ts runs, loaded by the engine as a user's pipelines file would be. */
import { definePipeline } from '../src/pipelines/index.js';

export const CHAIN = 100;
export const FANOUT = 1000;

const chain = definePipeline({
  id: 'bench_chain',
  description: `${CHAIN} tasks, each after the previous`,
  tasks: Array.from({ length: CHAIN }, (_, index) => ({
    id: `t${index}`,
    ...(index === 0 ? {} : { dependsOn: [`t${index - 1}`] }),
    run: () => index,
  })),
});

const fanout = definePipeline({
  id: 'bench_fanout',
  description: `root → ${FANOUT} parallel tasks → sink`,
  maxActiveRuns: 1,
  tasks: [
    { id: 'root', run: () => 0 },
    ...Array.from({ length: FANOUT }, (_, index) => ({
      id: `f${index}`,
      dependsOn: ['root'],
      run: () => index,
    })),
    { id: 'sink', dependsOn: Array.from({ length: FANOUT }, (_, index) => `f${index}`), run: () => 'done' },
  ],
});

export default [chain, fanout];

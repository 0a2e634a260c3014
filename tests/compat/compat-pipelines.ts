import { z } from 'zod';
import { definePipeline, type PipelineDefinition } from '../../src/pipelines/index.js';

/**
 * The pipelines the Airflow client scripts drive: `compat_flow` (extract → transform → load; transform
 * fails its first attempt of each run, so a clear makes the run succeed), `compat_paused` (paused,
 * scheduled, tagged `nightly`) and `compat_slow` (runs until it is stopped).
 */
export const COMPAT_PIPELINES: PipelineDefinition[] = [
  definePipeline({
    id: 'compat_flow',
    description: 'extract → transform → load',
    tags: ['compat'],
    conf: z.object({ rows: z.number().int().default(1) }).strict(),
    tasks: [
      { id: 'extract', run: ({ conf }) => ({ rows: conf.rows }) },
      {
        id: 'transform',
        dependsOn: ['extract'],
        retryDelaySeconds: 1,
        run: ({ tryNumber, log, upstream }) => {
          if (tryNumber === 1) {
            log.error('first attempt fails (on purpose)');
            throw new Error('first attempt fails');
          }
          return upstream.extract;
        },
      },
      { id: 'load', dependsOn: ['transform'], timeoutSeconds: 30, run: ({ upstream }) => upstream.transform },
    ],
  }),
  definePipeline({
    id: 'compat_paused',
    description: 'paused on creation, nightly',
    tags: ['nightly'],
    schedule: '0 3 * * *',
    pausedOnCreation: true,
    tasks: [{ id: 'noop', run: () => null }],
  }),
  definePipeline({
    id: 'compat_slow',
    description: 'runs until it is stopped',
    tags: ['compat'],
    tasks: [
      {
        id: 'wait',
        run: ({ signal }) =>
          new Promise((resolve, reject) => {
            const timer = setTimeout(() => resolve('waited'), 60_000);
            signal.addEventListener('abort', () => {
              clearTimeout(timer);
              reject(signal.reason);
            });
          }),
      },
    ],
  }),
];

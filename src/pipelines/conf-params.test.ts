import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { movieDriftCheck, movieTrainingPipeline } from './builtin/index.js';
import { confParams } from './conf-params.js';
import { definePipeline } from './definition.js';

describe('confParams', () => {
  it('describes each conf field with its default and allowed values, in definition order', () => {
    const params = confParams(movieTrainingPipeline);
    expect(Object.keys(params).slice(0, 3)).toEqual(['algorithm', 'hyperparameters', 'candidates']);
    expect(params.algorithm?.value).toBe('als');
    expect(params.algorithm?.schema.type).toBe('string');
    expect(params.algorithm?.schema.enum).toContain('ease');
    expect(params.tune_trials).toMatchObject({
      value: 6,
      schema: { type: 'integer', minimum: 1, maximum: 1000 },
    });
    expect(params.fold_feedback).toMatchObject({ value: true, schema: { type: 'boolean' } });
    expect(params.candidates).toMatchObject({ value: null, schema: { type: 'array' } });
    expect(params.candidates?.schema.required).toBeUndefined();
    expect(confParams(movieDriftCheck).method?.schema.enum).toEqual(['auto', 'psi']);
  });

  it('marks a field with neither default nor optional as required, and keeps descriptions', () => {
    const pipeline = definePipeline({
      id: 'p',
      description: 'p',
      conf: z.object({ rows: z.number().int().describe('how many rows') }),
      tasks: [{ id: 't', run: () => null }],
    });
    expect(confParams(pipeline).rows).toEqual({
      value: null,
      description: 'how many rows',
      schema: expect.objectContaining({ type: 'integer', required: true }),
    });
  });

  it('is empty for a pipeline without a conf schema', () => {
    expect(
      confParams(definePipeline({ id: 'p', description: 'p', tasks: [{ id: 't', run: () => null }] })),
    ).toEqual({});
  });
});

import { ValidationError } from '../errors/index.js';
import { importUserModule } from '../platform/index.js';
import { BUILTIN_PIPELINES } from './builtin/index.js';
import { definePipeline, type PipelineDefinition } from './definition.js';
import { checkSchedules } from './engine.js';

/**
 * The built-in pipelines plus those of a user's file (MLOPS_PIPELINE_REPO, TypeScript or JavaScript): its
 * default export or its `pipelines` export, one definition or a list. Every definition is checked
 * (dependencies, cycles, schedules) before anything runs.
 */
export async function loadPipelines(file?: string): Promise<PipelineDefinition[]> {
  const pipelines = [...BUILTIN_PIPELINES];
  if (file !== undefined) {
    const loaded = await importUserModule(file, 'MLOPS_PIPELINE_REPO');
    const exported = loaded.pipelines ?? loaded.default;
    const list = Array.isArray(exported) ? exported : exported === undefined ? [] : [exported];
    for (const item of list) pipelines.push(definePipeline(item as PipelineDefinition));
  }
  const ids = new Set<string>();
  for (const pipeline of pipelines) {
    if (ids.has(pipeline.id))
      throw new ValidationError(`pipeline ${pipeline.id} is defined twice`, { field: 'pipelines' });
    ids.add(pipeline.id);
  }
  checkSchedules(pipelines);
  return pipelines;
}

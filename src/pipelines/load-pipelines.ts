import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValidationError } from '../errors/index.js';
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
    const absolute = path.resolve(file);
    if (!existsSync(absolute))
      throw new ValidationError(`pipeline file ${absolute} does not exist (MLOPS_PIPELINE_REPO)`, {
        field: 'MLOPS_PIPELINE_REPO',
      });
    let loaded: Record<string, unknown>;
    try {
      if (/\.[cm]?ts$/.test(absolute)) {
        const { tsImport } = await import('tsx/esm/api');
        loaded = (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as Record<string, unknown>;
      } else {
        loaded = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
      }
    } catch (error) {
      throw new ValidationError(
        `cannot load pipelines from ${absolute}: ${error instanceof Error ? error.message : String(error)}`,
        { field: 'MLOPS_PIPELINE_REPO', cause: error },
      );
    }
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

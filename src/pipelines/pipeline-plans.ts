import { NotFoundError, ValidationError } from '../errors/index.js';
import { type PipelineDefinition, type TaskDefinition, topologicalOrder } from './definition.js';

/** One pipeline's tasks in dependency order, each task's position, and who depends on whom. */
interface PipelinePlan {
  ordered: TaskDefinition[];
  position: Map<string, number>;
  downstream: Map<string, string[]>;
}

/** The pipelines an engine knows, by id, each with its plan (the order and links of its tasks). */
export class PipelinePlans {
  private readonly definitions = new Map<string, PipelineDefinition>();
  private readonly plans = new Map<string, PipelinePlan>();

  constructor(pipelines: readonly PipelineDefinition[]) {
    for (const pipeline of pipelines) {
      if (this.definitions.has(pipeline.id))
        throw new ValidationError(`pipeline ${pipeline.id} is defined twice`, { field: 'pipelines' });
      this.definitions.set(pipeline.id, pipeline);
      const downstream = new Map<string, string[]>();
      for (const task of pipeline.tasks)
        for (const dependency of task.dependsOn ?? [])
          downstream.set(dependency, [...(downstream.get(dependency) ?? []), task.id]);
      this.plans.set(pipeline.id, {
        ordered: topologicalOrder(pipeline.tasks),
        position: new Map(pipeline.tasks.map((task, index) => [task.id, index])),
        downstream,
      });
    }
  }

  all(): PipelineDefinition[] {
    return [...this.definitions.values()];
  }

  /** The pipeline named `pipelineId`, or undefined (a run of a pipeline no longer defined). */
  find(pipelineId: string): PipelineDefinition | undefined {
    return this.definitions.get(pipelineId);
  }

  /** The pipeline named `pipelineId`; a NotFoundError listing the known ones otherwise. */
  definition(pipelineId: string): PipelineDefinition {
    const definition = this.definitions.get(pipelineId);
    if (definition === undefined) {
      throw new NotFoundError(
        `no pipeline named ${pipelineId} (known: ${[...this.definitions.keys()].join(', ') || 'none'})`,
        { field: 'dag_id' },
      );
    }
    return definition;
  }

  plan(pipelineId: string): PipelinePlan | undefined {
    return this.plans.get(pipelineId);
  }

  /** A task's place in its pipeline's definition (0 when unknown), to list task instances in order. */
  position(pipelineId: string, taskId: string): number {
    return this.plans.get(pipelineId)?.position.get(taskId) ?? 0;
  }

  /** The tasks that depend on `taskId`, directly. */
  downstreamOf(pipelineId: string, taskId: string): readonly string[] {
    return this.plans.get(pipelineId)?.downstream.get(taskId) ?? [];
  }
}

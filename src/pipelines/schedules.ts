import { CronExpressionParser } from 'cron-parser';
import { ValidationError } from '../errors/index.js';
import type { PipelineDefinition } from './definition.js';

/** The next time a pipeline's cron fires after `after`, in its time zone; null without a schedule. */
export function nextTick(definition: PipelineDefinition, after: Date): Date | null {
  if (definition.schedule === undefined) return null;
  const expression = CronExpressionParser.parse(definition.schedule, {
    currentDate: after,
    tz: definition.timezone ?? 'UTC',
  });
  return expression.next().toDate();
}

/** Checks that every schedule parses; a bad one names its pipeline. */
export function checkSchedules(pipelines: readonly PipelineDefinition[]): void {
  for (const pipeline of pipelines) {
    if (pipeline.schedule === undefined) continue;
    try {
      nextTick(pipeline, new Date());
    } catch (error) {
      throw new ValidationError(
        `pipeline ${pipeline.id}: schedule "${pipeline.schedule}" (${pipeline.timezone ?? 'UTC'}) is not a valid cron expression: ${error instanceof Error ? error.message : String(error)}`,
        { field: 'schedule' },
      );
    }
  }
}

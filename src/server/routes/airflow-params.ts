import { z } from 'zod';

/** Path, query and body parts Airflow's REST routes share (`/api/v1` and `/api/v2`). */

export const dagId = z.string().min(1).max(100);
export const runId = z.string().min(1).max(250);
export const taskId = z.string().min(1).max(100);
// Booleans in a query string: `true`/`false` in any case (the 2.x Python client sends `True`).
export const flag = z.stringbool({ truthy: ['true'], falsy: ['false'], case: 'insensitive' }).or(z.boolean());
/** A query parameter given once or repeated. */
export const list = <T extends z.ZodType>(item: T) => z.union([item, z.array(item)]).optional();
/** Airflow 3's paging. */
export const page = {
  limit: z.coerce.number().int().min(0).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};
export const RunParams = z.object({ dag_id: dagId, dag_run_id: runId });
export const TaskParams = RunParams.extend({ task_id: taskId });

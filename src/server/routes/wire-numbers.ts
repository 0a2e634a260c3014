import { z } from 'zod';

const LIMIT = Number.MAX_SAFE_INTEGER;

/**
 * MLflow's int64 fields (timestamps, steps, max_results): a JSON number, or a numeric string as some
 * clients send. Either must be a whole number JavaScript holds exactly (±9,007,199,254,740,991), so
 * `1e400`, a 400-digit string or `NaN` is a 400 naming the field, never `Infinity` on its way to a
 * bigint column.
 */
export const int64 = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d{1,16}$/, `must be an integer from -${LIMIT} to ${LIMIT}`)
    .transform(Number)
    .pipe(z.number().int()),
]);

import { z } from 'zod';

/**
 * A moment in time: the handler gives a `Date`, the wire carries its ISO 8601 string. Web types are the
 * wire side (`z.input`), so they see a string.
 */
export const isoDateTime = z
  .codec(z.string(), z.date(), {
    decode: (text) => new Date(text),
    encode: (date) => date.toISOString(),
  })
  .meta({ type: 'string', format: 'date-time' });

/** Every error answer of the API (`server/error-handler.ts`): a stable code, a message, the input at fault. */
export const ErrorResponse = z.object({
  error_code: z.string().describe('a stable code of docs/errors.md, e.g. MLOPS_ERR_NOT_FOUND'),
  message: z.string(),
  field: z.string().optional().describe('dotted path of the offending input, when one input is at fault'),
  request_id: z.string().optional(),
});
export type ErrorResponse = z.input<typeof ErrorResponse>;

/** `response` of a route whose 4xx answers are the shared error body: `{ ...answers, '4xx': ErrorResponse }`. */
export function withErrors<T extends Record<number, z.ZodType>>(
  answers: T,
): T & { '4xx': typeof ErrorResponse } {
  return { ...answers, '4xx': ErrorResponse };
}

/** A JSON object whose keys are not fixed (run parameters, feature values, event data). */
export const JsonObject = z.record(z.string(), z.unknown());

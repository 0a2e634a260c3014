import type { z } from 'zod';
import { ValidationError } from '../errors/index.js';

/**
 * Parses command-line options with a zod schema whose keys are the camelCase option names; a bad value
 * becomes one clear line naming the flag, e.g. `--users must be a whole number ≥ 1 (got "abc")`.
 */
export function parseOptions<T extends z.ZodType>(schema: T, options: unknown): z.infer<T> {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const flag = `--${String(issue.path[0] ?? 'option').replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
    const given = (options as Record<PropertyKey, unknown> | undefined)?.[issue.path[0] ?? ''];
    const got = given === undefined ? '' : ` (got ${JSON.stringify(given)})`;
    return `${flag} ${issue.message}${got}`;
  });
  throw new ValidationError(lines.join('\n'), { field: String(parsed.error.issues[0]?.path[0] ?? 'option') });
}

import { isDeepStrictEqual } from 'node:util';
import { serializerCompiler } from 'fastify-type-provider-zod';

type SerializerCompiler = typeof serializerCompiler;

/**
 * The zod response serializer, and in tests a check on it: a response schema strips the fields it does
 * not name, so a schema that forgets one would change the API without a sound. With `isStrict` an answer
 * the schema would change (a field dropped, a value rewritten other than a date becoming its ISO string)
 * fails with the first path that differs, so every test that calls a route checks its schema too.
 */
export function responseSerializer(options: {
  isStrict: boolean;
  /**
   * Answers sent with plain `JSON.stringify` outside strict mode: the hot serving answers, built field by
   * field by the serving service, where the zod pass cost a tenth of the server's CPU per request, and
   * MLflow's run search, whose zod pass over a page of 100 runs was 1.5 of its 10 ms. Strict mode still
   * runs every one through its schema, so a test of the route fails if the two would differ.
   */
  trusted?: readonly unknown[];
}): SerializerCompiler {
  if (!options.isStrict) {
    const trusted = new Set(options.trusted ?? []);
    return (route) => (trusted.has(route.schema) ? stringify : serializerCompiler(route));
  }
  return (route) => {
    const serialize = serializerCompiler(route);
    return (data: unknown) => {
      const json = serialize(data);
      const sent = JSON.parse(json) as unknown;
      const plain = JSON.parse(JSON.stringify(data) ?? 'null') as unknown;
      if (!isDeepStrictEqual(sent, plain)) {
        const where = firstDifference(plain, sent, '$');
        throw new Error(
          `the response schema of ${route.method} ${route.url} changes the answer at ${where}: fix the schema`,
        );
      }
      return json;
    };
  };
}

function stringify(data: unknown): string {
  return JSON.stringify(data);
}

function firstDifference(expected: unknown, actual: unknown, path: string): string {
  if (typeof expected !== 'object' || expected === null || typeof actual !== 'object' || actual === null)
    return `${path} (${JSON.stringify(expected)?.slice(0, 80)} became ${JSON.stringify(actual)?.slice(0, 80)})`;
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const key of keys) {
    const left = (expected as Record<string, unknown>)[key];
    const right = (actual as Record<string, unknown>)[key];
    if (!isDeepStrictEqual(left, right)) return firstDifference(left, right, `${path}.${key}`);
  }
  return path;
}

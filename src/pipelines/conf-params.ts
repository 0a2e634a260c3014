import { z } from 'zod';
import type { PipelineDefinition } from './definition.js';

/** One run parameter as Airflow describes a DAG's `params`: its default and a JSON schema of its values. */
export interface ConfParam {
  /** The default (null when the parameter has none). */
  value: unknown;
  description: string | null;
  /** JSON Schema (draft 2020-12) of the accepted values: `type`, `enum`, `minimum`, `maximum`, `items`… */
  schema: Record<string, unknown>;
}

/**
 * A pipeline's run parameters (its `conf` schema) in Airflow's `params` shape, one entry per field, in
 * definition order: what a trigger form is generated from. A field without a default that is not optional
 * says so with `schema.required: true` (not a JSON Schema keyword on a property: ours, for forms).
 * A pipeline without a conf schema has none.
 *
 * @example confParams(movieDriftCheck).method // { value: 'auto', description: null, schema: { type: 'string', enum: ['auto', 'psi'], … } }
 */
export function confParams(definition: PipelineDefinition): Record<string, ConfParam> {
  if (definition.conf === undefined) return {};
  let document: Record<string, unknown>;
  try {
    document = z.toJSONSchema(definition.conf, { io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >;
  } catch {
    return {}; // a schema JSON Schema cannot express (a custom check) gives no form, only the JSON field
  }
  const properties = (document.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((document.required ?? []) as string[]);
  return Object.fromEntries(
    Object.entries(properties).map(([name, property]) => {
      const { default: value, description, ...schema } = property;
      const hasDefault = 'default' in property;
      return [
        name,
        {
          value: hasDefault ? value : null,
          description: typeof description === 'string' ? description : null,
          schema: { ...schema, ...(required.has(name) && !hasDefault ? { required: true } : {}) },
        },
      ];
    }),
  );
}

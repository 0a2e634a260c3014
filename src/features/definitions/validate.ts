import { z } from 'zod';
import { ValidationError } from '../../errors/index.js';
import { FEATURE_TYPES, type FeatureDefinitions } from './types.js';

const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const name = z.string({ error: 'must be a name' }).regex(NAME, {
  error: 'must be 1-64 lowercase letters, digits and underscores, starting with a letter',
});
const tags = z.record(z.string(), z.string({ error: 'tag values must be strings' }));
const field = z.object({
  name,
  dtype: z.enum(FEATURE_TYPES, { error: `must be one of ${FEATURE_TYPES.join(', ')}` }),
  description: z.string().optional(),
});
const reference = z.string().regex(/^[a-z][a-z0-9_]{0,63}(:[a-z][a-z0-9_]{0,63})?$/, {
  error: 'must be `view:feature` or `view`',
});

const DefinitionsSchema = z.object({
  entities: z.array(
    z.object({
      name,
      joinKey: name,
      valueType: z.enum(['int64', 'string'], { error: 'must be int64 or string' }),
      description: z.string(),
    }),
  ),
  featureViews: z.array(
    z.object({
      name,
      entities: z.array(name).min(1, { error: 'needs at least one entity' }),
      schema: z.array(field).min(1, { error: 'needs at least one feature' }),
      source: z.object(
        {
          inputs: z.array(name).min(1, { error: 'needs at least one input dataset' }),
          query: z.string().trim().min(1, { error: 'must be a DuckDB query' }),
          timestampField: name,
          partitionBy: z
            .object(
              { input: name, column: z.string({ error: 'must be a column name' }).trim().min(1) },
              { error: 'must be {input, column}' },
            )
            .optional(),
        },
        { error: 'must be {inputs, query, timestampField, partitionBy?}' },
      ),
      ttlSeconds: z.number().int().min(0, { error: 'must be a whole number of seconds ≥ 0' }),
      online: z.boolean(),
      pushSource: name.optional(),
      tags,
      description: z.string(),
    }),
  ),
  onDemandFeatureViews: z.array(
    z.object({
      name,
      sources: z.array(reference).min(1, { error: 'needs at least one source feature' }),
      requestSchema: z.array(field),
      schema: z.array(field).min(1, { error: 'needs at least one feature' }),
      transform: z.custom<(input: unknown) => unknown>((value) => typeof value === 'function', {
        error: 'must be a function',
      }),
      tags,
      description: z.string(),
    }),
  ),
  featureServices: z.array(
    z.object({
      name,
      features: z.array(reference).min(1, { error: 'needs at least one feature' }),
      tags,
      description: z.string(),
    }),
  ),
});

/**
 * Checks a set of definitions on its own: shapes, unique names, and that every reference (entities of a
 * view, sources of an on-demand view, features of a service) names something defined. Every problem is
 * reported at once, each naming its path, e.g. `featureViews[1].source.timestampField: must be a name`.
 */
export function validateDefinitions(definitions: FeatureDefinitions): FeatureDefinitions {
  const parsed = DefinitionsSchema.safeParse(definitions);
  if (!parsed.success) {
    throw problems(
      parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
      parsed.error.issues[0]?.path,
    );
  }
  const lines: string[] = [];
  const duplicates = (kind: string, names: string[]) => {
    const seen = new Set<string>();
    for (const value of names) {
      if (seen.has(value)) lines.push(`${kind} "${value}" is defined twice`);
      seen.add(value);
    }
  };
  duplicates(
    'entity',
    definitions.entities.map((item) => item.name),
  );
  duplicates(
    'join key',
    definitions.entities.map((item) => item.joinKey),
  );
  // Views and on-demand views share one namespace: references say `view:feature` for both.
  duplicates('feature view', [
    ...definitions.featureViews.map((item) => item.name),
    ...definitions.onDemandFeatureViews.map((item) => item.name),
  ]);
  duplicates(
    'feature service',
    definitions.featureServices.map((item) => item.name),
  );

  const entities = new Map(definitions.entities.map((item) => [item.name, item]));
  const features = new Map<string, Set<string>>();
  definitions.featureViews.forEach((view, index) => {
    const at = `featureViews[${index}] (${view.name})`;
    const joinKeys: string[] = [];
    for (const entityName of view.entities) {
      const known = entities.get(entityName);
      if (known === undefined) lines.push(`${at}.entities: unknown entity "${entityName}"`);
      else joinKeys.push(known.joinKey);
    }
    duplicates(
      `${at} feature`,
      view.schema.map((item) => item.name),
    );
    for (const item of view.schema) {
      if (joinKeys.includes(item.name) || item.name === view.source.timestampField)
        lines.push(`${at}.schema: "${item.name}" is a join key or the timestamp field, not a feature`);
    }
    const partitionBy = view.source.partitionBy;
    if (partitionBy !== undefined && !view.source.inputs.includes(partitionBy.input))
      lines.push(`${at}.source.partitionBy.input: "${partitionBy.input}" is not one of the view's inputs`);
    if (partitionBy !== undefined && view.entities.length !== 1)
      lines.push(`${at}.source.partitionBy: only a view of one entity can be built in passes`);
    features.set(view.name, new Set(view.schema.map((item) => item.name)));
  });
  const checkReference = (at: string, ref: string, allowOnDemand: boolean) => {
    const [viewName = '', featureName] = ref.split(':');
    const known = features.get(viewName);
    const isOnDemand = definitions.onDemandFeatureViews.some((item) => item.name === viewName);
    if (known === undefined || (isOnDemand && !allowOnDemand)) {
      lines.push(
        `${at}: "${ref}" names no feature view${allowOnDemand ? '' : ' (on-demand views cannot be inputs)'}`,
      );
    } else if (featureName !== undefined && !known.has(featureName)) {
      lines.push(`${at}: feature view ${viewName} has no feature "${featureName}"`);
    }
  };
  definitions.onDemandFeatureViews.forEach((view, index) => {
    const at = `onDemandFeatureViews[${index}] (${view.name})`;
    view.sources.forEach((ref, position) => {
      checkReference(`${at}.sources[${position}]`, ref, false);
    });
    duplicates(
      `${at} feature`,
      view.schema.map((item) => item.name),
    );
  });
  for (const view of definitions.onDemandFeatureViews)
    features.set(view.name, new Set(view.schema.map((item) => item.name)));
  definitions.featureServices.forEach((service, index) => {
    service.features.forEach((ref, position) => {
      checkReference(`featureServices[${index}] (${service.name}).features[${position}]`, ref, true);
    });
  });
  if (lines.length > 0) throw problems(lines);
  return definitions;
}

function problems(lines: string[], path?: readonly PropertyKey[]): ValidationError {
  return new ValidationError(
    `the feature definitions are invalid; nothing was applied:\n  ${lines.join('\n  ')}`,
    { field: path === undefined ? 'definitions' : formatPath(path) },
  );
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

import type { KeyValue, Metric } from './run-store.js';
import {
  invalid,
  MAX_PARAM_VALUE_LENGTH,
  MAX_TAG_VALUE_LENGTH,
  validateKey,
  validateValue,
} from './tracking-errors.js';

/** Checks of what is logged to a run: metric values, params and tags, with MLflow's limits and messages. */

export function validateMetric(metric: Metric): void {
  validateKey(metric.key, 'metric');
  if (typeof metric.value !== 'number')
    throw invalid(`Got invalid value ${String(metric.value)} for metric '${metric.key}'`, 'value');
  if (!Number.isSafeInteger(metric.timestamp))
    throw invalid(
      `Got invalid timestamp ${String(metric.timestamp)} for metric '${metric.key}'`,
      'timestamp',
    );
  if (!Number.isSafeInteger(metric.step))
    throw invalid(`Got invalid step ${String(metric.step)} for metric '${metric.key}'`, 'step');
}

export function validateParam(param: KeyValue): void {
  validateKey(param.key, 'param');
  validateValue(param.value, `param '${param.key}'`);
  if (param.value.length > MAX_PARAM_VALUE_LENGTH) {
    throw invalid(
      `Param value '${param.value.slice(0, 30)}…' had length ${param.value.length}, which exceeded length limit of ${MAX_PARAM_VALUE_LENGTH}`,
      'value',
    );
  }
}

export function validateTag(tag: KeyValue): void {
  validateKey(tag.key, 'tag');
  validateValue(tag.value, `tag '${tag.key}'`);
  if (tag.value.length > MAX_TAG_VALUE_LENGTH) {
    throw invalid(
      `Tag value '${tag.value.slice(0, 30)}…' had length ${tag.value.length}, which exceeded length limit of ${MAX_TAG_VALUE_LENGTH}`,
      'value',
    );
  }
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

/**
 * Each table of the metadata database belongs to one capability: only its folder reads or writes it;
 * the others ask through that capability's functions. `storage/` (migrations) is the one place that
 * touches every table. A new table gets an owner here.
 */
const OWNERS: Record<string, string> = {
  alerts: 'monitoring',
  api_tokens: 'auth',
  automation_actions: 'automations',
  dataset_versions: 'lineage',
  lineage_edges: 'lineage',
  events: 'events',
  event_consumer_leases: 'events',
  event_consumer_offsets: 'events',
  event_processed: 'events',
  experiments: 'tracking',
  experiment_tags: 'tracking',
  runs: 'tracking',
  run_metrics: 'tracking',
  latest_metrics: 'tracking',
  run_params: 'tracking',
  run_tags: 'tracking',
  registered_models: 'tracking',
  registered_model_tags: 'tracking',
  registered_model_aliases: 'tracking',
  model_versions: 'tracking',
  model_version_tags: 'tracking',
  model_transitions: 'tracking',
  model_version_artifacts: 'tracking',
  logged_models: 'tracking',
  logged_model_params: 'tracking',
  logged_model_tags: 'tracking',
  logged_model_metrics: 'tracking',
  tracking_datasets: 'tracking',
  run_dataset_inputs: 'tracking',
  run_dataset_input_tags: 'tracking',
  run_model_links: 'tracking',
  artifact_multipart_uploads: 'tracking',
  stream_tickets: 'auth',
  alert_silences: 'monitoring',
  feature_definitions: 'features',
  feature_builds: 'features',
  feature_materializations: 'features',
  online_features: 'features',
  feedback: 'serving',
  movies: 'data',
  pipelines: 'pipelines',
  pipeline_runs: 'pipelines',
  task_instances: 'pipelines',
  task_logs: 'pipelines',
  platform_meta: 'platform',
  user_identities: 'identity',
};

/** Reads outside the owner that are allowed, and why. */
const EXCEPTIONS: { folder: string; table: string; why: string }[] = [
  {
    folder: 'platform',
    table: 'registered_models',
    why: 'opening a home picks the served model name (a legacy home keeps movie_recommender) before any capability runs',
  },
];

const TABLE_CALL =
  /\b(?:selectFrom|insertInto|updateTable|deleteFrom|innerJoin|leftJoin|rightJoin|fullJoin)\(\s*['"]([a-z_]+)['"]/g;

function files(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return files(file);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [file] : [];
  });
}

const uses = files().flatMap((file) => {
  const folder = path.relative(SRC, file).split(path.sep)[0] as string;
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(TABLE_CALL)].map((match) => ({
    file: path.relative(SRC, file),
    folder,
    table: match[1] as string,
  }));
});

describe('table ownership', () => {
  it('finds the query builder calls it checks', () => {
    expect(uses.length).toBeGreaterThan(100);
    expect(uses.some((use) => use.table === 'runs' && use.folder === 'tracking')).toBe(true);
  });

  it('gives every table the code uses an owner', () => {
    const unowned = [...new Set(uses.map((use) => use.table))].filter((table) => OWNERS[table] === undefined);
    expect(unowned, 'add each new table to OWNERS with the capability that owns it').toEqual([]);
  });

  it('lets only its owner (and the migrations) touch a table', () => {
    const strays = uses
      .filter((use) => use.folder !== 'storage' && OWNERS[use.table] !== undefined)
      .filter((use) => use.folder !== OWNERS[use.table])
      .filter(
        (use) => !EXCEPTIONS.some((allowed) => allowed.folder === use.folder && allowed.table === use.table),
      )
      .map((use) => `${use.file} uses ${use.table} (owned by ${OWNERS[use.table]})`);
    expect(strays, "call the owning capability's functions instead").toEqual([]);
  });
});

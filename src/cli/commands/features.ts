import type { Command } from 'commander';
import { z } from 'zod';
import { ValidationError } from '../../errors/index.js';
import { type FeatureStatistic, FeatureStore, type PlannedChange } from '../../features/index.js';
import type { Platform } from '../../platform/index.js';
import { dataContext, EXIT, withPlatform } from '../context.js';
import { parseOptions } from '../options.js';
import { createProgressBar } from '../progress.js';
import { formatTable } from '../table.js';

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Runs a command body with the platform's feature store open. */
function withFeatureStore(
  work: (store: FeatureStore, platform: Platform) => Promise<unknown>,
): Promise<number> {
  return withPlatform(async (platform) => {
    const store = await FeatureStore.open({
      ...dataContext(platform),
      config: platform.config.features,
      metrics: platform.metrics,
    });
    try {
      return await work(store, platform);
    } finally {
      await store.close();
    }
  });
}

const MaterializeOptions = z.object({
  incremental: z.boolean().default(false),
  view: z.string().optional(),
  end: z
    .string()
    .refine((value) => !Number.isNaN(Date.parse(value)), {
      error: 'must be a date or time like 2026-01-31T12:00:00Z',
    })
    .optional(),
});

const HistoricalOptions = z
  .object({
    entities: z.string({ error: 'is required: a Parquet or CSV file of entity rows' }).min(1),
    features: z.string().optional(),
    service: z.string().optional(),
    output: z.string({ error: 'is required: where to write the Parquet result' }).min(1),
    timestampColumn: z.string().min(1).default('event_timestamp'),
    fullNames: z.boolean().default(false),
  })
  .refine((options) => (options.features === undefined) !== (options.service === undefined), {
    error: 'give either --features or --service',
    path: ['features'],
  });

export function registerFeaturesCommands(program: Command): void {
  const features = program
    .command('features')
    .description('the feature store: definitions, offline builds, online materialization, statistics');

  features
    .command('apply')
    .description(
      'validate the feature definitions (built-in + MLOPS_FEATURE_REPO) and record them in the registry',
    )
    .option('--file <file>', 'a .ts or .js file of your definitions (default MLOPS_FEATURE_REPO)')
    .option('--dry-run', 'show what would change without recording it')
    .action(async (options: { file?: string; dryRun?: boolean }) => {
      process.exitCode = await withFeatureStore(async (store) => {
        const definitions = await store.definitionsInCode(options.file ?? undefined);
        const plan = await store.apply(definitions, { dryRun: options.dryRun === true });
        process.stdout.write(formatPlan(plan, options.dryRun === true));
      });
    });

  features
    .command('list')
    .description('entities, feature views, on-demand views and services in the registry')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      process.exitCode = await withFeatureStore(async (store) => {
        const registry = await store.registry();
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify(registry.objects, null, 2)}\n`);
          return;
        }
        if (registry.objects.length === 0) {
          process.stdout.write('the registry is empty: run `mlops features apply`\n');
          return;
        }
        const summaries = await store.featureViewSummaries();
        const rows = [];
        for (const object of registry.objects) {
          let detail = '';
          if (object.kind === 'feature_view') {
            const view = registry.featureViews.find((item) => item.name === object.name);
            const summary = summaries.find((item) => item.object.name === object.name);
            const build = summary?.build;
            const online = summary?.materialization;
            detail = [
              `${view?.schema.length ?? 0} features`,
              `ttl ${formatTtl(view?.ttlSeconds ?? 0)}`,
              build === undefined
                ? 'not built'
                : `built ${build.row_count} rows${build.validation.passed ? '' : ' (INVALID)'}`,
              online === undefined
                ? 'not materialized'
                : `online ${online.row_count} at ${online.end_ts.toISOString()}`,
            ].join(', ');
          } else if (object.kind === 'on_demand_feature_view') {
            detail = `${(object.spec.schema as unknown[]).length} features from ${(object.spec.sources as string[]).join(', ')}`;
          } else if (object.kind === 'feature_service') {
            detail = (object.spec.features as string[]).join(', ');
          } else {
            detail = `join key ${String(object.spec.join_key)}`;
          }
          rows.push([object.kind, object.name, object.version, detail]);
        }
        process.stdout.write(`${formatTable(['kind', 'name', 'version', 'detail'], rows)}\n`);
      });
    });

  features
    .command('describe <name>')
    .description('one registry object: its definition, versions and (for views) the latest build')
    .action(async (name: string) => {
      process.exitCode = await withFeatureStore(async (store) => {
        const history = await store.definitionHistory(name);
        const current = history[0];
        if (current === undefined)
          throw new ValidationError(`nothing named ${name} in the registry`, { field: 'name' });
        const build =
          current.kind === 'feature_view' ? await store.latestBuild(name, { validOnly: false }) : undefined;
        process.stdout.write(
          `${JSON.stringify(
            {
              kind: current.kind,
              name,
              version: current.version,
              removed: current.removed_at !== null,
              spec: current.spec,
              versions: history.map((item) => ({
                version: item.version,
                applied_at: item.applied_at,
                removed_at: item.removed_at,
              })),
              latest_build:
                build === undefined
                  ? null
                  : {
                      ...build,
                      statistics: `${build.statistics.features.length} features (mlops features stats ${name})`,
                    },
            },
            null,
            2,
          )}\n`,
        );
      });
    });

  features
    .command('build')
    .description(
      'compute feature views from the latest data into the offline store (Parquet dataset versions)',
    )
    .option('--view <names>', 'comma-separated views (default all)')
    .action(async (options: { view?: string }) => {
      process.exitCode = await withFeatureStore(async (store) => {
        const startedAt = performance.now();
        const views = list(options.view);
        const builds = await store.build({
          ...(views === undefined ? {} : { views }),
          onView: (view, index, total) =>
            process.stderr.write(`building ${view} (${index + 1}/${total})...\n`),
          onPass: (view, pass, passes) =>
            process.stderr.write(`  ${view}: pass ${pass}/${passes} (entities in ranges, to bound memory)\n`),
        });
        const rows = builds.map((build) => [
          build.feature_view,
          build.row_count,
          build.validation.passed
            ? 'valid'
            : `INVALID: ${build.validation.checks
                .filter((check) => !check.passed)
                .map((check) => check.detail)
                .join('; ')}`,
          build.dataset_version_id.slice(0, 12),
        ]);
        process.stdout.write(
          `${formatTable(['feature view', 'rows', 'validation', 'dataset version'], rows)}\n`,
        );
        process.stdout.write(
          `built ${builds.length} views in ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`,
        );
        return builds.every((build) => build.validation.passed) ? EXIT.OK : EXIT.FAILURE;
      });
    });

  features
    .command('materialize')
    .description('copy the latest values within TTL from the offline store into the online store')
    .option('--incremental', 'only rows newer than the previous run')
    .option('--view <names>', 'comma-separated views (default every online view)')
    .option('--end <time>', 'values as of this time (default now)')
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(MaterializeOptions, raw);
      process.exitCode = await withFeatureStore(async (store) => {
        const views = list(options.view);
        const bar = createProgressBar('materializing', 'entities');
        let current = '';
        const results = await store.materialize({
          incremental: options.incremental,
          ...(views === undefined ? {} : { views }),
          ...(options.end === undefined ? {} : { endTime: new Date(options.end) }),
          onProgress: ({ view, written, total }) => {
            if (view !== current) {
              bar.stop();
              current = view;
              process.stderr.write(`${view}:\n`);
            }
            bar.update(written, total);
          },
        });
        bar.stop();
        const rows = results.map((result) => [
          result.feature_view,
          result.mode,
          result.start_ts?.toISOString() ?? '(no TTL)',
          result.end_ts.toISOString(),
          result.rows,
        ]);
        process.stdout.write(
          `${formatTable(['feature view', 'mode', 'from', 'to', 'entities'], rows)}\nonline store: ${store.onlineStore.backend} (${store.onlineStore.location})\n`,
        );
      });
    });

  features
    .command('stats [view]')
    .description("statistics of each feature in a view's latest build (all views without a name)")
    .option('--json', 'print JSON')
    .action(async (view: string | undefined, options: { json?: boolean }) => {
      process.exitCode = await withFeatureStore(async (store) => {
        const registry = await store.registry();
        const names = view === undefined ? registry.featureViews.map((item) => item.name) : [view];
        const out: Record<string, unknown> = {};
        for (const name of names) {
          const build = await store.latestBuild(name, { validOnly: false });
          if (build === undefined) {
            if (view !== undefined)
              throw new ValidationError(`feature view ${name} has no build: run \`mlops features build\``);
            continue;
          }
          out[name] = { build_id: build.build_id, created_at: build.created_at, ...build.statistics };
          if (options.json !== true) {
            process.stdout.write(
              `\n${name} (build ${build.build_id.slice(0, 12)}, ${build.row_count} rows)\n`,
            );
            process.stdout.write(
              `${formatTable(['feature', 'type', 'count', 'nulls', 'mean', 'std', 'p50', 'min / max or top'], build.statistics.features.map(statRow))}\n`,
            );
          }
        }
        if (options.json === true) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      });
    });

  features
    .command('historical')
    .description('point-in-time training data: each entity row gets feature values as of its own timestamp')
    .option('--entities <file>', 'Parquet or CSV with join keys and a timestamp column')
    .option('--features <refs>', 'comma-separated `view:feature` or `view` references')
    .option('--service <name>', 'a feature service instead of --features')
    .option('--output <file>', 'the Parquet file to write')
    .option('--timestamp-column <name>', 'the entity rows’ timestamp column', 'event_timestamp')
    .option('--full-names', 'name columns view__feature')
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(HistoricalOptions, raw);
      process.exitCode = await withFeatureStore(async (store) => {
        const registry = await store.registry();
        let refs = list(options.features) ?? [];
        if (options.service !== undefined) {
          const service = registry.featureServices.find((item) => item.name === options.service);
          if (service === undefined)
            throw new ValidationError(`unknown feature service ${options.service}`, { field: 'service' });
          refs = service.features.filter((ref) =>
            registry.featureViews.some((view) => view.name === ref.split(':')[0]),
          );
        }
        const startedAt = performance.now();
        const result = await store.historical({
          entities: { file: options.entities },
          features: refs,
          outputFile: options.output,
          timestampColumn: options.timestampColumn,
          fullFeatureNames: options.fullNames,
        });
        process.stdout.write(
          `${result.rowCount} rows × ${result.columns.length} columns written to ${options.output} in ${((performance.now() - startedAt) / 1000).toFixed(1)} s\ncolumns: ${result.columns.join(', ')}\n`,
        );
      });
    });

  features
    .command('get')
    .description(
      'read online features, e.g. mlops features get --features movie_catalogue --entity movie_id=1,2',
    )
    .option('--features <refs>', 'comma-separated `view:feature` or `view` references')
    .option('--service <name>', 'a feature service instead of --features')
    .option('--entity <key=values...>', 'join key and comma-separated values, e.g. movie_id=1,2,3')
    .action(async (options: { features?: string; service?: string; entity?: string[] }) => {
      process.exitCode = await withFeatureStore(async (store, platform) => {
        const entities: Record<string, unknown[]> = {};
        for (const item of options.entity ?? []) {
          const [key, values] = item.split('=');
          if (key === undefined || values === undefined)
            throw new ValidationError(`--entity must look like movie_id=1,2 (got "${item}")`, {
              field: 'entity',
            });
          entities[key] = values.split(',').map((value) => (/^-?\d+$/.test(value) ? Number(value) : value));
        }
        // Users by any id: user_id=test_user_001 reads the features of the user that id was given.
        if (entities.user_id !== undefined)
          entities.user_id = await platform.users.lookupKeys(entities.user_id);
        const response = await store.getOnlineFeatures({
          ...(options.service === undefined
            ? { features: list(options.features) ?? [] }
            : { featureService: options.service }),
          entities,
        });
        process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
      });
    });
}

function formatPlan(plan: PlannedChange[], dryRun: boolean): string {
  const lines: string[] = [];
  for (const change of plan) {
    const version =
      change.change === 'added'
        ? `v${change.to_version}`
        : change.change === 'changed'
          ? `v${change.from_version} → v${change.to_version}`
          : `v${change.from_version}`;
    lines.push(`${change.change.padEnd(9)} ${change.kind} ${change.name} (${version})`);
    for (const line of change.diff) lines.push(`            ${line}`);
  }
  const counts = ['added', 'changed', 'removed', 'unchanged']
    .map((kind) => `${plan.filter((change) => change.change === kind).length} ${kind}`)
    .join(', ');
  lines.push(dryRun ? `dry run: ${counts}; nothing was recorded` : `applied: ${counts}`);
  return `${lines.join('\n')}\n`;
}

function formatTtl(seconds: number): string {
  if (seconds === 0) return 'none';
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  return `${seconds}s`;
}

function statRow(stat: FeatureStatistic): (string | number)[] {
  const number = (value: number | null | undefined) =>
    value === null || value === undefined ? '' : Number.isInteger(value) ? String(value) : value.toFixed(3);
  const range =
    stat.top !== undefined
      ? stat.top
          .slice(0, 3)
          .map((item) => `${item.value} (${item.count})`)
          .join(', ')
      : stat.min !== undefined
        ? `${typeof stat.min === 'number' ? number(stat.min) : stat.min} / ${typeof stat.max === 'number' ? number(stat.max) : stat.max}`
        : '';
  return [
    stat.name,
    stat.dtype,
    stat.count,
    stat.nulls,
    number(stat.mean),
    number(stat.std),
    number(stat.quantiles?.p50),
    range,
  ];
}

import { copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { MlopsError } from '../errors/index.js';
import {
  checkoutDatasetVersion,
  type DatasetVersion,
  latestDatasetVersion,
  recordDatasetVersion,
  resolveDatasetVersion,
  saveValidation,
} from '../lineage/index.js';
import type { Logger } from '../logging/index.js';
import type { ArtifactStore, MetadataDb } from '../storage/index.js';
import { loadCatalogue } from './catalogue-store.js';
import { SUITES, type ValidationReport, validateParquet } from './expectations/index.js';
import { writeInteractionsCsv, writeInteractionsParquet, writeMoviesParquet } from './parquet.js';
import type { InteractionColumns, MovieRecord } from './records.js';

/** What data operations need from the platform. */
export interface DataContext {
  db: MetadataDb;
  artifacts: ArtifactStore;
  /** MLOPS_HOME: raw snapshots and processed copies go under `<home>/data`. */
  home: string;
  logger: Logger;
}

export interface PublishedDataset {
  version: DatasetVersion;
  isNew: boolean;
  report: ValidationReport | undefined;
}

export interface PublishResult {
  movies: PublishedDataset;
  watchLog?: PublishedDataset;
}

export interface PublishInput {
  source: string;
  params: Record<string, unknown>;
  movies: readonly MovieRecord[];
  watchLog?: InteractionColumns;
  /** Versions the catalogue was made from (e.g. a raw TMDB snapshot). */
  parents?: { kind: string; id: string }[];
  /** Also write `<home>/data/processed/watch_log.csv`. */
  writeCsv?: boolean;
}

/**
 * Writes a catalogue (and watch log) as Parquet, records each as a content-addressed version linked to
 * its parents (the watch log's parent is the catalogue), validates both, and loads the catalogue into the
 * movies table. A critical validation failure stops here: the previous catalogue stays in place.
 */
export async function publishDatasets(context: DataContext, input: PublishInput): Promise<PublishResult> {
  const work = await makeWorkDir(context.home);
  try {
    const moviesFile = path.join(work, 'movies.parquet');
    await writeMoviesParquet(moviesFile, input.movies);
    const movies = await recordAndValidate(context, {
      dataset: 'movies',
      file: moviesFile,
      format: 'parquet',
      source: input.source,
      params: input.params,
      rowCount: input.movies.length,
      parents: input.parents ?? [],
    });

    let watchLog: PublishedDataset | undefined;
    if (input.watchLog !== undefined) {
      const watchLogFile = path.join(work, 'watch_log.parquet');
      await writeInteractionsParquet(watchLogFile, input.watchLog);
      watchLog = await recordAndValidate(context, {
        dataset: 'watch_log',
        file: watchLogFile,
        format: 'parquet',
        source: input.source,
        params: input.params,
        rowCount: input.watchLog.length,
        parents: [{ kind: 'dataset', id: movies.version.version_id }],
      });
    }

    const failed = [movies, watchLog].filter((dataset) => dataset?.report?.passed === false);
    if (failed.length > 0) {
      // Name each failing critical expectation with what was observed, so the import's own message says
      // what is wrong (not only `mlops data validate`).
      const reasons = failed.flatMap((dataset) =>
        (dataset?.report?.results ?? [])
          .filter((result) => !result.passed && result.severity === 'critical')
          .map(
            (result) =>
              `${dataset?.version.dataset}: ${result.expectation}${result.column === null ? '' : ` on ${result.column}`} expected ${result.expected}, observed ${result.observed}`,
          ),
      );
      throw new MlopsError(
        'MLOPS_ERR_DATA_VALIDATION_FAILED',
        `${failed.map((dataset) => `${dataset?.version.dataset} ${dataset?.version.version_id.slice(0, 12)}`).join(' and ')} failed validation (${reasons.join('; ')}); the current catalogue is unchanged (see \`mlops data validate\`)`,
      );
    }

    await loadCatalogue(context.db, input.movies, movies.version.version_id);
    await publishProcessedCopies(context.home, work, input.watchLog !== undefined);
    if (input.writeCsv === true && input.watchLog !== undefined) {
      await writeInteractionsCsv(
        path.join(context.home, 'data', 'processed', 'watch_log.csv'),
        input.watchLog,
      );
    }
    return { movies, ...(watchLog === undefined ? {} : { watchLog }) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function recordAndValidate(
  context: DataContext,
  input: Parameters<typeof recordDatasetVersion>[1],
): Promise<PublishedDataset> {
  const { version, isNew } = await recordDatasetVersion(context, input);
  const suite = SUITES[input.dataset];
  const report = suite === undefined ? undefined : await validateParquet(input.file, suite);
  if (report !== undefined) await saveValidation(context.db, version.version_id, report);
  context.logger.info(
    {
      component: 'DATA_PROCESSOR',
      action: 'PUBLISH_DATASET',
      dataset: input.dataset,
      version: version.version_id,
      is_new: isNew,
      rows: input.rowCount,
      valid: report?.passed,
    },
    `${input.dataset} ${version.version_id.slice(0, 12)}: ${input.rowCount} rows, ${isNew ? 'new version' : 'same content as an existing version'}`,
  );
  return {
    version: { ...version, is_valid: report?.passed ?? null, validation: report ?? null },
    isNew,
    report,
  };
}

/** Latest copies for people and tools that expect files: `<home>/data/processed/*.parquet`. */
async function publishProcessedCopies(home: string, work: string, hasWatchLog: boolean): Promise<void> {
  const processed = path.join(home, 'data', 'processed');
  await mkdir(processed, { recursive: true });
  const names = hasWatchLog ? ['movies.parquet', 'watch_log.parquet'] : ['movies.parquet'];
  for (const name of names) {
    const tmp = path.join(processed, `${name}.tmp-${process.pid}`);
    await copyFile(path.join(work, name), tmp);
    await rename(tmp, path.join(processed, name));
  }
}

async function makeWorkDir(home: string): Promise<string> {
  const parent = path.join(home, 'tmp');
  await mkdir(parent, { recursive: true });
  return mkdtemp(path.join(parent, 'data-'));
}

/**
 * Validates a stored version (by id, prefix, or dataset name for its latest) and stores the report.
 */
export async function validateStoredDataset(
  context: DataContext,
  reference: string,
): Promise<{ version: DatasetVersion; report: ValidationReport }> {
  const version = await resolveDatasetVersion(context.db, reference);
  const suite = SUITES[version.dataset];
  if (suite === undefined || version.format !== 'parquet') {
    throw new MlopsError(
      'MLOPS_ERR_NOT_FOUND',
      `no expectations are declared for dataset ${version.dataset}`,
      { field: 'dataset' },
    );
  }
  const work = await makeWorkDir(context.home);
  try {
    const file = path.join(work, `${version.dataset}.parquet`);
    await checkoutDatasetVersion(context, version, work);
    const report = await validateParquet(file, suite);
    await saveValidation(context.db, version.version_id, report);
    return { version: { ...version, is_valid: report.passed, validation: report }, report };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Whether any catalogue has been published yet. */
export async function hasCatalogue(db: MetadataDb): Promise<boolean> {
  return (await latestDatasetVersion(db, 'movies')) !== undefined;
}

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
 * Writes a catalogue (and watch log) as Parquet, validates both, records each as a content-addressed
 * version linked to its parents (the watch log's parent is the catalogue), and loads the catalogue into the
 * movies table. A critical validation failure stops here: only the failing datasets are recorded (invalid),
 * none of the import is recorded as valid, and the previous catalogue stays in place.
 */
export async function publishDatasets(context: DataContext, input: PublishInput): Promise<PublishResult> {
  const work = await makeWorkDir(context.home);
  try {
    const moviesFile = path.join(work, 'movies.parquet');
    await writeMoviesParquet(moviesFile, input.movies);
    const moviesReport = await validateFile('movies', moviesFile);
    let watchLogFile: string | undefined;
    let watchLogReport: ValidationReport | undefined;
    if (input.watchLog !== undefined) {
      watchLogFile = path.join(work, 'watch_log.parquet');
      await writeInteractionsParquet(watchLogFile, input.watchLog);
      watchLogReport = await validateFile('watch_log', watchLogFile);
    }
    const record = (dataset: string, file: string, rowCount: number, parents: PublishInput['parents']) =>
      recordValidated(
        context,
        { dataset, file, format: 'parquet', source: input.source, params: input.params, rowCount, parents },
        dataset === 'movies' ? moviesReport : watchLogReport,
      );

    const isFailed = (report: ValidationReport | undefined) => report?.passed === false;
    if (isFailed(moviesReport) || isFailed(watchLogReport)) {
      // Only the datasets that failed are recorded (invalid, with their reports, for `mlops data validate`):
      // a catalogue that passed but came with a failing watch log is no valid version of anything.
      const failed: PublishedDataset[] = [];
      if (isFailed(moviesReport))
        failed.push(await record('movies', moviesFile, input.movies.length, input.parents ?? []));
      if (isFailed(watchLogReport) && watchLogFile !== undefined)
        failed.push(await record('watch_log', watchLogFile, input.watchLog?.length ?? 0, []));
      // Name each failing critical expectation with what was observed, so the import's own message says
      // what is wrong (not only `mlops data validate`).
      const reasons = failed.flatMap((dataset) =>
        (dataset.report?.results ?? [])
          .filter((result) => !result.passed && result.severity === 'critical')
          .map(
            (result) =>
              `${dataset.version.dataset}: ${result.expectation}${result.column === null ? '' : ` on ${result.column}`} expected ${result.expected}, observed ${result.observed}`,
          ),
      );
      throw new MlopsError(
        'MLOPS_ERR_DATA_VALIDATION_FAILED',
        `${failed.map((dataset) => `${dataset.version.dataset} ${dataset.version.version_id.slice(0, 12)}`).join(' and ')} failed validation (${reasons.join('; ')}); nothing of it is recorded as valid and the current catalogue is unchanged (see \`mlops data validate\`)`,
      );
    }

    const movies = await record('movies', moviesFile, input.movies.length, input.parents ?? []);
    const watchLog =
      watchLogFile === undefined
        ? undefined
        : await record('watch_log', watchLogFile, input.watchLog?.length ?? 0, [
            { kind: 'dataset', id: movies.version.version_id },
          ]);
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

async function validateFile(dataset: string, file: string): Promise<ValidationReport | undefined> {
  const suite = SUITES[dataset];
  return suite === undefined ? undefined : validateParquet(file, suite);
}

async function recordValidated(
  context: DataContext,
  input: Parameters<typeof recordDatasetVersion>[1],
  report: ValidationReport | undefined,
): Promise<PublishedDataset> {
  const { version, isNew } = await recordDatasetVersion(context, input);
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

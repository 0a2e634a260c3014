import type { Command } from 'commander';
import { z } from 'zod';
import {
  crawlAndPublish,
  formatReport,
  generateSyntheticData,
  type PublishResult,
  publicMovies,
  publishDatasets,
  readMovieLens,
  TmdbClient,
  toInteractionColumns,
  validateStoredDataset,
  writeMovieLens,
} from '../../data/index.js';
import { ConfigError } from '../../errors/index.js';
import { lineageService } from '../../lineage/index.js';
import { dataContext, EXIT, withPlatform } from '../context.js';
import { parseOptions } from '../options.js';
import { createProgressBar } from '../progress.js';
import { formatTable } from '../table.js';

const wholeNumber = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int({ error: `must be a whole number from ${min} to ${max}` })
    .min(min, { error: `must be a whole number from ${min} to ${max}` })
    .max(max, { error: `must be a whole number from ${min} to ${max}` });
const share = z.coerce
  .number({ error: 'must be a number from 0 to 1' })
  .min(0, { error: 'must be a number from 0 to 1' })
  .max(1, { error: 'must be a number from 0 to 1' });
const isoDate = z
  .string()
  .regex(/^\d{4}-\d\d-\d\d$/, { error: 'must be a date like 2026-01-31' })
  .refine((value) => !Number.isNaN(Date.parse(value)), { error: 'is not a real date' });

const GenerateOptions = z.object({
  users: wholeNumber(1, 10_000_000),
  movies: wholeNumber(1, 1_000_000),
  interactions: wholeNumber(1, 200_000_000),
  seed: wholeNumber(0, 2 ** 32 - 1),
  endDate: isoDate,
  days: wholeNumber(1, 3650),
  driftDate: isoDate.optional(),
  driftTaste: share,
  driftPopularity: share,
  csv: z.boolean().default(false),
  movielens: z.string().min(1).optional(),
});

const CrawlOptions = z.object({
  pages: z
    .string()
    .regex(/^\d+(-\d+)?$/, { error: 'must be a page or a range like 1-50' })
    .transform((value) => {
      const [from, to] = value.split('-').map(Number);
      return { from: from ?? 1, to: to ?? from ?? 1 };
    })
    .refine((range) => range.from >= 1 && range.to >= range.from && range.to <= 500, {
      error: 'must lie within 1-500, first page first',
    }),
  language: z
    .string()
    .regex(/^[a-z]{2}(-[A-Z]{2})?$/, { error: 'must be a language code like ko-KR or en-US' }),
  region: z.string().regex(/^[A-Z]{2}$/, { error: 'must be a two-letter region code like KR' }),
  rps: z.coerce
    .number({ error: 'must be a number from 1 to 50' })
    .min(1, { error: 'must be a number from 1 to 50' })
    .max(50, { error: 'must be a number from 1 to 50' }),
  details: z.boolean(),
  fresh: z.boolean().default(false),
});

export function registerDataCommands(program: Command): void {
  const data = program
    .command('data')
    .description('collect, generate, import, validate and version datasets (stage 1 and 3)');

  data
    .command('generate')
    .description(
      'generate a synthetic catalogue and watch log with real taste signal, offline and deterministic',
    )
    .option('--users <n>', 'number of users', '6000')
    .option('--movies <n>', 'number of movies', '4000')
    .option('--interactions <n>', 'number of watch events', '1000000')
    .option('--seed <n>', 'random seed: the same seed gives the same data', '42')
    .option('--end-date <date>', 'last day of the watch log (UTC)', new Date().toISOString().slice(0, 10))
    .option('--days <n>', 'days the watch log spans', '180')
    .option(
      '--drift-date <date>',
      'from this day on, shift tastes and popularity (see --drift-taste, --drift-popularity)',
    )
    .option('--drift-taste <share>', 'how far user tastes move after the drift date, 0-1', '0.5')
    .option(
      '--drift-popularity <share>',
      'share of the catalogue whose popularity is reshuffled after the drift date, 0-1',
      '0.3',
    )
    .option('--csv', 'also write data/processed/watch_log.csv (the reference format)')
    .option(
      '--movielens <dir>',
      'also write the data as a MovieLens folder (ml-1m layout: movies.dat, ratings.dat), for `mlops data import movielens`',
    )
    .action(async (raw: Record<string, unknown>) => {
      process.exitCode = await withPlatform(async (platform) => {
        const options = parseOptions(GenerateOptions, raw);
        const bar = createProgressBar('generating watch log', 'rows');
        const startedAt = performance.now();
        const { movies, watchLog } = generateSyntheticData({
          ...options,
          ...(options.driftDate === undefined
            ? {}
            : {
                drift: {
                  date: options.driftDate,
                  tasteShift: options.driftTaste,
                  popularityShift: options.driftPopularity,
                },
              }),
          onProgress: (done, total) => bar.update(done, total),
        });
        bar.stop();
        const generatedIn = performance.now() - startedAt;
        const { movielens, ...params } = options;
        const result = await publishDatasets(dataContext(platform), {
          source: 'synthetic',
          params: { generator: 'synthetic', ...params },
          movies: publicMovies(movies),
          watchLog,
          writeCsv: options.csv,
        });
        printPublished(
          result,
          `generated ${movies.length} movies and ${watchLog.length} interactions in ${(generatedIn / 1000).toFixed(1)} s`,
        );
        if (movielens !== undefined) {
          const written = await writeMovieLens(movielens, movies, watchLog);
          process.stdout.write(
            `wrote a MovieLens folder (ml-1m layout) to ${movielens}: ${written.movies} movies, ${written.ratings} ratings\n`,
          );
        }
      });
    });

  data
    .command('crawl')
    .description(
      'crawl popular movies, details and genres from the TMDB API (needs TMDB_API_KEY); resumes an interrupted crawl',
    )
    .option('--pages <range>', 'page range, e.g. 1-50 (TMDB serves 1-500)', '1-3')
    .option('--language <code>', 'TMDB language', 'ko-KR')
    .option('--region <code>', 'TMDB region', 'KR')
    .option('--rps <n>', 'requests per second at most', '20')
    .option('--no-details', 'skip the per-movie details requests')
    .option('--fresh', 'start a new snapshot instead of resuming an unfinished one')
    .action(async (raw: Record<string, unknown>) => {
      process.exitCode = await withPlatform(async (platform) => {
        const options = parseOptions(CrawlOptions, raw);
        const apiKey = platform.config.data.tmdbApiKey;
        if (apiKey === undefined) {
          throw new ConfigError(
            'TMDB_API_KEY is not set: get a key at https://www.themoviedb.org/settings/api, or use `mlops data generate` to work offline',
            { field: 'TMDB_API_KEY' },
          );
        }
        const client = new TmdbClient({
          apiKey,
          baseUrl: platform.config.data.tmdbBaseUrl,
          language: options.language,
          region: options.region,
          requestsPerSecond: options.rps,
        });
        const controller = new AbortController();
        const onSignal = () => controller.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const bar = createProgressBar('crawling TMDB', 'steps');
        try {
          const { crawl, published, isResumed } = await crawlAndPublish(dataContext(platform), {
            client,
            fromPage: options.pages.from,
            toPage: options.pages.to,
            withDetails: options.details,
            isFresh: options.fresh,
            signal: controller.signal,
            onProgress: (progress) => bar.update(progress.done, progress.total),
          });
          bar.stop();
          printPublished(
            published,
            `${isResumed ? 'resumed and finished' : 'crawled'} pages ${options.pages.from}-${options.pages.to}: ${crawl.pagesFetched} fetched, ${crawl.pagesSkipped} already done, ${crawl.movies.length} movies (snapshot ${crawl.snapshotDir})`,
          );
        } catch (error) {
          bar.stop();
          if (controller.signal.aborted) {
            process.stderr.write(
              'mlops: crawl interrupted; what was fetched is kept: run the same command again to resume\n',
            );
            return 130;
          }
          throw error;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    });

  const importCommand = data.command('import').description('import real datasets');
  importCommand
    .command('movielens <dir>')
    .description('import MovieLens ratings and movies (ml-100k, ml-latest-small or ml-1m layout)')
    .action(async (dir: string) => {
      process.exitCode = await withPlatform(async (platform) => {
        const imported = await readMovieLens(dir, { userKeys: (ids) => platform.users.assignAll(ids) });
        const result = await publishDatasets(dataContext(platform), {
          source: 'movielens',
          params: { importer: 'movielens', layout: imported.layout, dir },
          movies: imported.movies,
          watchLog: toInteractionColumns(imported.interactions),
        });
        printPublished(
          result,
          `imported ${imported.layout}: ${imported.movies.length} movies, ${imported.interactions.length} ratings`,
          imported.warnings,
        );
      });
    });

  data
    .command('validate <dataset-or-version>')
    .description(
      'run the declared expectations on a dataset (its latest version) or a version; exit 1 on a critical failure',
    )
    .option('--json', 'print the report as JSON')
    .action(async (reference: string, options: { json?: boolean }) => {
      process.exitCode = await withPlatform(async (platform) => {
        const { version, report } = await validateStoredDataset(dataContext(platform), reference);
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ version_id: version.version_id, ...report }, null, 2)}\n`
            : `${formatReport(report, version.version_id)}\n`,
        );
        return report.passed ? EXIT.OK : EXIT.FAILURE;
      });
    });

  data
    .command('versions')
    .description('list dataset versions, newest first')
    .option('--dataset <name>', 'only this dataset (movies, watch_log, tmdb_popular_raw)')
    .option('--json', 'print as JSON')
    .action(async (options: { dataset?: string; json?: boolean }) => {
      process.exitCode = await withPlatform(async (platform) => {
        const lineage = lineageService(platform);
        const versions = await lineage.listDatasetVersions(
          options.dataset === undefined ? {} : { dataset: options.dataset },
        );
        if (options.json) {
          process.stdout.write(`${JSON.stringify(versions, null, 2)}\n`);
          return;
        }
        if (versions.length === 0) {
          process.stdout.write('no dataset versions yet: run `mlops data generate` (or crawl / import)\n');
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['version', 'dataset', 'source', 'rows', 'size', 'valid', 'written'],
            versions.map((version) => [
              version.version_id.slice(0, 12),
              version.dataset,
              version.source,
              version.row_count ?? '',
              formatBytes(version.size_bytes),
              version.is_valid === null ? '?' : version.is_valid ? 'yes' : 'NO',
              new Date(version.updated_at).toISOString().replace('T', ' ').slice(0, 19),
            ]),
          )}\n`,
        );
      });
    });

  data
    .command('show <version>')
    .description('show one version: parameters, code revision, validation and lineage')
    .option('--json', 'print as JSON')
    .action(async (reference: string, options: { json?: boolean }) => {
      process.exitCode = await withPlatform(async (platform) => {
        const lineage = lineageService(platform);
        const version = await lineage.resolveDatasetVersion(reference);
        const links = await lineage.lineageOf('dataset', version.version_id);
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ ...version, lineage: links }, null, 2)}\n`);
          return;
        }
        const lines = [
          `version       ${version.version_id}`,
          `dataset       ${version.dataset} (${version.format}, ${version.row_count ?? '?'} rows, ${formatBytes(version.size_bytes)})`,
          `source        ${version.source}`,
          `code revision ${version.code_revision}`,
          `artifact      ${version.artifact_key}`,
          `written       ${new Date(version.created_at).toISOString()} (last ${new Date(version.updated_at).toISOString()})`,
          `parameters    ${JSON.stringify(version.params)}`,
          `made from     ${links.ancestors.map((node) => `${node.kind} ${node.id.slice(0, 12)}`).join(' <- ') || '(nothing)'}`,
          `used by       ${links.children.map((node) => `${node.kind} ${node.id.slice(0, 12)}`).join(', ') || '(nothing yet)'}`,
        ];
        const report = version.validation as Parameters<typeof formatReport>[0] | null;
        process.stdout.write(
          `${lines.join('\n')}\n${report ? formatReport(report, version.version_id) : 'validation    not run'}\n`,
        );
      });
    });

  data
    .command('checkout <version> <dir>')
    .description('copy a version (verified by its SHA-256) into a folder, with a manifest')
    .action(async (reference: string, dir: string) => {
      process.exitCode = await withPlatform(async (platform) => {
        const lineage = lineageService(platform);
        const version = await lineage.resolveDatasetVersion(reference);
        const file = await lineage.checkoutDatasetVersion(version, dir);
        process.stdout.write(
          `checked out ${version.dataset} ${version.version_id.slice(0, 12)} to ${file}\n`,
        );
      });
    });
}

/** The published versions, then every warning: the reader's (e.g. CR LF lines) and failed warning expectations. */
function printPublished(result: PublishResult, headline: string, readerWarnings: string[] = []): void {
  const lines = [headline];
  const warnings = readerWarnings.map((warning) => `  warning: ${warning}`);
  for (const dataset of [result.movies, result.watchLog]) {
    if (dataset === undefined) continue;
    const state = dataset.isNew ? 'new version' : 'unchanged (same content as before)';
    const valid = dataset.report === undefined ? '' : dataset.report.passed ? ', valid' : ', INVALID';
    lines.push(
      `  ${dataset.version.dataset.padEnd(10)} ${dataset.version.version_id.slice(0, 12)}  ${state}${valid}`,
    );
    for (const check of dataset.report?.results ?? []) {
      if (check.passed || check.severity !== 'warning') continue;
      warnings.push(
        `  warning: ${dataset.version.dataset}: ${check.expectation}${check.column === null ? '' : ` on ${check.column}`} expected ${check.expected}, observed ${check.observed}`,
      );
    }
  }
  process.stdout.write(`${[...lines, ...warnings].join('\n')}\n`);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

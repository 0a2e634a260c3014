import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { recordDatasetVersion } from '../../lineage/index.js';
import { type DataContext, type PublishResult, publishDatasets } from '../data-service.js';
import type { TmdbClient } from './tmdb-client.js';
import { type CrawlProgress, type CrawlResult, crawlTmdb, readCrawlState } from './tmdb-crawler.js';

export interface CrawlAndPublishOptions {
  client: TmdbClient;
  fromPage: number;
  toPage: number;
  withDetails: boolean;
  /** Start a new snapshot even if an unfinished one with the same settings exists. */
  isFresh?: boolean;
  onProgress?: (progress: CrawlProgress) => void;
  signal?: AbortSignal;
  now?: Date;
}

/**
 * Crawls TMDB into a dated snapshot under `<home>/data/raw/tmdb/snapshots/`, resuming the newest unfinished
 * snapshot with the same settings, then keeps the result as the reference's `data/raw/tmdb/popular.json`,
 * records it as a raw dataset version, and publishes the normalized catalogue made from it.
 */
export async function crawlAndPublish(
  context: DataContext,
  options: CrawlAndPublishOptions,
): Promise<{ crawl: CrawlResult; published: PublishResult; isResumed: boolean }> {
  const root = path.join(context.home, 'data', 'raw', 'tmdb');
  const snapshots = path.join(root, 'snapshots');
  await mkdir(snapshots, { recursive: true });
  const unfinished = options.isFresh ? undefined : await findUnfinished(snapshots, options);
  const snapshotDir = unfinished ?? path.join(snapshots, stamp(options.now ?? new Date()));

  const crawl = await crawlTmdb({
    client: options.client,
    fromPage: options.fromPage,
    toPage: options.toPage,
    snapshotDir,
    withDetails: options.withDetails,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });

  const latest = path.join(root, 'popular.json');
  await copyFile(path.join(snapshotDir, 'popular.json'), `${latest}.tmp-${process.pid}`);
  await rename(`${latest}.tmp-${process.pid}`, latest);
  const params = {
    crawler: 'tmdb',
    pages: `${options.fromPage}-${options.toPage}`,
    language: options.client.language,
    region: options.client.region,
    with_details: options.withDetails,
    snapshot: path.relative(context.home, snapshotDir),
  };
  const raw = await recordDatasetVersion(context, {
    dataset: 'tmdb_popular_raw',
    file: latest,
    format: 'json',
    source: 'tmdb',
    params,
    rowCount: crawl.popular.length,
  });
  const published = await publishDatasets(context, {
    source: 'tmdb',
    params,
    movies: crawl.movies,
    parents: [{ kind: 'dataset', id: raw.version.version_id }],
  });
  return { crawl, published, isResumed: unfinished !== undefined };
}

async function findUnfinished(
  snapshots: string,
  options: CrawlAndPublishOptions,
): Promise<string | undefined> {
  const names = (await readdir(snapshots)).sort().reverse();
  for (const name of names) {
    const dir = path.join(snapshots, name);
    if (!existsSync(path.join(dir, 'state.json'))) continue;
    const state = await readCrawlState(dir).catch(() => undefined);
    if (
      state !== undefined &&
      state.finishedAt === undefined &&
      state.fromPage === options.fromPage &&
      state.toPage === options.toPage &&
      state.language === options.client.language &&
      state.region === options.client.region &&
      state.withDetails === options.withDetails
    ) {
      return dir;
    }
  }
  return undefined;
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

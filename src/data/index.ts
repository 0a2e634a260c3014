export { type CatalogueService, catalogueService } from './catalogue-service.js';
export {
  catalogueSummaries,
  getMovie,
  listGenres,
  type MovieQuery,
  type MovieRow,
  queryMovies,
} from './catalogue-store.js';
export {
  type DataContext,
  hasCatalogue,
  type PublishedDataset,
  type PublishInput,
  type PublishResult,
  publishDatasets,
  validateStoredDataset,
} from './data-service.js';
export { DEMO_DATA_OPTIONS, ensureDemoData } from './demo-data.js';
export { formatReport, SUITES, type ValidationReport } from './expectations/index.js';
export { writeMovieLens } from './movielens/movielens-export.js';
export { type MovieLensData, type MovieLensLayout, readMovieLens } from './movielens/movielens-import.js';
export {
  configureDuckDb,
  readMoviesParquet,
  sqlString,
  withDuckDb,
  writeInteractionsParquet,
  writeMoviesParquet,
} from './parquet.js';
export {
  type InteractionColumns,
  type InteractionRecord,
  type MovieRecord,
  toInteractionColumns,
} from './records.js';
export { GENRES } from './synthetic/catalogue-generator.js';
export {
  generateSyntheticCatalogue,
  generateSyntheticData,
  generateSyntheticWatchLog,
  publicMovies,
  type SyntheticOptions,
} from './synthetic/generate-synthetic.js';
export { SeededRandom } from './synthetic/random.js';
export { type CrawlAndPublishOptions, crawlAndPublish } from './tmdb/crawl-and-publish.js';
export { TmdbClient, type TmdbClientOptions } from './tmdb/tmdb-client.js';
export { type CrawlProgress, type CrawlResult, crawlTmdb, readCrawlState } from './tmdb/tmdb-crawler.js';

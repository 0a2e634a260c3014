import { type DataContext, hasCatalogue, type PublishResult, publishDatasets } from './data-service.js';
import {
  generateSyntheticData,
  publicMovies,
  type SyntheticOptions,
} from './synthetic/generate-synthetic.js';

/** The demo data set made on first start: the sizes of the seed guide's example. */
export const DEMO_DATA_OPTIONS: Omit<SyntheticOptions, 'endDate'> = {
  users: 6000,
  movies: 4000,
  interactions: 1_000_000,
  seed: 42,
  days: 180,
};

/**
 * Generates and publishes the synthetic demo catalogue and watch log when no catalogue exists yet, so a
 * fresh install is usable offline at once. Resolves with what was published, or undefined when data exists.
 */
export async function ensureDemoData(
  context: DataContext,
  now = new Date(),
): Promise<PublishResult | undefined> {
  if (await hasCatalogue(context.db)) return undefined;
  const log = context.logger.child({ component: 'DATA_PROCESSOR' });
  const startedAt = performance.now();
  log.info(
    { action: 'DEMO_DATA' },
    'no data yet: generating the offline demo catalogue and watch log (first start only)',
  );
  const options = { ...DEMO_DATA_OPTIONS, endDate: now.toISOString().slice(0, 10) };
  const { movies, watchLog } = generateSyntheticData(options);
  const result = await publishDatasets(context, {
    source: 'synthetic',
    params: { generator: 'synthetic', reason: 'demo data on first start', ...options },
    movies: publicMovies(movies),
    watchLog,
  });
  log.info(
    { action: 'DEMO_DATA', duration_ms: Math.round(performance.now() - startedAt) },
    `demo data ready: ${movies.length} movies, ${watchLog.length} interactions`,
  );
  return result;
}

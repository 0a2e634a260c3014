import { type Config, loadConfig } from '../../src/config/index.js';
import {
  generateSyntheticData,
  publicMovies,
  publishDatasets,
  type SyntheticOptions,
} from '../../src/data/index.js';
import { latestDatasetVersion } from '../../src/lineage/index.js';
import { createLogger, type Logger } from '../../src/logging/index.js';
import { readDatasetPairs } from '../../src/models/index.js';
import { contextOf, openPlatform, type Platform } from '../../src/platform/index.js';
import { createCapturingLogger } from './logs.js';
import { createPostgresDatabase, createTestHome, testS3Env } from './services.js';

export interface TestPlatform {
  platform: Platform;
  config: Config;
  logger: Logger;
  logLines: () => Record<string, unknown>[];
  dispose(): Promise<void>;
}

/** A platform on embedded storage in a fresh temporary home, with its logs captured. */
export async function openTestPlatform(env: Record<string, string> = {}): Promise<TestPlatform> {
  const { home, remove } = createTestHome();
  const config = loadConfig({ env: { MLOPS_HOME: home, MLOPS_PORT: '0', ...env }, cwd: home });
  const { logger, lines } = createCapturingLogger('debug');
  const platform = await openPlatform(config, logger);
  return {
    platform,
    config,
    logger,
    logLines: lines,
    async dispose() {
      await platform.close();
      remove();
    },
  };
}

export type Backend = 'PGlite + local folder' | 'PostgreSQL + S3 (s3proxy)';
export const BACKENDS: Backend[] = ['PGlite + local folder', 'PostgreSQL + S3 (s3proxy)'];

/**
 * A silent platform on one of the two storage set-ups: the embedded default, or a fresh PostgreSQL
 * database with artifacts in the test S3 bucket (under a prefix of its own).
 */
export async function openBackend(
  backend: Backend,
  extraEnv: Record<string, string> = {},
): Promise<{ platform: Platform; dispose(): Promise<void> }> {
  const quiet = createLogger({ level: 'silent', format: 'json' });
  if (backend === 'PGlite + local folder') {
    const { home, remove } = createTestHome();
    const platform = await openPlatform(
      loadConfig({ env: { MLOPS_HOME: home, ...extraEnv }, cwd: home }),
      quiet,
    );
    return {
      platform,
      dispose: async () => {
        await platform.close();
        remove();
      },
    };
  }
  const database = await createPostgresDatabase();
  const { home, remove } = createTestHome({ withDatabase: false });
  const env = {
    MLOPS_HOME: home,
    MLOPS_DATABASE_URL: database.url,
    ...testS3Env(`data-${database.name}`),
    ...extraEnv,
  };
  const platform = await openPlatform(loadConfig({ env, cwd: home }), quiet);
  return {
    platform,
    dispose: async () => {
      await platform.close();
      await database.drop();
      remove();
    },
  };
}

/** What data, model and serving operations take from an open platform. */
export { contextOf };

/** Publishes a synthetic catalogue and watch log; resolves with the watch log's version id. */
export async function publishSynthetic(platform: Platform, options: SyntheticOptions): Promise<string> {
  const { movies, watchLog } = generateSyntheticData(options);
  const published = await publishDatasets(contextOf(platform), {
    source: 'synthetic',
    params: { ...options },
    movies: publicMovies(movies),
    watchLog,
  });
  return published.watchLog?.version.version_id ?? '';
}

/** Every user's watched movies in the latest published watch log (what serving excludes as seen). */
export async function watchedByUser(platform: Platform): Promise<Map<number, Set<number>>> {
  const context = contextOf(platform);
  const published = await latestDatasetVersion(context.db, 'watch_log');
  if (published === undefined) throw new Error('the watch log was not published');
  const pairs = await readDatasetPairs(context, published);
  const watched = new Map<number, Set<number>>();
  for (let p = 0; p < pairs.length; p++) {
    const set = watched.get(pairs.userId[p] as number) ?? new Set();
    set.add(pairs.movieId[p] as number);
    watched.set(pairs.userId[p] as number, set);
  }
  return watched;
}

import { type Config, loadConfig } from '../../src/config/index.js';
import type { Logger } from '../../src/logging/index.js';
import { openPlatform, type Platform } from '../../src/platform/index.js';
import { createCapturingLogger } from './logs.js';
import { createTestHome } from './services.js';

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

import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { freePort, runCli, startCli } from '../helpers/cli.js';
import { createTestHome, serviceValue } from '../helpers/services.js';

const DATA = ['--users', '300', '--movies', '200', '--interactions', '15000', '--seed', '3', '--days', '60'];

describe('the feature store in a running platform', () => {
  it('mlops up builds and materializes features into Redis on first start, and serves them', async () => {
    const { home, remove } = createTestHome();
    const port = await freePort();
    const prefix = `up-test:${port}:`;
    const env = {
      MLOPS_HOME: home,
      MLOPS_PORT: String(port),
      MLOPS_FEATURES_BOOTSTRAP: 'true',
      MLOPS_ONLINE_STORE: 'redis',
      REDIS_URL: serviceValue('MLOPS_TEST_REDIS_URL'),
      MLOPS_REDIS_KEY_PREFIX: prefix,
    };
    expect((await runCli(['data', 'generate', ...DATA], env)).code).toBe(0);
    const up = startCli(['up'], env);
    const redis = new Redis(serviceValue('MLOPS_TEST_REDIS_URL'));
    try {
      await up.waitFor(/movie-mlops is up/, 90_000);
      expect(up.output()).toContain('no features built yet: running movie_feature_pipeline');

      const movie = await fetch(`http://127.0.0.1:${port}/api/v1/features/movie/1`);
      expect(movie.status).toBe(200);
      expect(await movie.json()).toMatchObject({ entity_type: 'movie', entity_id: 1, found: true });

      const online = await fetch(`http://127.0.0.1:${port}/get-online-features`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          feature_service: 'recommender_v1',
          entities: { movie_id: [1], user_id: [1] },
        }),
      });
      expect(online.status).toBe(200);
      const body = (await online.json()) as { results: { statuses: string[] }[] };
      expect(body.results.slice(2).every((result) => result.statuses[0] === 'PRESENT')).toBe(true);

      // The values really are in Redis, under the configured prefix.
      const keys = await redis.keys(`${prefix}movie_catalogue:*`);
      expect(keys.length).toBeGreaterThan(150);
    } finally {
      up.child.kill('SIGTERM');
      expect(await up.exited).toBe(0);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      remove();
    }
  }, 120_000);

  it('stops with a clear error when the Redis online store cannot be reached or is not configured', async () => {
    const { home, remove } = createTestHome();
    const deadPort = await freePort();
    const unreachable = await runCli(['features', 'list'], {
      MLOPS_HOME: home,
      MLOPS_ONLINE_STORE: 'redis',
      REDIS_URL: `redis://:secret@127.0.0.1:${deadPort}`,
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(
      `cannot reach the Redis online store at redis://:***@127.0.0.1:${deadPort}`,
    );
    expect(unreachable.stderr).not.toContain('secret');

    const missing = await runCli(['features', 'list'], { MLOPS_HOME: home, MLOPS_ONLINE_STORE: 'redis' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('REDIS_URL is required when MLOPS_ONLINE_STORE=redis');
    remove();
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_FEATURES, FeatureStore } from '../../src/features/index.js';
import { contextOf, openTestPlatform, type TestPlatform } from '../helpers/platform.js';

describe('online reads when the feature registry cannot be read again', () => {
  let test: TestPlatform;
  let store: FeatureStore;

  beforeAll(async () => {
    test = await openTestPlatform();
    store = await FeatureStore.open({ ...contextOf(test.platform), config: test.config.features });
    await store.apply(BUILTIN_FEATURES);
  });
  afterAll(async () => {
    await store?.close();
    await test?.dispose();
  });

  it('keep answering from the registry last read, log the failure and never end the process', async () => {
    const request = { features: ['movie_catalogue:popularity'], entities: { movie_id: [1] } };
    const before = await store.getOnlineFeatures(request);
    expect(before.metadata.feature_names).toEqual(['movie_id', 'popularity']);

    // The database goes away (a restart, a full pool) after the registry was read once.
    await test.platform.database.close();
    // Past the 2 s the registry copy is trusted for: the next read refreshes it in the background.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const after = await store.getOnlineFeatures(request);
    expect(after.metadata.feature_names).toEqual(before.metadata.feature_names);
    expect(after.results[1]?.statuses).toEqual(before.results[1]?.statuses);
    // The failed refresh is a warning (an unhandled rejection here would fail this test run).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(test.logLines().some((line) => line.action === 'REGISTRY_REFRESH_FAILED')).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnlineStore } from '../../src/features/index.js';
import { entityKeyOf } from '../../src/features/index.js';

export interface OnlineStoreFixture {
  open(): Promise<OnlineStore>;
  /** A second store on the same data (another process, another replica). */
  openAnother(): Promise<OnlineStore>;
  dispose?(): Promise<void>;
}

const T0 = Date.parse('2026-11-01T00:00:00Z');

/** The cases every online store passes, against its real engine. */
export function runOnlineStoreContract(name: string, fixture: OnlineStoreFixture): void {
  describe(`online store contract: ${name}`, () => {
    let store: OnlineStore;
    beforeAll(async () => {
      store = await fixture.open();
    });
    afterAll(async () => {
      await store?.close();
      await fixture.dispose?.();
    });

    it('answers the asked features of each key in the order asked, and undefined for a key it lacks', async () => {
      const written = await store.write('movie_view', [
        { entityKey: '1', values: { popularity: 0.5, genres: ['Drama'], title: 'One' }, eventTimestamp: T0 },
        { entityKey: '2', values: { popularity: 0.9, genres: [], title: 'Two' }, eventTimestamp: T0 },
      ]);
      expect(written).toBe(2);
      const hits = await store.read('movie_view', ['2', '404', '1'], ['title', 'popularity', 'genres']);
      expect(hits).toEqual([
        { values: ['Two', 0.9, []], eventTimestamp: T0 },
        undefined,
        { values: ['One', 0.5, ['Drama']], eventTimestamp: T0 },
      ]);
      const missing = await store.read('movie_view', ['1'], ['no_such_feature']);
      expect(missing[0]?.values).toEqual([null]);
    });

    it('never moves an entity back in time: an older row is ignored, a newer one replaces it', async () => {
      await store.write('user_view', [{ entityKey: '7', values: { count: 3 }, eventTimestamp: T0 + 1000 }]);
      const older = await store.write('user_view', [
        { entityKey: '7', values: { count: 1 }, eventTimestamp: T0 },
      ]);
      expect(older).toBe(0);
      expect((await store.read('user_view', ['7'], ['count']))[0]).toEqual({
        values: [3],
        eventTimestamp: T0 + 1000,
      });
      const newer = await store.write('user_view', [
        { entityKey: '7', values: { count: 4 }, eventTimestamp: T0 + 2000 },
      ]);
      expect(newer).toBe(1);
      expect((await store.read('user_view', ['7'], ['count']))[0]?.values).toEqual([4]);
    });

    it('keeps views apart, forgets a deleted view only, and keys several entities by entityKeyOf', async () => {
      const pair = entityKeyOf([7, 'a|b']);
      await store.write('pair_view', [{ entityKey: pair, values: { affinity: 0.3 }, eventTimestamp: T0 }]);
      await store.write('other_view', [{ entityKey: pair, values: { affinity: 0.8 }, eventTimestamp: T0 }]);
      expect((await store.read('pair_view', [pair], ['affinity']))[0]?.values).toEqual([0.3]);
      await store.deleteView('pair_view');
      expect(await store.read('pair_view', [pair], ['affinity'])).toEqual([undefined]);
      expect((await store.read('other_view', [pair], ['affinity']))[0]?.values).toEqual([0.8]);
    });

    it('writes and reads 20,000 entities in batches, values intact', async () => {
      const rows = Array.from({ length: 20_000 }, (_, index) => ({
        entityKey: String(index),
        values: { score: index / 7, label: `m${index}` },
        eventTimestamp: T0,
      }));
      expect(await store.write('bulk_view', rows)).toBe(20_000);
      const keys = ['0', '19999', '12345'];
      const hits = await store.read('bulk_view', keys, ['label', 'score']);
      expect(hits.map((hit) => hit?.values)).toEqual([
        ['m0', 0],
        ['m19999', 19999 / 7],
        ['m12345', 12345 / 7],
      ]);
    });

    it('shows what one process wrote to another', async () => {
      const other = await fixture.openAnother();
      try {
        await store.write('shared_view', [{ entityKey: '5', values: { n: 1 }, eventTimestamp: T0 + 5 }]);
        await expect
          .poll(async () => (await other.read('shared_view', ['5'], ['n']))[0]?.values, { timeout: 5000 })
          .toEqual([1]);
      } finally {
        await other.close();
      }
    });

    it('answers ping while the engine is up', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}

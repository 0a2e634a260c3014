import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pairsFromRows } from './interactions.js';
import { readCachedPairs, writeCachedPairs } from './pairs-cache.js';

describe('the pairs cache', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-pairs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pairs = pairsFromRows([
    { userId: 7, movieId: 3, at: 1_700_000_000_000 },
    { userId: 7, movieId: 3, at: 1_700_000_500_000 },
    { userId: 7, movieId: 9, at: 1_700_000_100_000 },
    { userId: 2_000_000_000, movieId: 1, at: 1_600_000_000_123.5 },
  ]);

  it('reads back exactly the pairs it wrote', async () => {
    const file = path.join(dir, 'watch_log.pairs');
    await writeCachedPairs(file, pairs);
    const read = await readCachedPairs(file);
    expect(read).toEqual(pairs);
    expect(read?.count[0]).toBe(2);
  });

  it('ignores a missing, cut-short or foreign file instead of returning wrong pairs', async () => {
    expect(await readCachedPairs(path.join(dir, 'nothing-here.pairs'))).toBeUndefined();

    const short = path.join(dir, 'short.pairs');
    await writeCachedPairs(short, pairs);
    truncateSync(short, readFileSync(short).length - 3);
    expect(await readCachedPairs(short)).toBeUndefined();

    const foreign = path.join(dir, 'foreign.pairs');
    await writeCachedPairs(foreign, pairs);
    const bytes = readFileSync(foreign);
    bytes.write('PAR1', 0);
    writeFileSync(foreign, bytes);
    expect(await readCachedPairs(foreign)).toBeUndefined();

    // Rewritten in place, it reads again.
    await writeCachedPairs(foreign, pairs);
    expect(await readCachedPairs(foreign)).toEqual(pairs);
  });

  it('keeps an empty watch log empty', async () => {
    const file = path.join(dir, 'empty.pairs');
    const empty = pairsFromRows([]);
    await writeCachedPairs(file, empty);
    expect(await readCachedPairs(file)).toEqual(empty);
  });
});

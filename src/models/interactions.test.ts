import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeInteractionsParquet } from '../data/index.js';
import { readInteractionPairs } from './interactions.js';

describe('readInteractionPairs', () => {
  it("keeps the file's order for movies a user started in the same second, and sums re-watches", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mlops-pairs-'));
    try {
      const file = path.join(dir, 'watch_log.parquet');
      const at = Date.UTC(2026, 0, 1);
      // User 3 rated 90, 20, 50 in one second (in this file order), then re-watched 20 later.
      const rows = [
        [3, 90, at],
        [3, 20, at],
        [3, 50, at],
        [1, 7, at],
        [3, 20, at + 60_000],
      ] as const;
      await writeInteractionsParquet(file, {
        length: rows.length,
        user_id: Int32Array.from(rows, (row) => row[0]),
        content_id: Int32Array.from(rows, (row) => row[1]),
        watch_seconds: new Float64Array(rows.length).fill(Number.NaN),
        rating: new Float64Array(rows.length).fill(Number.NaN),
        popularity: new Float64Array(rows.length),
        timestamp: Float64Array.from(rows, (row) => row[2]),
      });
      const pairs = await readInteractionPairs(file);
      expect([...pairs.userId]).toEqual([1, 3, 3, 3]);
      expect([...pairs.movieId]).toEqual([7, 90, 20, 50]);
      expect([...pairs.count]).toEqual([1, 1, 2, 1]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

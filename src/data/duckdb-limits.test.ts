import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configureDuckDb, withDuckDb } from './parquet.js';

const home = mkdtempSync(path.join(tmpdir(), 'mlops-duckdb-limits-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const setting = (name: string) =>
  withDuckDb(async (connection) =>
    String((await connection.runAndReadAll(`select current_setting('${name}')`)).getRows()[0]?.[0]),
  );

describe('DuckDB limits (MLOPS_DUCKDB_MEMORY_LIMIT)', () => {
  it('caps the working memory and spills where it is told', async () => {
    const tempDirectory = path.join(home, 'tmp', 'duckdb');
    configureDuckDb({ memoryLimit: '512MB', tempDirectory });
    // DuckDB reports the limit in its own units: 512 MB is 488.2 MiB.
    expect(await setting('memory_limit')).toMatch(/^488\.\d MiB$/);
    expect(await setting('temp_directory')).toBe(tempDirectory);
  });

  it('still sorts more than the limit by spilling to disk', async () => {
    configureDuckDb({ memoryLimit: '64MB', tempDirectory: path.join(home, 'spill') });
    const count = await withDuckDb(async (connection) => {
      const reader = await connection.runAndReadAll(
        'select count(*) from (select i, md5(i::varchar) as h from range(3000000) t(i) order by h)',
      );
      return Number(reader.getRows()[0]?.[0]);
    });
    expect(count).toBe(3_000_000);
  });
});

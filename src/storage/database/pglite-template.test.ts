import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../logging/index.js';
import { migrateToLatest } from './migrate.js';
import { openDatabase } from './open-database.js';
import { buildPgliteTemplate, createEmptyDataDir } from './pglite-template.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'mlops-template-test-'));
const logger = createLogger({ level: 'warn', format: 'json' });

async function instanceOf(dataDir: string): Promise<string> {
  const database = await openDatabase({ type: 'pglite', dataDir, autoMigrate: true }, logger);
  try {
    await migrateToLatest(database.db, logger);
    const row = await database.db
      .selectFrom('platform_meta')
      .select('value')
      .where('key', '=', 'instance_id')
      .executeTakeFirstOrThrow();
    return String(row.value);
  } finally {
    await database.close();
  }
}

describe('the empty-database template of first starts', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('copies the template when there is one, and each copy migrates into an installation of its own', async () => {
    const template = path.join(scratch, 'template');
    await buildPgliteTemplate(template);
    expect(existsSync(path.join(template, 'PG_VERSION'))).toBe(true);
    expect(await createEmptyDataDir(path.join(scratch, 'a'), template)).toBe('template');
    expect(await createEmptyDataDir(path.join(scratch, 'b'), template)).toBe('template');
    const [a, b] = [await instanceOf(path.join(scratch, 'a')), await instanceOf(path.join(scratch, 'b'))];
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(b).not.toBe(a);
    // The template itself stays empty: nothing a copy did reached it.
    expect(await createEmptyDataDir(path.join(scratch, 'c'), template)).toBe('template');
    const fresh = await openDatabase(
      { type: 'pglite', dataDir: path.join(scratch, 'c'), autoMigrate: false },
      logger,
    );
    const tables = await fresh.db.introspection.getTables();
    await fresh.close();
    expect(tables).toEqual([]);
  });

  it('falls back to initdb without a template', async () => {
    expect(await createEmptyDataDir(path.join(scratch, 'd'), path.join(scratch, 'missing'))).toBe('initdb');
    expect(await instanceOf(path.join(scratch, 'd'))).toMatch(/^[0-9a-f-]{36}$/);
  });
});

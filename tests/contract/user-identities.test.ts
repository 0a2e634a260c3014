import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalUserId,
  MAPPED_KEY_BASE,
  movieIdSchema,
  UserIdentities,
  userIdSchema,
} from '../../src/identity/index.js';
import { createLogger } from '../../src/logging/index.js';
import { type MetadataDatabase, migrateToLatest, openDatabase } from '../../src/storage/index.js';
import { createPostgresDatabase, postgresDatabaseConfig } from '../helpers/services.js';

const quiet = createLogger({ level: 'silent', format: 'json' });

describe('external ids', () => {
  it('takes numbers and their digits as one user, and keeps string ids as given', () => {
    expect(userIdSchema.parse(7)).toBe(7);
    expect(userIdSchema.parse('7')).toBe(7);
    expect(userIdSchema.parse('test_user_001')).toBe('test_user_001');
    expect(userIdSchema.parse('a.b:c@d-e_f')).toBe('a.b:c@d-e_f');
    expect(canonicalUserId(MAPPED_KEY_BASE)).toBe(String(MAPPED_KEY_BASE));
  });

  it('refuses ids with other characters, empty ids and ids over 128 characters, with the rule', () => {
    for (const bad of ['', 'a b', 'x/y', 'ü', 'a'.repeat(129), -1, 1.5, null, true]) {
      const parsed = userIdSchema.safeParse(bad);
      expect(parsed.success, String(bad)).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/user id/);
    }
    expect(userIdSchema.safeParse('a'.repeat(128)).success).toBe(true);
  });

  it('reads movie ids as numbers, digits or movie_<n>', () => {
    expect(movieIdSchema.parse(123)).toBe(123);
    expect(movieIdSchema.parse('123')).toBe(123);
    expect(movieIdSchema.parse('movie_057')).toBe(57);
    for (const bad of ['movie_', 'film_1', '1.5', -3, 'movie_99999999999'])
      expect(movieIdSchema.safeParse(bad).success, String(bad)).toBe(false);
  });
});

function identityContract(
  name: string,
  open: () => Promise<{ database: MetadataDatabase; dispose: () => Promise<void> }>,
) {
  describe(`user identity map on ${name}`, () => {
    let database: MetadataDatabase;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ database, dispose } = await open());
      await migrateToLatest(database.db, quiet);
    });
    afterAll(async () => {
      await database.close();
      await dispose();
    });

    it('gives concurrent first sightings of one new id a single key, from separate maps', async () => {
      const maps = Array.from({ length: 6 }, () => new UserIdentities(database.db));
      const keys = await Promise.all(maps.map((map) => map.assign('user_3')));
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toBeGreaterThanOrEqual(MAPPED_KEY_BASE);
      expect(await new UserIdentities(database.db).count()).toBe(1);
    });

    it('keeps numbers as their own keys and never stores them', async () => {
      const map = new UserIdentities(database.db);
      expect(await map.assign(7)).toBe(7);
      expect(await map.find(7)).toBe(7);
      expect(await map.count()).toBe(1);
    });

    it('finds without assigning, and maps keys back to the ids', async () => {
      const map = new UserIdentities(database.db);
      expect(await map.find('nobody_yet')).toBeUndefined();
      const [a, b, c] = await map.assignAll(['alice@example', 'bob', 'alice@example']);
      expect(a).toBe(c);
      expect(a).not.toBe(b);
      const other = new UserIdentities(database.db);
      expect(await other.find('bob')).toBe(b);
      const back = await other.externalIds([a as number, b as number, 42]);
      expect(back.get(a as number)).toBe('alice@example');
      expect(back.get(b as number)).toBe('bob');
      expect(back.get(42)).toBe(42);
    });

    it('assigns thousands of new ids in one call, each once', async () => {
      const map = new UserIdentities(database.db);
      const ids = Array.from({ length: 12_000 }, (_, index) => `bulk_${index % 6000}`);
      const keys = await map.assignAll(ids);
      expect(new Set(keys).size).toBe(6000);
      expect(keys[0]).toBe(keys[6000]);
    });
  });
}

identityContract('pglite', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'mlops-ids-'));
  const database = await openDatabase(
    { type: 'pglite', dataDir: path.join(home, 'db'), autoMigrate: true },
    quiet,
  );
  return { database, dispose: async () => rmSync(home, { recursive: true, force: true }) };
});

identityContract('postgres', async () => {
  const created = await createPostgresDatabase();
  const database = await openDatabase(postgresDatabaseConfig(created.url, 8), quiet);
  return { database, dispose: created.drop };
});

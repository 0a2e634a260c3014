import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

/**
 * The edges (routes, the security hook, CLI commands) call each capability's service —
 * `trackingService(platform).getRun(id)`, `store.latestBuild(view)` — and never hold the raw database
 * handle: no SQL at the edge, and no way to reach a table past the capability that owns it.
 */
const RAW_HANDLE: { pattern: RegExp; what: string }[] = [
  { pattern: /\bdatabase\.db\b/, what: 'the raw handle (platform.database.db)' },
  { pattern: /\b(?:context|ctx|deps)\.db\b/, what: "a context's raw handle" },
  { pattern: /\{\s*db\s*[,:}]/, what: 'a handle passed in an object literal' },
  { pattern: /\b(?:selectFrom|insertInto|updateTable|deleteFrom)\(/, what: 'a query' },
  { pattern: /from ['"]kysely['"]/, what: 'the query builder' },
];

function edgeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return edgeFiles(file);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [file] : [];
  });
}

const files = [...edgeFiles(path.join(SRC, 'server')), ...edgeFiles(path.join(SRC, 'cli'))];

describe('capability services at the edges', () => {
  it('reads every route and command file', () => {
    const names = files.map((file) => path.relative(SRC, file));
    expect(names).toContain(path.join('server', 'routes', 'mlflow-run-routes.ts'));
    expect(names).toContain(path.join('cli', 'commands', 'models.ts'));
    expect(files.length).toBeGreaterThan(40);
  });

  it('finds a raw handle when one is used (the check can fail)', () => {
    const sample = 'const run = await getRun(platform.database.db, id);';
    expect(RAW_HANDLE.some(({ pattern }) => pattern.test(sample))).toBe(true);
    expect(RAW_HANDLE.some(({ pattern }) => pattern.test('latestBuild({ db: platform.x }, name)'))).toBe(
      true,
    );
    expect(RAW_HANDLE.some(({ pattern }) => pattern.test('await tracking.getRun(id);'))).toBe(false);
  });

  it('lets no route, hook or command touch the database handle', () => {
    const found = files.flatMap((file) => {
      const lines = readFileSync(file, 'utf8').split('\n');
      return lines.flatMap((line, index) =>
        RAW_HANDLE.filter(({ pattern }) => pattern.test(line)).map(
          ({ what }) => `${path.relative(SRC, file)}:${index + 1} uses ${what}: ${line.trim()}`,
        ),
      );
    });
    expect(found, "call the capability's service (e.g. registryService(platform)) instead").toEqual([]);
  });
});

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');
// Static imports and re-exports; `import type` and `export type` are erased from the output, so they load
// nothing. Dynamic `import()` is what on-demand loading uses, and is not matched.
const STATIC_IMPORT = /^(import|export)\s+(?!type\s)(?:[^;]*?from\s+)?['"]([^'"]+)['"]/gms;

interface Source {
  file: string;
  folder: string;
  imports: string[];
}

function sources(dir = SRC): Source[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sources(file);
    if (!name.endsWith('.ts') || name.endsWith('.test.ts') || name.endsWith('.d.ts')) return [];
    const text = readFileSync(file, 'utf8');
    const imports = [...text.matchAll(STATIC_IMPORT)].map((match) => match[2] as string);
    return [{ file, folder: folderOf(file), imports }];
  });
}

/** The capability folder a file belongs to (`src/version.ts` is the root). */
function folderOf(file: string): string {
  const relative = path.relative(SRC, file).split(path.sep);
  return relative.length > 1 ? (relative[0] as string) : '(root)';
}

function resolveLocal(from: string, specifier: string): string {
  const target = path.resolve(path.dirname(from), specifier).replace(/\.js$/, '.ts');
  return existsSync(target) ? target : path.join(target.replace(/\.ts$/, ''), 'index.ts');
}

/** Folder → the folders its files import (statically). */
function folderGraph(all: Source[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const source of all) {
    const targets = graph.get(source.folder) ?? new Set<string>();
    for (const specifier of source.imports.filter((item) => item.startsWith('.'))) {
      const target = folderOf(resolveLocal(source.file, specifier));
      if (target !== source.folder) targets.add(target);
    }
    graph.set(source.folder, targets);
  }
  return graph;
}

/** One cycle through the graph, as a path, or undefined. */
function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'visiting') return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const cycle = visit(next);
        if (cycle !== undefined) return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    if (state.get(node) !== undefined) continue;
    const cycle = visit(node);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/** The packages a process loads at start-up: everything statically reachable from `entry`. */
function packagesLoadedBy(entry: string, all: Source[]): Set<string> {
  const byFile = new Map(all.map((source) => [source.file, source]));
  const packages = new Set<string>();
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of byFile.get(file)?.imports ?? []) {
      if (specifier.startsWith('.')) walk(resolveLocal(file, specifier));
      else if (!specifier.startsWith('node:'))
        packages.add(
          specifier.startsWith('@')
            ? specifier.split('/').slice(0, 2).join('/')
            : (specifier.split('/')[0] as string),
        );
    }
  };
  walk(entry);
  return packages;
}

describe('the structure of src/', () => {
  const all = sources();
  const graph = folderGraph(all);

  it('has no import cycle between its folders', () => {
    expect(findCycle(graph)).toBeUndefined();
  });

  it('finds a cycle when there is one (the check is real)', () => {
    const cyclic = new Map([
      ['platform', new Set(['events'])],
      ['events', new Set(['features'])],
      ['features', new Set(['platform'])],
    ]);
    expect(findCycle(cyclic)).toEqual(['platform', 'events', 'features', 'platform']);
  });

  it('keeps the layers of src/README.md: capabilities never import the edges (cli/, runtime/, server/)', () => {
    // Who may import each edge: cli/ nobody; runtime/ only cli/; server/ only runtime/ and cli/.
    const importers: Record<string, string[]> = { cli: [], runtime: ['cli'], server: ['runtime', 'cli'] };
    const offending = [...graph.entries()].flatMap(([folder, targets]) =>
      [...targets]
        .filter((target) => importers[target] !== undefined && !importers[target]?.includes(folder))
        .map((target) => `${folder} → ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('assembles the running system in one place: only runtime/ builds the app and starts the services', () => {
    const assemblers = all
      .filter((source) => source.folder !== 'runtime' && source.folder !== 'server')
      .filter((source) => /\b(buildApp|Automations\.start)\(/.test(readFileSync(source.file, 'utf8')))
      .map((source) => path.relative(SRC, source.file));
    expect(assemblers).toEqual([]);
  });

  it('loads no production client at start-up: Kafka, Redis, BullMQ, pg and the AWS SDK load when configured', () => {
    const loaded = packagesLoadedBy(path.join(SRC, 'cli/main.ts'), all);
    expect(loaded.has('fastify')).toBe(true);
    const production = ['@platformatic/kafka', 'ioredis', 'bullmq', 'pg', '@aws-sdk/client-s3'];
    expect(production.filter((name) => loaded.has(name))).toEqual([]);
  });
});

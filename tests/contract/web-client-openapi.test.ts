import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../src/events/index.js';
import { FeatureStore } from '../../src/features/index.js';
import { BUILTIN_PIPELINES, PipelineEngine } from '../../src/pipelines/index.js';
import { type App, buildApp } from '../../src/server/index.js';
import { EVENT_TOPICS as SERVER_EVENT_TOPICS } from '../../src/server/schemas/event-api.js';
import { ServingService } from '../../src/serving/index.js';
import { contextOf, openTestPlatform, type TestPlatform } from '../helpers/platform.js';

const CLIENT_DIR = path.resolve(import.meta.dirname, '../../web/src/api');
const SCHEMAS_DIR = path.resolve(import.meta.dirname, '../../src/server/schemas');

/**
 * Types the web client declares itself, each with why it is not a server schema's. Everything else it
 * exports is a server schema's type (src/server/schemas), or an alias built from one.
 */
const CLIENT_ONLY_TYPES: Record<string, string> = {
  RunViewType: 'the run_view_type a page asks MLflow for: a request option, not an answer',
  Polled: 'the state of the polling hook (use-polling.ts), not an answer',
};

function clientFiles(): { file: string; source: string }[] {
  return readdirSync(CLIENT_DIR)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => ({ file, source: readFileSync(path.join(CLIENT_DIR, file), 'utf8') }));
}

/** The path helpers of the client files, as the paths they build. */
const PATH_HELPERS: [RegExp, string][] = [
  [/\$\{dagPath\([^)]*\)\}/g, '/api/v1/dags/{}'],
  [/\$\{runPath\([^)]*\)\}/g, '/api/v1/dags/{}/dagRuns/{}'],
  [/\$\{MLFLOW\}/g, '/api/2.0/mlflow'],
  [/\(runPath\(([^)]*)\),/g, '(`/api/v1/dags/{}/dagRuns/{}`,'],
];

interface ClientCall {
  method: 'get' | 'post' | 'patch';
  path: string;
  /** The answer's type argument (`getJson<T>`). */
  answer: string;
  file: string;
}

/** Every call the web UI's API client files make: method, path template (`${...}` becomes `{}`) and type. */
function clientCalls(): ClientCall[] {
  const calls: ClientCall[] = [];
  for (const { file, source: raw } of clientFiles()) {
    const source = PATH_HELPERS.reduce((text, [pattern, path]) => text.replace(pattern, path), raw);
    for (const match of source.matchAll(/\b(getJson|postJson)\s*<([^()]*?)>\(\s*[`'](\/[^`'?]*)/g)) {
      const rest = source.slice(match.index + match[0].length);
      const call = rest.slice(0, rest.search(/\);\n|;\nexport/));
      calls.push({
        method: match[1] === 'getJson' ? 'get' : call.includes("'PATCH'") ? 'patch' : 'post',
        // `${x}` is one path segment; a `${...}` cut short by a quote inside it is a query: dropped.
        path: (match[3] ?? '').replace(/\$\{[^}]*\}/g, '{}').replace(/\$\{.*$/, ''),
        answer: match[2] ?? '',
        file,
      });
    }
  }
  return calls;
}

/** The type names src/server/schemas exports (`export type X = z.input<typeof X>`). */
function serverTypeNames(): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(SCHEMAS_DIR).filter((name) => name.endsWith('.ts'))) {
    const source = readFileSync(path.join(SCHEMAS_DIR, file), 'utf8');
    for (const match of source.matchAll(/^export type (\w+) =/gm)) names.add(match[1] ?? '');
  }
  return names;
}

/** Type aliases the client files declare themselves (`export type X = ...`), with their definitions. */
function clientTypeAliases(): { file: string; name: string; definition: string }[] {
  const aliases = [];
  for (const { file, source } of clientFiles()) {
    for (const match of source.matchAll(/^export type (\w+)\s*=([\s\S]*?);\n(?=\S|\n)/gm))
      aliases.push({ file, name: match[1] ?? '', definition: match[2] ?? '' });
  }
  return aliases;
}

const mentionsAny = (text: string, names: ReadonlySet<string>) =>
  [...text.matchAll(/\b[A-Z]\w*/g)].some((word) => names.has(word[0]));

describe('the web UI API client against the server’s schemas and OpenAPI document', () => {
  let test: TestPlatform;
  let app: App;
  let documented: Map<string, Record<string, { responses?: Record<string, { content?: unknown }> }>>;

  beforeAll(async () => {
    test = await openTestPlatform();
    const serving = new ServingService(contextOf(test.platform), test.config.serving);
    const features = await FeatureStore.open({ ...contextOf(test.platform), config: test.config.features });
    const engine = new PipelineEngine(test.platform, BUILTIN_PIPELINES, { logger: test.logger });
    app = await buildApp(test.platform, { serving, features, pipelines: { engine, executor: 'in_process' } });
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, { responses?: Record<string, { content?: unknown }> }>>;
    };
    documented = new Map(
      Object.entries(document.paths).map(([route, methods]) => [route.replace(/\{[^}]+\}/g, '{}'), methods]),
    );
  });
  afterAll(async () => {
    await app?.close();
    await test?.dispose();
  });

  it('calls only routes the server documents, with the documented method', () => {
    const calls = clientCalls();
    expect(calls.length).toBeGreaterThanOrEqual(60);
    const missing = calls.filter((call) => documented.get(call.path)?.[call.method] === undefined);
    expect(missing).toEqual([]);
  });

  it('calls only routes that declare their answer with a response schema', () => {
    const undeclared = clientCalls().filter((call) => {
      const responses = documented.get(call.path)?.[call.method]?.responses ?? {};
      return !Object.entries(responses).some(([status, answer]) => /^2/.test(status) && answer.content);
    });
    expect(undeclared.map((call) => `${call.method.toUpperCase()} ${call.path}`)).toEqual([]);
  });

  it('declares no answer type of its own: each is a server schema’s type, or built from one', () => {
    const server = serverTypeNames();
    const declared = clientFiles().flatMap(({ file, source }) =>
      [...source.matchAll(/^export interface (\w+)/gm)]
        .filter((match) => CLIENT_ONLY_TYPES[match[1] ?? ''] === undefined)
        .map((match) => `${file}: interface ${match[1]}`),
    );
    expect(declared, 'use the server schema’s type (src/server/schemas) instead').toEqual([]);

    const aliases = clientTypeAliases();
    const derived = new Set([...server, ...aliases.map((alias) => alias.name)]);
    const homemade = aliases.filter(
      (alias) => CLIENT_ONLY_TYPES[alias.name] === undefined && !mentionsAny(alias.definition, server),
    );
    expect(homemade.map((alias) => `${alias.file}: ${alias.name}`)).toEqual([]);

    const untyped = clientCalls().filter((call) => !mentionsAny(call.answer, derived));
    expect(untyped.map((call) => `${call.file}: ${call.path} answers ${call.answer}`)).toEqual([]);
  });

  it('re-exports types the server schemas export', () => {
    const server = serverTypeNames();
    const reexported = clientFiles().flatMap(({ file, source }) =>
      [...source.matchAll(/export type \{([^}]*)\} from '(\.\.\/[^']*schemas\/[^']*)'/g)].flatMap((match) =>
        (match[1] ?? '')
          .split(',')
          .map((name) => name.trim().split(/\s+as\s+/)[0] ?? '')
          .filter(Boolean)
          .map((name) => ({ file, name })),
      ),
    );
    expect(reexported.length).toBeGreaterThan(50);
    expect(reexported.filter(({ name }) => !server.has(name))).toEqual([]);
  });

  it('lists the event bus’s topics as the server does', () => {
    expect([...SERVER_EVENT_TOPICS]).toEqual([...TOPICS]);
    // The web keeps its own copy as a value (its bundle carries no zod): the same list, in the same order.
    const source = readFileSync(path.join(CLIENT_DIR, 'events-client.ts'), 'utf8');
    const list = /export const EVENT_TOPICS = \[([^\]]*)\]/.exec(source)?.[1] ?? '';
    expect([...list.matchAll(/'([^']+)'/g)].map((match) => match[1])).toEqual([...TOPICS]);
  });
});

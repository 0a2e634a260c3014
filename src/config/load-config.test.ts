import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES } from './env-schema.js';
import { loadConfig } from './load-config.js';

const cwd = mkdtempSync(path.join(tmpdir(), 'mlops-config-'));
const load = (env: Record<string, string>) => loadConfig({ env, cwd });

function problemOf(env: Record<string, string>): { field: unknown; message: string } {
  try {
    load(env);
  } catch (error) {
    return { field: (error as { field?: unknown }).field, message: (error as Error).message };
  }
  throw new Error('expected a configuration error');
}

describe('loadConfig', () => {
  it('runs on embedded defaults with no variables at all', () => {
    const config = load({});
    expect(config.home).toBe(path.join(cwd, '.mlops'));
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 8000,
      extraPorts: [],
      bodyLimitBytes: 1048576,
      shutdownTimeoutMs: 10000,
    });
    expect(config.database).toEqual({
      type: 'pglite',
      dataDir: path.join(cwd, '.mlops', 'db'),
      autoMigrate: true,
      maintenanceIntervalMs: 10_000,
    });
    expect(config.artifacts).toEqual({ type: 'local', root: path.join(cwd, '.mlops', 'artifacts') });
    expect(config.log).toEqual({ level: 'info', format: 'auto' });
  });

  it('reads host, port and home, treating blank values as unset', () => {
    const config = load({
      MLOPS_HOST: '0.0.0.0',
      MLOPS_PORT: ' 9000 ',
      MLOPS_HOME: '/srv/mlops',
      MLOPS_LOG_LEVEL: '',
    });
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.server.port).toBe(9000);
    expect(config.home).toBe('/srv/mlops');
    expect(config.log.level).toBe('info');
  });

  it.each([
    [{ MLOPS_PORT: 'abc' }, 'MLOPS_PORT', /MLOPS_PORT must be a whole number from 0 to 65535 \(got "abc"\)/],
    [{ MLOPS_PORT: '70000' }, 'MLOPS_PORT', /MLOPS_PORT must be a whole number/],
    [{ MLOPS_PORT: '80.5' }, 'MLOPS_PORT', /MLOPS_PORT must be a whole number/],
    [
      { MLOPS_DATABASE_BACKEND: 'mysql' },
      'MLOPS_DATABASE_BACKEND',
      /must be one of pglite, postgres \(got "mysql"\)/,
    ],
    [{ MLOPS_ARTIFACT_BACKEND: 'gcs' }, 'MLOPS_ARTIFACT_BACKEND', /must be one of local, s3/],
    [{ MLOPS_LOG_LEVEL: 'loud' }, 'MLOPS_LOG_LEVEL', /must be one of trace, debug/],
    [{ MLOPS_DATABASE_URL: 'mysql://db' }, 'MLOPS_DATABASE_URL', /must be a URL like postgres:\/\//],
    [
      { MLOPS_DATABASE_MAINTENANCE_SECONDS: '-1' },
      'MLOPS_DATABASE_MAINTENANCE_SECONDS',
      /must be a whole number from 0 to 86400/,
    ],
    [{ MLOPS_DATABASE_BACKEND: 'postgres' }, 'MLOPS_DATABASE_URL', /MLOPS_DATABASE_URL is required/],
    [{ MLOPS_ARTIFACT_BACKEND: 's3' }, 'S3_BUCKET', /S3_BUCKET is required/],
    [{ S3_BUCKET: 'Bad_Bucket' }, 'S3_BUCKET', /S3_BUCKET must be a bucket name/],
    [{ S3_BUCKET: 'models', S3_ENDPOINT_URL: 'ftp://x' }, 'S3_ENDPOINT_URL', /must be an http/],
    [{ S3_BUCKET: 'models', S3_ACCESS_KEY_ID: 'id' }, 'S3_SECRET_ACCESS_KEY', /must be set together/],
    [{ S3_FORCE_PATH_STYLE: 'maybe' }, 'S3_FORCE_PATH_STYLE', /must be true or false/],
  ])('rejects %o naming %s', (env, field, message) => {
    const problem = problemOf(env);
    expect(problem.field).toBe(field);
    expect(problem.message).toMatch(message);
    expect(problem.message).not.toMatch(/\n\s+at /);
  });

  it('reports every bad variable at once, one line each', () => {
    const problem = problemOf({
      MLOPS_PORT: 'abc',
      MLOPS_LOG_FORMAT: 'xml',
      MLOPS_DATABASE_BACKEND: 'oracle',
    });
    expect(problem.message.split('\n')).toHaveLength(3);
  });

  it('lets DuckDB spill under the home, capped only when asked; a bad size names the variable', () => {
    expect(load({}).data).toMatchObject({
      duckdbMemoryLimit: undefined,
      duckdbTempDirectory: path.join(cwd, '.mlops', 'tmp', 'duckdb'),
    });
    expect(load({ MLOPS_DUCKDB_MEMORY_LIMIT: '512MiB' }).data.duckdbMemoryLimit).toBe('512MiB');
    const problem = problemOf({ MLOPS_DUCKDB_MEMORY_LIMIT: 'lots' });
    expect(problem.message).toMatch(/MLOPS_DUCKDB_MEMORY_LIMIT must be a size such as 2GB/);
  });

  it('never echoes a password back', () => {
    const problem = problemOf({ MLOPS_DATABASE_URL: 'mysql://admin:hunter2@db/x' });
    expect(problem.message).not.toContain('hunter2');
    expect(problem.message).toContain('admin:***@db');
  });

  it('chooses PostgreSQL from MLOPS_DATABASE_URL, or builds the URL from POSTGRES_*', () => {
    const fromUrl = load({ MLOPS_DATABASE_URL: 'postgres://u:p@db:5432/mlops' }).database;
    expect(fromUrl).toMatchObject({
      type: 'postgres',
      url: 'postgres://u:p@db:5432/mlops',
      urlSource: 'MLOPS_DATABASE_URL',
    });
    const fromParts = load({
      POSTGRES_HOST: 'db.internal',
      POSTGRES_USER: 'app',
      POSTGRES_PASSWORD: 'p@ss/word',
      POSTGRES_DB: 'prod',
    }).database;
    expect(fromParts).toMatchObject({ type: 'postgres', urlSource: 'POSTGRES_HOST' });
    const url = new URL(fromParts.type === 'postgres' ? fromParts.url : '');
    expect([url.hostname, url.port, decodeURIComponent(url.password), url.pathname]).toEqual([
      'db.internal',
      '5432',
      'p@ss/word',
      '/prod',
    ]);
  });

  it('chooses S3 when a bucket is set, with path-style addressing for custom endpoints', () => {
    const config = load({
      S3_BUCKET: 'mlops-artifacts',
      S3_ENDPOINT_URL: 'http://127.0.0.1:9000',
      S3_PREFIX: '/prod/',
    });
    expect(config.artifacts).toMatchObject({
      type: 's3',
      bucket: 'mlops-artifacts',
      prefix: 'prod',
      forcePathStyle: true,
    });
  });

  it('reads a .env file underneath the environment, and the environment wins', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-dotenv-'));
    writeFileSync(path.join(dir, '.env'), 'MLOPS_PORT=9100\nMLOPS_HOST=0.0.0.0\n# comment\n');
    const config = loadConfig({ env: { MLOPS_HOST: '127.0.0.2' }, cwd: dir });
    expect(config.server.port).toBe(9100);
    expect(config.server.host).toBe('127.0.0.2');
  });

  it('validates values that come from the .env file too', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-dotenv-'));
    writeFileSync(path.join(dir, '.env'), 'MLOPS_PORT=eighty\n');
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(/MLOPS_PORT must be a whole number/);
  });

  it('names MLOPS_ENV_FILE when it points at nothing', () => {
    expect(() => load({ MLOPS_ENV_FILE: 'missing.env' })).toThrow(
      /MLOPS_ENV_FILE: file .*missing\.env does not exist/,
    );
  });

  it('documents every variable it reads in .env.template', () => {
    const template = readFileSync(path.resolve(import.meta.dirname, '../../.env.template'), 'utf8');
    const documented = new Set([...template.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    expect(ENV_VARIABLES.filter((name) => !documented.has(name))).toEqual([]);
  });
});

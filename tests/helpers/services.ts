import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

/** A variable written by scripts/run_local_services.sh; fails loudly when the service is not up. */
export function serviceValue(name: string): string {
  const value = inject('services')[name];
  if (value === undefined)
    throw new Error(`${name} is not set: scripts/run_local_services.sh did not start it`);
  return value;
}

/** A temporary MLOPS_HOME whose embedded database is a copy of the migrated template. */
export function createTestHome(options: { withDatabase?: boolean } = {}): { home: string; remove(): void } {
  const home = mkdtempSync(path.join(tmpdir(), 'mlops-home-'));
  if (options.withDatabase ?? true)
    cpSync(inject('pgliteTemplateDir'), path.join(home, 'db'), { recursive: true });
  return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}

/** A new, empty PostgreSQL database on the test server, dropped by `drop()`. */
export async function createPostgresDatabase(): Promise<{
  url: string;
  name: string;
  drop(): Promise<void>;
}> {
  const adminUrl = serviceValue('MLOPS_TEST_POSTGRES_URL');
  const name = `mlops_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** The settings that point a platform at the test S3 bucket, under a prefix of its own. */
export function testS3Env(prefix: string): Record<string, string> {
  return {
    S3_BUCKET: serviceValue('MLOPS_TEST_S3_BUCKET'),
    S3_PREFIX: prefix,
    S3_ENDPOINT_URL: serviceValue('MLOPS_TEST_S3_ENDPOINT'),
    S3_ACCESS_KEY_ID: serviceValue('MLOPS_TEST_S3_ACCESS_KEY_ID'),
    S3_SECRET_ACCESS_KEY: serviceValue('MLOPS_TEST_S3_SECRET_ACCESS_KEY'),
  };
}

/** The configuration of a test PostgreSQL database (as MLOPS_DATABASE_URL would give it). */
export function postgresDatabaseConfig(url: string, poolSize = 4) {
  return {
    type: 'postgres' as const,
    url,
    urlSource: 'MLOPS_DATABASE_URL',
    poolSize,
    connectTimeoutMs: 3000,
    autoMigrate: true,
  };
}

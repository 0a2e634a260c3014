import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '../../src/storage/index.js';
import { freePort, runCli, startCli } from '../helpers/cli.js';
import { createPostgresDatabase, createTestHome, serviceValue, testS3Env } from '../helpers/services.js';

async function readiness(port: number): Promise<{
  status: string;
  components: { name: string; status: string; backend: string; detail: string }[];
}> {
  const response = await fetch(`http://127.0.0.1:${port}/ready`);
  return response.json() as Promise<{
    status: string;
    components: { name: string; status: string; backend: string; detail: string }[];
  }>;
}

describe('mlops --help', () => {
  it('lists the commands and how configuration works', async () => {
    const result = await runCli(['--help'], {});
    expect(result.code).toBe(0);
    for (const word of ['up', 'status', 'db', '.env.template']) expect(result.stdout).toContain(word);
  });
});

describe('bad configuration stops start-up with one line and exit code 2', () => {
  it.each([
    [{ MLOPS_PORT: 'abc' }, /^mlops: MLOPS_PORT must be a whole number from 0 to 65535 \(got "abc"\)\n$/],
    [
      { MLOPS_DATABASE_BACKEND: 'mysql' },
      /^mlops: MLOPS_DATABASE_BACKEND must be one of pglite, postgres \(got "mysql"\)\n$/,
    ],
    [{ MLOPS_ARTIFACT_BACKEND: 'ftp' }, /^mlops: MLOPS_ARTIFACT_BACKEND must be one of local, s3/],
    [
      { MLOPS_DATABASE_URL: 'postgres://mlops:topsecret@127.0.0.1:9/mlops' },
      /^mlops: MLOPS_DATABASE_URL: cannot connect to PostgreSQL at postgres:\/\/mlops:\*\*\*@127\.0\.0\.1:9\/mlops: .*ECONNREFUSED.*\n$/,
    ],
  ])('%o', async (env, expected) => {
    const { home, remove } = createTestHome({ withDatabase: false });
    const result = await runCli(['up'], { MLOPS_HOME: home, ...env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(expected);
    expect(result.stderr).not.toMatch(/topsecret|\n\s+at /);
    remove();
  });

  it('names the port when it is already taken', async () => {
    const { home, remove } = createTestHome();
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    const result = await runCli(['up'], { MLOPS_HOME: home, MLOPS_PORT: String(port) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`mlops: MLOPS_PORT: port ${port} on 127.0.0.1 is already in use`);
    blocker.close();
    remove();
  });

  it('answers on extra ports (MLOPS_EXTRA_PORTS), and names an extra port that is taken', async () => {
    const { home, remove } = createTestHome();
    const [main, extra] = [await freePort(), await freePort()];
    const up = startCli(['up'], {
      MLOPS_HOME: home,
      MLOPS_PORT: String(main),
      MLOPS_EXTRA_PORTS: String(extra),
    });
    try {
      await up.waitFor(/movie-mlops is up/);
      const health = await fetch(`http://127.0.0.1:${extra}/health`);
      expect(health.status).toBe(200);
      expect(health.headers.get('x-request-id')).toBeTruthy();
      const missing = await fetch(`http://127.0.0.1:${extra}/api/v1/no-such-route`);
      expect(missing.status).toBe(404);
    } finally {
      up.child.kill('SIGTERM');
      await up.exited;
    }
    const blocker = createServer();
    const taken = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    const result = await runCli(['up'], {
      MLOPS_HOME: home,
      MLOPS_PORT: String(main),
      MLOPS_EXTRA_PORTS: `${extra},${taken}`,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`mlops: MLOPS_EXTRA_PORTS: port ${taken} on 127.0.0.1 is already in use`);
    // Nothing is left listening: the main port and the first extra port are free again.
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(extra, '127.0.0.1', () => probe.close(() => resolve()));
    });
    blocker.close();
    remove();
  });

  it('refuses a malformed MLOPS_EXTRA_PORTS, naming it', async () => {
    const result = await runCli(['up'], { MLOPS_EXTRA_PORTS: '8080,http' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/MLOPS_EXTRA_PORTS must be guide .* or comma-separated ports/);
  });
});

describe('mlops status', () => {
  it('exits 1 and says the server is down when nothing answers', async () => {
    const port = await freePort();
    const result = await runCli(['status'], { MLOPS_PORT: String(port) });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/server\s+│\s+DOWN/);
    expect(result.stdout).toContain('mlops up');
  });
});

describe('mlops up on the embedded defaults', () => {
  it('starts, reports every component up, refuses a second process on the same home, and stops cleanly', async () => {
    const { home, remove } = createTestHome();
    const port = await freePort();
    const env = { MLOPS_HOME: home, MLOPS_PORT: String(port) };
    const up = startCli(['up'], env);
    await up.waitFor(/movie-mlops is up/);

    const status = await runCli(['status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/ready/);
    expect(status.stdout).toMatch(/database\s+│\s+up\s+│\s+pglite/);
    expect(status.stdout).toMatch(/artifacts\s+│\s+up\s+│\s+local/);
    const json = await runCli(['status', '--json'], env);
    expect(JSON.parse(json.stdout).status).toBe('ready');

    const second = await runCli(['up'], { ...env, MLOPS_PORT: String(await freePort()) });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(
      /^mlops: the embedded database .* is in use by another mlops process \(pid \d+\)/,
    );

    up.child.kill('SIGTERM');
    expect(await up.exited).toBe(0);
    expect(up.output()).toContain('stopped cleanly');
    remove();
  });

  it('comes back after being killed with -9 while creating its database', async () => {
    const { home, remove } = createTestHome({ withDatabase: false });
    const port = await freePort();
    const env = { MLOPS_HOME: home, MLOPS_PORT: String(port) };
    const first = startCli(['up'], env);
    await first.waitFor(/creating the embedded database/);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(path.join(home, 'db'))).toBe(false);

    const second = startCli(['up'], env);
    await second.waitFor(/movie-mlops is up/, 120_000);
    expect((await readiness(port)).status).toBe('ready');
    expect(readdirSync(home).filter((entry) => entry.includes('.init-'))).toEqual([]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    remove();
  });

  it('comes back with its data after being killed with -9 while serving', async () => {
    const { home, remove } = createTestHome();
    const port = await freePort();
    const env = { MLOPS_HOME: home, MLOPS_PORT: String(port) };
    const first = startCli(['up'], env);
    await first.waitFor(/movie-mlops is up/);
    const before = await runCli(['status', '--json'], env);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startCli(['up'], env);
    await second.waitFor(/movie-mlops is up/);
    const after = await readiness(port);
    expect(after.status).toBe('ready');
    // Same instance id before and after: the stored data survived the kill.
    expect(after.components[0]?.detail).toBe(
      `schema ${LATEST_SCHEMA_VERSION}, instance ${after.components[0]?.detail.split('instance ')[1]}`,
    );
    expect(after.components[0]?.detail).toMatch(/instance [0-9a-f-]{36}$/);
    expect(after.components[0]?.detail).toBe(JSON.parse(before.stdout).components[0].detail);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    remove();
  });
});

describe('mlops db', () => {
  it('migrates an embedded database once and reports it up to date after', async () => {
    const { home, remove } = createTestHome({ withDatabase: false });
    const first = await runCli(['db', 'migrate'], { MLOPS_HOME: home });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(
        `applied \\d+ migration\\(s\\) to pglite database .*: 0001-platform-meta, .*${LATEST_SCHEMA_VERSION}`,
      ),
    );
    const second = await runCli(['db', 'migrate'], { MLOPS_HOME: home });
    expect(second.stdout).toContain(`is up to date (schema ${LATEST_SCHEMA_VERSION})`);
    const status = await runCli(['db', 'status'], { MLOPS_HOME: home });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/0001-platform-meta\s+│\s+\d{4}-\d\d-\d\dT/);
    remove();
  });
});

describe('mlops up on PostgreSQL and S3', () => {
  it('refuses an unmigrated database when auto-migrate is off, then runs after `mlops db migrate`', async () => {
    const database = await createPostgresDatabase();
    const { home, remove } = createTestHome({ withDatabase: false });
    const port = await freePort();
    const env = {
      MLOPS_HOME: home,
      MLOPS_PORT: String(port),
      MLOPS_DATABASE_URL: database.url,
      MLOPS_DATABASE_AUTO_MIGRATE: 'false',
      ...testS3Env(`cli-${port}`),
    };
    const refused = await runCli(['up'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^mlops: the database schema is empty .* run `mlops db migrate`/);

    const migrate = await runCli(['db', 'migrate'], env);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(
      /applied \d+ migration\(s\) to postgres database at postgres:\/\/mlops:\*\*\*@/,
    );

    const up = startCli(['up'], env);
    await up.waitFor(/movie-mlops is up/);
    const report = await readiness(port);
    expect(report.status).toBe('ready');
    expect(report.components.map((component) => [component.name, component.backend])).toEqual([
      ['database', 'postgres'],
      ['artifacts', 's3'],
    ]);
    up.child.kill('SIGTERM');
    expect(await up.exited).toBe(0);
    expect(existsSync(path.join(home, 'db'))).toBe(false);
    await database.drop();
    remove();
  });

  it('stops with exit 2 naming S3_BUCKET when the bucket does not exist', async () => {
    const { home, remove } = createTestHome();
    const result = await runCli(['up'], {
      MLOPS_HOME: home,
      MLOPS_PORT: String(await freePort()),
      S3_BUCKET: 'missing-bucket',
      S3_ENDPOINT_URL: serviceValue('MLOPS_TEST_S3_ENDPOINT'),
      S3_ACCESS_KEY_ID: serviceValue('MLOPS_TEST_S3_ACCESS_KEY_ID'),
      S3_SECRET_ACCESS_KEY: serviceValue('MLOPS_TEST_S3_SECRET_ACCESS_KEY'),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^mlops: S3_BUCKET: bucket "missing-bucket" does not exist/);
    remove();
  });
});

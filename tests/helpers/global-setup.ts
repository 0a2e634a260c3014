import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../../src/logging/index.js';
import { migrateToLatest, openDatabase } from '../../src/storage/index.js';

const REPO = path.resolve(import.meta.dirname, '../..');

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated embedded database folder; copy it rather than creating one (5 s each). */
    pgliteTemplateDir: string;
    services: Record<string, string>;
  }
}

/**
 * Before any test: starts the real engines the suites need (PostgreSQL, S3-compatible storage, Redis, Kafka) through
 * scripts/run_local_services.sh, installs the browser for end-to-end tests, and builds a migrated
 * embedded-database template. Any failure stops the run: a missing engine is an error, never a skip.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  // Engines given from outside (CI service containers) are used as they are; the rest are started here.
  const external = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[0].startsWith('MLOPS_TEST_') && entry[1] !== undefined,
    ),
  );
  const toStart = [
    ...(external.MLOPS_TEST_POSTGRES_URL === undefined ? ['postgres'] : []),
    ...(external.MLOPS_TEST_S3_ENDPOINT === undefined ? ['s3'] : []),
    ...(external.MLOPS_TEST_REDIS_URL === undefined ? ['redis'] : []),
    ...(external.MLOPS_TEST_PROMTOOL === undefined ? ['prometheus'] : []),
    ...(external.MLOPS_TEST_KAFKA_BROKERS === undefined ? ['kafka'] : []),
  ];
  let started: Record<string, string> = {};
  if (toStart.length > 0) {
    execFileSync('bash', [path.join(REPO, 'scripts/run_local_services.sh'), 'up', ...toStart], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    started = readServiceEnv();
  }
  // Tests load the WebAssembly kernels from dist/; the CLI suites spawn the built `mlops` (what users run; a
  // third of the start-up of running it through tsx), and the browser suites load the built UI: each is
  // rebuilt here when a source is newer.
  buildIfStale(
    ['src/models/kernels/factor-kernel.as.ts'],
    'dist/kernels/factor-kernel.wasm',
    'build:kernels',
  );
  buildIfStale(['src'], 'dist/cli/main.js', 'build:server');
  buildIfStale(['web/src', 'web/index.html'], 'web/dist/index.html', 'build:web');
  execFileSync('bash', [path.join(REPO, 'scripts/setup_e2e_browser.sh')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // docker-compose and shellcheck (Debian's) for the deploy/ and script checks.
  execFileSync('bash', [path.join(REPO, 'scripts/setup_deploy_tools.sh')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // The official mlflow clients, pinned (the 2.x line and the current 3.x), for the compatibility suite.
  const [mlflowPython, mlflow3Python] = ['2', '3'].map((line) =>
    execFileSync('bash', [path.join(REPO, 'scripts/setup_mlflow_client.sh'), line], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .toString()
      .trim(),
  );
  // The official Airflow REST clients, pinned: 2.x (/api/v1) and 3.x (/api/v2), one venv each.
  const airflowPythons = Object.fromEntries(
    execFileSync('bash', [path.join(REPO, 'scripts/setup_airflow_client.sh')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .toString()
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
  // The official feast SDK, pinned (the benchmark's peer too), for the feature-store compatibility suite.
  const feastPython = execFileSync('bash', [path.join(REPO, 'scripts/setup_feast_python.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .toString()
    .trim()
    .split('\n')
    .at(-1) as string;
  project.provide('services', {
    MLOPS_TEST_FEAST_PYTHON: feastPython,
    MLOPS_TEST_MLFLOW_PYTHON: mlflowPython ?? '',
    MLOPS_TEST_MLFLOW3_PYTHON: mlflow3Python ?? '',
    ...airflowPythons,
    ...started,
    ...external,
  });

  const scratch = mkdtempSync(path.join(tmpdir(), 'mlops-test-template-'));
  const dataDir = path.join(scratch, 'db');
  const cached = path.join(REPO, 'node_modules/.cache/mlops-test/pglite-template');
  if (existsSync(path.join(cached, 'PG_VERSION'))) {
    cpSync(cached, dataDir, { recursive: true });
  }
  const logger = createLogger({ level: 'warn', format: 'json' });
  const database = await openDatabase({ type: 'pglite', dataDir, autoMigrate: true }, logger);
  await migrateToLatest(database.db, logger);
  await database.close();
  mkdirSync(path.dirname(cached), { recursive: true });
  rmSync(cached, { recursive: true, force: true });
  cpSync(dataDir, cached, { recursive: true });
  project.provide('pgliteTemplateDir', dataDir);

  return () => rmSync(scratch, { recursive: true, force: true });
}

function readServiceEnv(): Record<string, string> {
  const file = path.join(process.env.MLOPS_SERVICES_DIR ?? path.join(REPO, '.services'), 'env');
  const values: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined)
      values[match[1]] = match[2].replace(/^['"]|['"]$/g, '');
  }
  return values;
}

/** Runs `npm run <script>` when `output` is missing or older than any file under `sources` (tests aside). */
function buildIfStale(sources: string[], output: string, script: string): void {
  const built = path.join(REPO, output);
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  if (builtAt > 0 && sources.every((source) => newestSourceMtime(path.join(REPO, source)) <= builtAt)) return;
  process.stderr.write(`[tests] ${output} is older than its sources: npm run ${script}\n`);
  execFileSync('npm', ['run', '--silent', script], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
}

function newestSourceMtime(file: string): number {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat === undefined) return 0;
  if (!stat.isDirectory()) return /\.test\.tsx?$/.test(file) ? 0 : stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(file)) newest = Math.max(newest, newestSourceMtime(path.join(file, entry)));
  return newest;
}

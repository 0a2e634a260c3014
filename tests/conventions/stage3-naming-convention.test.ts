import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runScript } from '../helpers/scripts.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A folder (not a git checkout) holding the given files, to run the check on. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'mlops-naming-'));
  roots.push(root);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  return root;
}

const metrics = (definitions: [type: string, name: string][]) =>
  [
    "import { Counter, Gauge, Histogram } from 'prom-client';",
    'export class Metrics {',
    ...definitions.map(
      ([type, name], index) =>
        `  readonly m${index} = new ${type}({\n    name: '${name}',\n    help: 'x',\n  });`,
    ),
    '}',
  ].join('\n');

const envSchema = (names: string[]) =>
  [
    "import { z } from 'zod';",
    'export const ENV_SCHEMA = z.object({',
    ...names.map((name) => `  ${name}: z.string().optional(),`),
    '});',
  ].join('\n');

const compose = (container: string, image: string, volume: string) =>
  [
    'services:',
    '  app:',
    `    image: ${image}`,
    `    container_name: ${container}`,
    '    environment:',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a compose variable, not a template.
    '      MLOPS_HOME: ${MLOPS_HOME_DIR:-/data}',
    'volumes:',
    `  ${volume}:`,
  ].join('\n');

// The examples of CONVENTIONS.md: every one of these names is right.
const VALID_TREE = {
  'src/data/watch-log.ts': '',
  'src/features/online-store/online-store.ts': '',
  'src/features/online-store/online-store.test.ts': '',
  'src/models/kernels/factor-kernel.as.ts': '',
  'web/src/pages/movies-page.tsx': '',
  'tests/integration/stage6-mlflow-client.test.ts': '',
  'tests/contract/artifact-store.test.ts': '',
  'tests/integration/security.test.ts': '',
  'tests/e2e/security-login.test.ts': '',
  'tests/contract/artifact-store.contract.ts': '',
  'tests/compat/mlflow_client_tracking.py': '',
  'scripts/validate_branch_name.sh': '',
  'scripts/setup_mlops_git.sh': '',
  'scripts/run_tests.sh': '',
  'scripts/deploy_production_api.sh': '',
  'scripts/monitor_model_performance.sh': '',
  'scripts/check_naming_convention.sh': '',
  'docs/deployment-guide.md': '',
  'docs/api-reference.md': '',
  'docs/3.1-git-workflow-implementation.md': '',
  'docs/events.md': '',
  'deploy/prometheus/rules/mlops-serving.yml': '',
  'deploy/k8s/api-deployment.yaml': '',
  'README.md': '',
  'src/monitoring/metrics.ts': metrics([
    ['Counter', 'mlops_http_requests_total'],
    ['Histogram', 'mlops_model_prediction_duration_seconds'],
    ['Gauge', 'mlops_data_drift_score'],
    ['Gauge', 'mlops_drift_score'],
    ['Gauge', 'mlops_model_loaded_info'],
    ['Gauge', 'mlops_model_accuracy_ratio'],
    ['Histogram', 'mlops_events_payload_bytes'],
  ]),
  '.env.template':
    '# comment\nMLOPS_HOME=./.mlops\n# MLOPS_LOG_LEVEL=info\n# TMDB_API_KEY=\nREDIS_URL=redis://x\n',
  'src/config/env-schema.ts': envSchema(['MLOPS_HOME', 'POSTGRES_HOST', 'S3_BUCKET', 'KAFKA_BROKERS']),
  'deploy/docker-compose.yml': compose('mlops-api-prod', 'movie-mlops/api:1.2.0', 'mlops-postgres-prod'),
};

describe('scripts/check_naming_convention.sh', () => {
  it('passes on this repository', () => {
    const result = runScript('check_naming_convention.sh', []);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/names ok: \d+ files, \d+ metrics, \d+ environment variables/);
  });

  it('passes on the examples of the standard', () => {
    const result = runScript('check_naming_convention.sh', ['--root', tree(VALID_TREE)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('7 metrics, 8 environment variables, 3 docker names');
  });

  it.each([
    ['src/features/OnlineStore.ts', 'file src/features/OnlineStore.ts: TypeScript files are kebab-case'],
    ['src/features/online_store.ts', 'file src/features/online_store.ts: TypeScript files are kebab-case'],
    ['src/featureStore/store.ts', 'folders of TypeScript files are kebab-case ("featureStore")'],
    ['tests/integration/model-registry.test.ts', 'tests under tests/ are named by stage'],
    ['tests/e2e/model-serving.test.ts', 'tests under tests/ are named by stage'],
    ['tests/integration/auth-security.test.ts', 'tests under tests/ are named by stage'],
    ['scripts/deploy-api.sh', 'script scripts/deploy-api.sh: shell scripts are setup_|run_|deploy_'],
    ['scripts/build.sh', 'script scripts/build.sh: shell scripts are setup_|run_|deploy_'],
    ['scripts/setupDocker.sh', 'script scripts/setupDocker.sh'],
    ['tests/compat/mlflowClient.py', 'file tests/compat/mlflowClient.py: Python files are snake_case'],
    ['docs/Deployment_Guide.md', 'doc docs/Deployment_Guide.md: documents are kebab-case'],
    ['docs/git-workflow-implementation.md', 'implementation and testing notes are <stage>.<substage>-'],
    [
      'deploy/k8s/apiDeployment.yaml',
      'file deploy/k8s/apiDeployment.yaml: YAML and JSON files are kebab-case',
    ],
  ])('refuses the file name %s', (file, problem) => {
    const result = runScript('check_naming_convention.sh', ['--root', tree({ ...VALID_TREE, [file]: '' })]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(problem);
    expect(result.stderr).toContain('1 naming problem(s)');
  });

  it('refuses metric names off mlops_<subsystem>_<name>_<unit>, each with its rule', () => {
    const root = tree({
      ...VALID_TREE,
      'src/monitoring/metrics.ts': metrics([
        ['Counter', 'http_requests_total'],
        ['Counter', 'mlops_api_requests'],
        ['Gauge', 'mlops_queue_depth_total'],
        ['Histogram', 'mlops_model_prediction_latency_ms'],
        ['Histogram', 'mlops_Model_latency_seconds'],
        ['Counter', 'mlops_requests_total'],
        ['Counter', 'mlops_model_loaded_info'],
        ['Histogram', 'mlops_http_request_duration_seconds'],
        ['Histogram', 'mlops_http_request_duration_seconds'],
      ]),
    });
    const result = runScript('check_naming_convention.sh', ['--root', root]);
    expect(result.code).toBe(1);
    for (const problem of [
      'metric http_requests_total: metric names are mlops_<subsystem>_<name>_<unit>',
      'metric mlops_api_requests: counters end in _total',
      'metric mlops_queue_depth_total: only counters end in _total (this is a Gauge)',
      'metric mlops_model_prediction_latency_ms: use base units: seconds, bytes, ratio (not ms)',
      'metric mlops_Model_latency_seconds: metric names are mlops_<subsystem>_<name>_<unit>, lowercase',
      'metric mlops_requests_total: mlops_<subsystem>_<name>_<unit>: the name or the unit is missing',
      'metric mlops_model_loaded_info: _info metrics are gauges',
      'metric mlops_http_request_duration_seconds: defined twice',
    ]) {
      expect(result.stderr).toContain(problem);
    }
  });

  it('refuses environment variables that are not UPPER_SNAKE_CASE or not MLOPS_/a service prefix', () => {
    const root = tree({
      ...VALID_TREE,
      '.env.template': 'MLOPS_HOME=./.mlops\n# LOG_LEVEL=info\nmlops_port=8000\n',
      'src/config/env-schema.ts': envSchema(['MLOPS_HOME', 'featureStorePath', 'API_KEY']),
      'deploy/docker-compose.yml': `${compose('mlops-api-prod', 'movie-mlops/api:1', 'mlops-postgres-prod')}\n# \${IGNORED_in_comment}\nx: \${dbPassword}\n`,
    });
    const result = runScript('check_naming_convention.sh', ['--root', root]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('variable LOG_LEVEL: platform settings start with MLOPS_');
    expect(result.stderr).toContain(
      'variable mlops_port: environment variables are UPPER_SNAKE_CASE (.env.template)',
    );
    expect(result.stderr).toContain('variable featureStorePath: environment variables are UPPER_SNAKE_CASE');
    expect(result.stderr).toContain('variable API_KEY: platform settings start with MLOPS_');
    expect(result.stderr).not.toContain('IGNORED');
    expect(result.stderr).toContain('variable dbPassword: environment variables are UPPER_SNAKE_CASE');
    expect(result.stderr).toContain('5 naming problem(s)');
  });

  it('refuses docker names off mlops-<feature>-<env>, movie-mlops/<feature>:<tag>, mlops-<datatype>-<env>', () => {
    const root = tree({
      ...VALID_TREE,
      'deploy/docker-compose.yml': compose('mlops_api', 'movie-mlops/API:latest', 'postgres-data'),
    });
    const result = runScript('check_naming_convention.sh', ['--root', root]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('container mlops_api: containers are mlops-<feature>-<env>');
    expect(result.stderr).toContain('image movie-mlops/API:latest: the project');
    expect(result.stderr).toContain('volume postgres-data: volumes are mlops-<datatype>-<env>');
  });

  it('checks only the files it is given (the pre-commit hook passes the staged ones)', () => {
    const root = tree({ ...VALID_TREE, 'src/BadName.ts': '', 'scripts/Other.sh': '' });
    const result = runScript('check_naming_convention.sh', [
      '--root',
      root,
      '--quiet',
      '--',
      'src/BadName.ts',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('file src/BadName.ts');
    expect(result.stderr).not.toContain('Other.sh');
    const clean = runScript('check_naming_convention.sh', [
      '--root',
      root,
      '--quiet',
      '--',
      'src/data/watch-log.ts',
    ]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toBe('');
  });
});

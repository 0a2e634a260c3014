import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findUnknownMlopsCommands, REPO, run } from '../helpers/scripts.js';

const WORKFLOWS = path.join(REPO, '.github/workflows');
const ACTION_VALIDATOR = path.join(REPO, 'node_modules/@action-validator/cli/cli.mjs');

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string; url?: string };
  container?: string;
  services?: Record<string, { image: string; env?: Record<string, string> }>;
  strategy?: { matrix: { include: Record<string, string>[] } };
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = (file: string) => parse(readFileSync(path.join(WORKFLOWS, file), 'utf8')) as Workflow;
const runScripts = (flow: Workflow) =>
  Object.values(flow.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run ? [step.run] : [])));
const needsOf = (job: Job) => (job.needs === undefined ? [] : ([] as string[]).concat(job.needs));

/** `action-validator <file>`: the GitHub workflow schema, job references (needs) and expressions. */
function validateWorkflow(file: string) {
  return run(process.execPath, [ACTION_VALIDATOR, file]);
}

describe('.github/workflows', () => {
  it.each(['ci.yml', 'cd.yml', 'ml-pipeline.yml'])('%s is a valid GitHub Actions workflow', (file) => {
    const result = validateWorkflow(path.join(WORKFLOWS, file));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('the validator refuses a broken workflow (an unknown key, a job that needs a missing job)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-workflow-'));
    try {
      const broken = path.join(dir, 'broken.yml');
      writeFileSync(
        broken,
        'name: broken\non: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: [build]\n    stepz:\n      - run: echo\n',
      );
      const result = validateWorkflow(broken);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("Additional property 'stepz' is not allowed");
      const unresolved = path.join(dir, 'unresolved.yml');
      writeFileSync(
        unresolved,
        'name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: [build]\n    steps:\n      - run: echo\n',
      );
      expect(validateWorkflow(unresolved).stderr).toContain('unresolved job build');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every script the workflows run exists, and every mlops command they call is a real one', async () => {
    const scripts = ['ci.yml', 'cd.yml', 'ml-pipeline.yml'].flatMap((file) => runScripts(workflow(file)));
    const scriptFiles = scripts.flatMap((text) =>
      [...text.matchAll(/\bscripts\/[\w.-]+\.sh\b/g)].map((m) => m[0]),
    );
    expect(scriptFiles.length).toBeGreaterThan(5);
    for (const file of new Set(scriptFiles)) expect(existsSync(path.join(REPO, file)), file).toBe(true);
    const commands = scripts.flatMap((text) =>
      [...text.matchAll(/\bnpx mlops((?: [a-z][a-z-]*){1,2})/g)].map((m) => (m[1] ?? '').trim().split(' ')),
    );
    expect(commands.map((words) => words[0])).toEqual(
      expect.arrayContaining(['db', 'data', 'train', 'evaluate', 'models']),
    );
    expect(await findUnknownMlopsCommands(commands)).toEqual([]);
    // The check knows the real commands: a typo or a missing subcommand is caught.
    expect(await findUnknownMlopsCommands([['data', 'validat'], ['modles', 'promote'], ['db']])).toHaveLength(
      3,
    );
  });
});

describe('ci.yml', () => {
  const ci = workflow('ci.yml');

  it('runs on pushes to main and on pull requests', () => {
    expect(ci.on).toHaveProperty('pull_request');
    expect(ci.on.push).toEqual({ branches: ['main'] });
  });

  it('lints, type-checks, checks the conventions, builds and builds the container image', () => {
    const steps = (job: string) => runScripts({ ...ci, jobs: { [job]: ci.jobs[job] as Job } }).join('\n');
    expect(steps('conventions')).toContain('npm run lint');
    expect(steps('conventions')).toContain('scripts/check_naming_convention.sh');
    expect(steps('conventions')).toContain('scripts/validate_branch_name.sh');
    expect(steps('conventions')).toContain('scripts/validate_commit_message.sh');
    expect(steps('typecheck')).toContain('npm run typecheck');
    expect(steps('build')).toContain('npm run build');
    const container = ci.jobs.container as Job;
    expect(
      container.steps.find((step) => step.uses?.startsWith('docker/build-push-action'))?.with,
    ).toMatchObject({
      context: '.',
      push: false,
    });
    expect(steps('container')).toContain('scripts/run_smoke_test.sh');
  });

  it('runs unit, integration, MLflow-client and browser suites against real engines in service containers', () => {
    const test = ci.jobs.test as Job;
    const suites = test.strategy?.matrix.include ?? [];
    expect(suites.map((suite) => suite.suite)).toEqual(['unit', 'integration', 'mlflow-compat', 'e2e']);
    for (const suite of suites) {
      for (const folder of (suite.paths ?? '').split(' '))
        expect(existsSync(path.join(REPO, folder)), folder).toBe(true);
    }
    // Every test folder runs in one suite or another.
    const covered = suites.flatMap((suite) => (suite.paths ?? '').split(' '));
    for (const folder of [
      'src',
      'web/src',
      'tests/contract',
      'tests/integration',
      'tests/compat',
      'tests/e2e',
    ]) {
      expect(covered).toContain(folder);
    }
    expect(covered).toEqual(expect.arrayContaining(['tests/conventions', 'tests/deploy']));

    const services = test.services ?? {};
    expect(services.postgres?.image).toMatch(/^postgres:/);
    expect(services.redis?.image).toMatch(/^redis:/);
    expect(services.kafka?.image).toMatch(/^apache\/kafka:/);
    expect(services.kafka?.env?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(services.s3?.image).toMatch(/s3proxy|minio/);
    // The variables tests/helpers/global-setup.ts takes engines from, so it starts none of its own.
    const globalSetup = readFileSync(path.join(REPO, 'tests/helpers/global-setup.ts'), 'utf8');
    const read = [...globalSetup.matchAll(/external\.(MLOPS_TEST_[A-Z0-9_]+)/g)].map((m) => m[1]);
    expect(read).toEqual(expect.arrayContaining(['MLOPS_TEST_POSTGRES_URL', 'MLOPS_TEST_KAFKA_BROKERS']));
    for (const name of read.filter((name) => name !== 'MLOPS_TEST_PROMTOOL')) {
      expect(test.env, `${name} for the test job`).toHaveProperty(name as string);
    }
    for (const name of ['BUCKET', 'ACCESS_KEY_ID', 'SECRET_ACCESS_KEY']) {
      expect(test.env).toHaveProperty(`MLOPS_TEST_S3_${name}`);
    }
  });
});

describe('cd.yml', () => {
  const cd = workflow('cd.yml');

  it('delivers each push to main and each release tag, and can be run by hand to roll back', () => {
    expect(cd.on.push).toEqual({ branches: ['main'], tags: ['v*.*.*'] });
    expect(cd.on).toHaveProperty('workflow_dispatch.inputs.rollback.options', [
      'none',
      'staging',
      'production',
    ]);
  });

  it('builds and pushes movie-mlops/api:<version>, then staging, then production behind an environment', () => {
    expect(cd.env?.IMAGE_NAME).toBe('movie-mlops/api');
    const image = cd.jobs.image as Job;
    expect(image.steps.find((step) => step.uses?.startsWith('docker/build-push-action'))?.with).toMatchObject(
      {
        push: true,
      },
    );
    const staging = cd.jobs['deploy-staging'] as Job;
    const production = cd.jobs['deploy-production'] as Job;
    expect(needsOf(staging)).toEqual(['image']);
    expect(needsOf(production)).toEqual(expect.arrayContaining(['image', 'deploy-staging']));
    expect(staging.environment).toMatchObject({ name: 'staging' });
    // Production waits for the environment's required reviewers: the manual approval.
    expect(production.environment).toMatchObject({ name: 'production' });
    for (const job of [staging, production]) {
      const scripts = job.steps.map((step) => step.run ?? '').join('\n');
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression.
      expect(scripts).toContain('scripts/deploy_kubernetes_release.sh "${{ needs.image.outputs.image }}"');
      expect(scripts).toContain('scripts/run_smoke_test.sh');
      const rollback = job.steps.find((step) => step.run?.includes('deploy_kubernetes_rollback.sh'));
      expect(rollback?.if).toBe('failure()');
    }
  });

  it('has a rollback job for either environment', () => {
    const rollback = cd.jobs.rollback as Job;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression.
    expect(rollback.environment).toBe('${{ inputs.rollback }}');
    expect(rollback.steps.map((step) => step.run ?? '').join('\n')).toContain(
      'scripts/deploy_kubernetes_rollback.sh',
    );
  });
});

describe('ml-pipeline.yml', () => {
  const pipeline = workflow('ml-pipeline.yml');
  const job = pipeline.jobs.pipeline as Job;

  it('runs nightly on a valid cron schedule, and by hand', () => {
    const schedule = pipeline.on.schedule as { cron: string }[];
    expect(schedule).toHaveLength(1);
    const next = CronExpressionParser.parse(schedule[0]?.cron ?? '', { tz: 'UTC' })
      .next()
      .toDate();
    expect(next.getUTCHours()).toBe(2);
    expect(pipeline.on).toHaveProperty('workflow_dispatch');
  });

  it('validates data, trains, evaluates, gates on thresholds and registers, in that order', () => {
    const order = [
      /npx mlops data validate watch_log/,
      /npx mlops train /,
      /npx mlops evaluate .* --record/,
      /scripts\/validate_model_metrics\.sh reports\/evaluation-report\.json/,
      /npx mlops models promote /,
    ];
    const scripts = job.steps.map((step) => step.run ?? '');
    const positions = order.map((pattern) => scripts.findIndex((text) => pattern.test(text)));
    expect(
      positions.every((position) => position >= 0),
      String(positions),
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('keeps the evaluation report as an artifact, even when a step fails', () => {
    const upload = job.steps.find((step) => step.uses?.startsWith('actions/upload-artifact'));
    expect(upload?.if).toBe('always()');
    expect(upload?.with?.path).toBe('reports/');
    expect(job.steps.some((step) => step.run?.includes('>reports/evaluation-report.json'))).toBe(true);
  });
});

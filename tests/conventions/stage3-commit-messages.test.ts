import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, run, runScript } from '../helpers/scripts.js';

const VALID = [
  'feat(serving): hot-swap model on promotion',
  'feat(events): typed event schemas and one bus interface',
  'fix(events): Kafka publishes go out one batch at a time (concurrent idempotent sends lost events), the live stream observes every event, streams end on shutdown, overloads under threshold shed nothing; Events page; events bench',
  'docs: README and monitoring guide list the drift command and page',
  'perf(monitoring): drift detection counts categories without strings (1M + 1M rows × 20 features: 32 s to 9 s)',
  'test(conventions): branch names, commit messages and naming checks',
  'build(deps): kubernetes-models for manifest validation',
  'ci: run the suites on Debian with service containers',
  'chore(release): 0.2.0',
  'style(web): format',
  'refactor(storage/s3): one client per store',
  'feat(api)!: drop the v0 routes',
  'feat(events,web): the live stream on the Events page',
  'revert: feat(events): typed event schemas',
  'feat(deploy): Kubernetes manifests\n\nDeployment, Service, HPA and a CronJob.\nValidated by kubernetes-models.',
  // Git's own messages.
  "Merge branch 'feature/stage4-cicd-pipeline'",
  'Merge pull request #12 from example/feature/stage4-cicd-pipeline',
  'Revert "feat(events): typed event schemas and one bus interface"\n\nThis reverts commit 1fef1d8.',
  'fixup! feat(deploy): Kubernetes manifests',
  'squash! fix(cli): exit codes',
  // Comment lines and the verbose diff below the scissors line are not part of the message.
  '# Please enter the commit message for your changes.\nfeat(cli): mlops status --json\n# On branch main\n',
  'fix(cli): ok\n\nbody\n# ------------------------ >8 ------------------------\nnot a blank line before this\n',
];

const INVALID: [message: string, rule: RegExp][] = [
  ['', /empty/],
  ['# only a comment\n', /empty/],
  ['add the deployment guide', /unknown type "add"/],
  ['Feat(serving): hot-swap model', /lowercase: "feat"/],
  ['feature(serving): hot-swap model', /unknown type "feature"/],
  ['bench(monitoring): drift detection', /unknown type "bench"/],
  ['feat(Serving): hot-swap model', /scope "Serving" must be lowercase/],
  ['feat(serving)hot-swap model', /colon and one space/],
  ['feat(serving):hot-swap model', /colon and one space/],
  ['feat: ', /empty or starts with whitespace/],
  ['feat(serving: hot-swap model', /scope is not closed/],
  ['feat(): hot-swap model', /scope "" must be lowercase/],
  [' feat: indented', /must not start with whitespace/],
  ['feat(deploy): manifests\nDeployment and Service', /blank line between the summary and the body/],
  ['WIP', /unknown type "WIP"/],
];

describe('scripts/validate_commit_message.sh', () => {
  it.each(VALID)('accepts %j', (message) => {
    const result = runScript('validate_commit_message.sh', ['-'], { input: message });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it.each(INVALID)('refuses %j, naming the rule it breaks', (message, rule) => {
    const result = runScript('validate_commit_message.sh', ['-'], { input: message });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid commit message');
    expect(result.stderr).toMatch(rule);
    expect(result.stderr).toContain('feat(serving): hot-swap model on promotion');
  });

  it('reads the message file git gives a commit-msg hook', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-commit-msg-'));
    try {
      writeFileSync(path.join(dir, 'COMMIT_EDITMSG'), 'feat(deploy): compose stack\r\n\r\nwith CRLF\r\n');
      expect(runScript('validate_commit_message.sh', [path.join(dir, 'COMMIT_EDITMSG')]).code).toBe(0);
      expect(runScript('validate_commit_message.sh', [path.join(dir, 'missing')]).code).toBe(2);
      expect(runScript('validate_commit_message.sh', []).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('git hooks installed by npm install (prepare)', () => {
  let repo: string;
  const git = (args: string[], input?: string) =>
    run('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
      cwd: repo,
      ...(input === undefined ? {} : { input }),
    });

  beforeAll(() => {
    // A new repository holding this one's hooks and scripts, as a fresh clone would.
    repo = mkdtempSync(path.join(tmpdir(), 'mlops-hooks-'));
    cpSync(path.join(REPO, '.githooks'), path.join(repo, '.githooks'), { recursive: true });
    cpSync(path.join(REPO, 'scripts'), path.join(repo, 'scripts'), { recursive: true });
    expect(git(['init', '-q', '-b', 'main']).code).toBe(0);
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('the prepare script installs the hooks first, then builds', () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(manifest.scripts.prepare).toBe('sh scripts/setup_git_hooks.sh && npm run build');
  });

  it('sets core.hooksPath in a checkout, idempotently', () => {
    const first = run('sh', ['scripts/setup_git_hooks.sh'], { cwd: repo });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('core.hooksPath=.githooks');
    expect(git(['config', '--get', 'core.hooksPath']).stdout.trim()).toBe('.githooks');
    const again = run('sh', ['scripts/setup_git_hooks.sh'], { cwd: repo });
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
  });

  it('never fails outside a git checkout (Docker build, npm pack) and changes nothing', () => {
    const plain = mkdtempSync(path.join(tmpdir(), 'mlops-no-git-'));
    try {
      cpSync(path.join(REPO, 'scripts/setup_git_hooks.sh'), path.join(plain, 'scripts/setup_git_hooks.sh'));
      mkdirSync(path.join(plain, '.githooks'));
      const result = run('sh', ['scripts/setup_git_hooks.sh'], {
        cwd: plain,
        env: { ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(plain) },
      });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('not a git checkout: git hooks not installed');
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });

  it('leaves a hooksPath someone else set alone', () => {
    const other = mkdtempSync(path.join(tmpdir(), 'mlops-other-hooks-'));
    try {
      cpSync(path.join(REPO, 'scripts/setup_git_hooks.sh'), path.join(other, 'scripts/setup_git_hooks.sh'));
      mkdirSync(path.join(other, '.githooks'));
      run('git', ['init', '-q'], { cwd: other });
      run('git', ['config', 'core.hooksPath', '.husky'], { cwd: other });
      const result = run('sh', ['scripts/setup_git_hooks.sh'], { cwd: other });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('already set to .husky');
      expect(run('git', ['config', '--get', 'core.hooksPath'], { cwd: other }).stdout.trim()).toBe('.husky');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('commit-msg accepts Conventional Commits and refuses the rest', () => {
    writeFileSync(path.join(repo, 'notes.md'), 'one\n');
    git(['add', 'notes.md']);
    const refused = git(['commit', '-q', '-m', 'Added notes']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('invalid commit message: unknown type "Added"');
    const accepted = git([
      'commit',
      '-q',
      '-m',
      'fix(events): Kafka publishes go out one batch at a time (concurrent idempotent sends lost events), streams end on shutdown',
    ]);
    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
    expect(git(['log', '--format=%s']).stdout).toContain('fix(events): Kafka publishes');
  });

  it('pre-commit refuses a file named against the conventions, naming the rule', () => {
    mkdirSync(path.join(repo, 'src'), { recursive: true });
    writeFileSync(path.join(repo, 'src/OnlineStore.ts'), 'export {};\n');
    git(['add', 'src/OnlineStore.ts']);
    const refused = git(['commit', '-q', '-m', 'feat(features): online store']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('file src/OnlineStore.ts: TypeScript files are kebab-case');
    git(['rm', '-q', '--cached', 'src/OnlineStore.ts']);
    writeFileSync(path.join(repo, 'src/online-store.ts'), 'export {};\n');
    git(['add', 'src/online-store.ts']);
    const accepted = git(['commit', '-q', '-m', 'feat(features): online store']);
    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
  });
});

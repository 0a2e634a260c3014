import { describe, expect, it } from 'vitest';
import { runScript } from '../helpers/scripts.js';

// The examples of CONVENTIONS.md and the project standard it follows (seeds/000), and the ways to break them.
const VALID = [
  'feature/stage1-data-pipeline',
  'feature/stage2-feature-store',
  'feature/stage3-version-control',
  'feature/stage4-cicd-pipeline',
  'feature/stage6-model-registry',
  'feature/stage6-monitoring-dashboard',
  'feature/stage9-event-driven',
  'experiment/hyperparameter-tuning',
  'bugfix/123-memory-leak',
  'hotfix/456-security-patch',
  'docs/api-documentation',
  'refactor/data-pipeline-optimization',
];

const INVALID: [name: string, rule: RegExp][] = [
  ['main', /protected/],
  ['master', /protected/],
  ['develop', /protected/],
  ['feature/main', /protected/],
  ['Feature/stage6-monitoring', /lowercase/],
  ['feature/stage6-Model-Registry', /lowercase/],
  ['feature/stage6_model_registry', /underscores/],
  ['feature/stage6--model', /doubled hyphens/],
  ['feature/-stage6-model', /start or end/],
  ['feature/stage6-model-', /start or end/],
  ['feature/model-registry', /feature\/stage<1-9>-<name>/],
  ['feature/stage0-setup', /feature\/stage<1-9>-<name>/],
  ['feature/stage10-scaling', /feature\/stage<1-9>-<name>/],
  ['feature/stage6', /feature\/stage<1-9>-<name>/],
  ['bugfix/memory-leak', /bugfix\/<issue number>-<description>/],
  ['hotfix/security-patch', /hotfix\/<issue number>-<description>/],
  ['refactor/cleanup', /refactor\/<target>-<purpose>/],
  ['release/v2-rollout', /unknown type "release"/],
  ['model-registry', /type prefix is required/],
  ['feature/stage6-model/registry', /one slash only/],
  ['feature/stage6 model', /no spaces/],
  ['feature/stage6-model.registry', /only lowercase letters, digits, hyphens/],
  ['', /empty/],
];

describe('scripts/validate_branch_name.sh', () => {
  it.each(VALID)('accepts %s', (name) => {
    const result = runScript('validate_branch_name.sh', [name]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`branch name ok: ${name}`);
  });

  it.each(INVALID)('refuses "%s", naming the rule it breaks', (name, rule) => {
    const result = runScript('validate_branch_name.sh', [name]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`invalid branch name "${name}"`);
    expect(result.stderr).toMatch(rule);
  });

  it('checks the branch checked out when given no name, and refuses bad usage with exit 2', () => {
    const current = runScript('validate_branch_name.sh', []);
    // Whatever this checkout's branch is (main here), the answer is a verdict, not a usage error.
    expect([0, 1]).toContain(current.code);
    expect(`${current.stdout}${current.stderr}`).toMatch(/branch name/);
    expect(runScript('validate_branch_name.sh', ['a', 'b']).code).toBe(2);
  });
});

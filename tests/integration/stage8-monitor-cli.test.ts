import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createTestHome } from '../helpers/services.js';

let home: string;
let remove: () => void;
let env: Record<string, string>;
const versions: string[] = [];

const GENERATE = [
  'data',
  'generate',
  '--users',
  '600',
  '--movies',
  '250',
  '--interactions',
  '40000',
  '--days',
  '60',
];

beforeAll(async () => {
  ({ home, remove } = createTestHome());
  env = { MLOPS_HOME: home };
  const end = new Date().toISOString().slice(0, 10);
  const driftDate = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
  for (const extra of [
    ['--seed', '31'],
    ['--seed', '32', '--drift-date', driftDate, '--drift-taste', '0.9'],
  ]) {
    const generated = await runCli([...GENERATE, '--end-date', end, ...extra], env);
    expect(generated.code, generated.stderr).toBe(0);
    const listed = await runCli(['data', 'versions', '--dataset', 'watch_log', '--json'], env);
    versions.push((JSON.parse(listed.stdout) as { version_id: string }[])[0]?.version_id ?? '');
  }
});

afterAll(() => remove());

describe('mlops monitor drift', () => {
  it('compares the last window with the one before and names the drifted feature', async () => {
    const result = await runCli(['monitor', 'drift', '--window-days', '7'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/primary_genre\s*│\s*jensenshannon\s*│[^│]*│\s*0\.1\s*│\s*DRIFT/);
    expect(result.stdout).toMatch(/watch_seconds\s*│\s*wasserstein\s*│[^│]*│\s*0\.1\s*│\s*no/);
    expect(result.stdout).toContain('no dataset drift: 1 of 6 features drifted (threshold 50 %)');

    const strict = await runCli(['monitor', 'drift', '--drift-share', '0.15', '--json'], env);
    expect(strict.code).toBe(1);
    const report = JSON.parse(strict.stdout);
    expect(report.dataset_drift).toBe(true);
    expect(report.reference.to).toBe(report.current.from);
  });

  it('compares two watch-log versions', async () => {
    const [stable, drifted] = versions;
    const same = await runCli(
      ['monitor', 'drift', '--reference', stable ?? '', '--current', stable ?? ''],
      env,
    );
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain('no dataset drift: 0 of 6 features drifted');
    const other = await runCli(
      ['monitor', 'drift', '--reference', stable ?? '', '--current', drifted ?? '', '--json'],
      env,
    );
    const report = JSON.parse(other.stdout);
    expect(report.reference.watch_log_version).toBe(stable);
    expect(report.current.watch_log_version).toBe(drifted);
    expect(
      report.columns.find((column: { column: string }) => column.column === 'primary_genre').drifted,
    ).toBe(true);
  });

  it('refuses bad options by name', async () => {
    const method = await runCli(['monitor', 'drift', '--method', 'magic'], env);
    expect(method.code).toBe(2);
    expect(method.stderr).toContain('--method must be auto or psi');
    const half = await runCli(['monitor', 'drift', '--reference', versions[0] ?? ''], env);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('give both --reference and --current');
    const movies = await runCli(['monitor', 'drift', '--reference', 'movies', '--current', 'watch_log'], env);
    expect(movies.code).toBe(2);
    expect(movies.stderr).toContain('is a movies version, not a watch log');
  });
});

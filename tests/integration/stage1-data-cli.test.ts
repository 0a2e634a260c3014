import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, runCli, startCli } from '../helpers/cli.js';
import { createTestHome } from '../helpers/services.js';

const SMALL = [
  '--users',
  '200',
  '--movies',
  '150',
  '--interactions',
  '5000',
  '--seed',
  '3',
  '--end-date',
  '2026-11-01',
];

function movieLensFolder(extraRating = '', lineEnd = '\n'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-ml-cli-'));
  writeFileSync(
    path.join(dir, 'movies.dat'),
    '1::Toy Story (1995)::Animation|Comedy\n2::Heat (1995)::Crime|Thriller\n',
  );
  writeFileSync(
    path.join(dir, 'ratings.dat'),
    ['1::1::5::978300760', '2::2::4::978300761', '2::1::3::978300762', ''].join(lineEnd) + extraRating,
  );
  return dir;
}

describe('mlops data', () => {
  it('generates, versions without duplicates, validates, shows and checks out', async () => {
    const { home, remove } = createTestHome();
    const env = { MLOPS_HOME: home };
    const exported = path.join(mkdtempSync(path.join(tmpdir(), 'mlops-ml-gen-')), 'ml');
    const first = await runCli(['data', 'generate', ...SMALL, '--csv', '--movielens', exported], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/generated 150 movies and 5000 interactions/);
    expect(first.stdout).toMatch(
      /wrote a MovieLens folder \(ml-1m layout\) to .*ml: 150 movies, \d+ ratings/,
    );
    expect(existsSync(path.join(exported, 'ratings.dat'))).toBe(true);
    expect(first.stdout).toMatch(/movies\s+[0-9a-f]{12}\s+new version, valid/);
    expect(existsSync(path.join(home, 'data', 'processed', 'watch_log.csv'))).toBe(true);
    expect(existsSync(path.join(home, 'data', 'processed', 'watch_log.parquet'))).toBe(true);

    const second = await runCli(['data', 'generate', ...SMALL], env);
    expect(second.stdout).toMatch(/watch_log\s+[0-9a-f]{12}\s+unchanged \(same content as before\), valid/);

    const versions = await runCli(['data', 'versions', '--json'], env);
    const list = JSON.parse(versions.stdout) as { version_id: string; dataset: string }[];
    expect(list.map((version) => version.dataset).sort()).toEqual(['movies', 'watch_log']);

    const validate = await runCli(['data', 'validate', 'watch_log'], env);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toMatch(/^watch_log [0-9a-f]{12}: PASSED/);

    const watchLog = list.find((version) => version.dataset === 'watch_log');
    const show = await runCli(['data', 'show', (watchLog?.version_id ?? '').slice(0, 8)], env);
    expect(show.stdout).toMatch(/made from\s+dataset [0-9a-f]{12}/);
    expect(show.stdout).toMatch(/code revision/);

    const target = mkdtempSync(path.join(tmpdir(), 'mlops-co-'));
    const checkout = await runCli(['data', 'checkout', watchLog?.version_id ?? '', target], env);
    expect(checkout.code).toBe(0);
    expect(existsSync(path.join(target, 'watch_log.parquet'))).toBe(true);

    const unknown = await runCli(['data', 'show', 'ffffff'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^mlops: no dataset version starts with ffffff/);
    remove();
  });

  it('rejects bad options by name with exit code 2', async () => {
    const { home, remove } = createTestHome();
    const result = await runCli(['data', 'generate', '--users', 'many', '--end-date', '2026-13-45'], {
      MLOPS_HOME: home,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('mlops: --users must be a whole number from 1 to 10000000 (got "many")');
    expect(result.stderr).toContain('--end-date');
    remove();
  });

  it('imports MovieLens, and a file with a bad line imports nothing', async () => {
    const { home, remove } = createTestHome();
    const env = { MLOPS_HOME: home };
    const bad = await runCli(['data', 'import', 'movielens', movieLensFolder('3::2::9::978300763\n')], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^mlops: ratings\.dat line 4: rating "9" is not between 0\.5 and 5\n$/);
    expect(JSON.parse((await runCli(['data', 'versions', '--json'], env)).stdout)).toEqual([]);

    const extra = await runCli(
      ['data', 'import', 'movielens', movieLensFolder('3::2::4::978300763::1\n')],
      env,
    );
    expect(extra.code).toBe(1);
    expect(extra.stderr).toMatch(
      /^mlops: ratings\.dat line 4: expected 4 fields \(user, movie, rating, timestamp\), got 5\n$/,
    );

    const good = await runCli(['data', 'import', 'movielens', movieLensFolder()], env);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/imported ml-1m: 2 movies, 3 ratings/);
    // MovieLens ratings are from 2000: the data-freshness warning is shown, not only stored.
    expect(good.stdout).toMatch(
      /warning: watch_log: expect_column_max_to_be_recent on timestamp expected newest value within 30 days, observed newest is 2000-12-31T.* days old\)/,
    );
    expect(good.stdout).not.toMatch(/CR LF/);

    const windows = await runCli(['data', 'import', 'movielens', movieLensFolder('', '\r\n')], env);
    expect(windows.code).toBe(0);
    expect(windows.stdout).toMatch(
      /warning: ratings\.dat: 3 of 3 lines end in CR LF \(Windows line endings, first at line 1\); read without the CR/,
    );
    remove();
  });

  it('a MovieLens import failing validation names the expectation and observed values, and records nothing of it as valid', async () => {
    const { home, remove } = createTestHome();
    const env = { MLOPS_HOME: home };
    // User id 0 parses, but the watch log's expectations want ids from 1.
    const result = await runCli(
      ['data', 'import', 'movielens', movieLensFolder('0::2::4::978300763\n')],
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^mlops: watch_log [0-9a-f]{12} failed validation \(watch_log: expect_column_values_to_be_between on user_id expected .*1.*, observed .*0.*\); nothing of it is recorded as valid/,
    );
    const versions = JSON.parse((await runCli(['data', 'versions', '--json'], env)).stdout) as {
      dataset: string;
      is_valid: boolean | null;
    }[];
    expect(versions.filter((version) => version.is_valid !== false)).toEqual([]);
    expect(versions.map((version) => version.dataset)).toEqual(['watch_log']);
    remove();
  });
});

describe('first start', () => {
  it('generates the demo data when none exists, and only then', async () => {
    const { home, remove } = createTestHome();
    const port = await freePort();
    const env = { MLOPS_HOME: home, MLOPS_PORT: String(port), MLOPS_DEMO_DATA: 'true' };
    const up = startCli(['up'], env);
    await up.waitFor(/movie-mlops is up/, 120_000);
    expect(up.output()).toContain('generating the offline demo catalogue');
    const page = (await (await fetch(`http://127.0.0.1:${port}/api/v1/movies?limit=3`)).json()) as {
      pagination: { total: number };
    };
    expect(page.pagination.total).toBe(4000);
    up.child.kill('SIGTERM');
    expect(await up.exited).toBe(0);

    const again = startCli(['up'], env);
    await again.waitFor(/movie-mlops is up/);
    expect(again.output()).not.toContain('generating the offline demo catalogue');
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    remove();
  });
});

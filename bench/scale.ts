/**
 * Benchmark: the whole path at MovieLens sizes, each step the real `mlops` command in its own process, with
 * its wall time and peak RSS (GNU time's maximum resident set size). Per size, in a fresh MLOPS_HOME:
 * generate + version + validate the watch log, apply / build / materialize the features, train ALS
 * (64 factors, 15 iterations; the command also evaluates, tracks and registers), promote, then `mlops serve`
 * until it answers its first recommendation.
 *
 *   npm run bench:scale [-- --sizes 1000000,5000000,20000000 --threads 2 --json figures.json]
 *
 * Users and movies grow with the log towards ML-20M's shape (138,000 users × 27,000 movies at 20M):
 * users in proportion, movies as the square root. The ALS step's ratio against `implicit` on the same data
 * is bench:models' job (`npm run bench:models -- --algorithms als --users … --movies … --interactions …`).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from './helpers.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000000,5000000' },
    threads: { type: 'string', default: '2' },
    iterations: { type: 'string', default: '15' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const repo = path.resolve(import.meta.dirname, '..');
const cli = path.join(repo, 'dist/cli/main.js');

interface Step {
  step: string;
  seconds: number;
  peak_rss_mb: number;
}

function shapeOf(interactions: number): { users: number; movies: number } {
  const share = interactions / 20_000_000;
  return {
    users: Math.max(1000, Math.round(138_000 * share)),
    movies: Math.max(1000, Math.round(27_000 * Math.sqrt(share))),
  };
}

/** Runs one `mlops` command under GNU time; throws with its output when it fails. */
function run(home: string, step: string, args: string[]): Step & { stdout: string; stderr: string } {
  const timeFile = path.join(home, 'time.txt');
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, cli, ...args], {
    env: { ...process.env, MLOPS_HOME: home, MLOPS_LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0)
    throw new Error(`${step} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  const kilobytes = Number(readFileSync(timeFile, 'utf8').trim().split('\n').at(-1));
  const figures = { step, seconds, peak_rss_mb: kilobytes / 1024 };
  process.stderr.write(`  ${step}: ${seconds.toFixed(1)} s, peak ${figures.peak_rss_mb.toFixed(0)} MB\n`);
  return { ...figures, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The train command's own phases, from what it prints: the fit alone (`als trained in X s`), and the time
 * from the command's start to `evaluating (Xs)`, after which evaluation and registration remain.
 */
function trainPhases(train: ReturnType<typeof run>): Step[] {
  const fit = Number(/trained in ([\d.]+) s/.exec(train.stdout)?.[1] ?? Number.NaN);
  const untilEvaluate = Number(/evaluating \(([\d.]+)s\)/.exec(train.stderr)?.[1] ?? Number.NaN);
  return [
    { step: '  of which: read and split the log', seconds: untilEvaluate - fit, peak_rss_mb: Number.NaN },
    { step: '  of which: ALS fit', seconds: fit, peak_rss_mb: Number.NaN },
    {
      step: '  of which: evaluate and register',
      seconds: train.seconds - untilEvaluate,
      peak_rss_mb: Number.NaN,
    },
  ];
}

const strip = ({ step, seconds, peak_rss_mb }: Step): Step => ({ step, seconds, peak_rss_mb });

/** `mlops serve` from start to its first answered recommendation; its peak RSS read before it stops. */
async function serveFirstAnswer(home: string): Promise<Step> {
  const port = await freePort();
  const started = performance.now();
  const server: ChildProcess = spawn(process.execPath, [cli, 'serve'], {
    env: { ...process.env, MLOPS_HOME: home, MLOPS_PORT: String(port), MLOPS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      if (server.exitCode !== null) throw new Error(`mlops serve exited with ${server.exitCode}`);
      const answer = await fetch(`http://127.0.0.1:${port}/api/v1/recommendations?user_id=1&k=10`).catch(
        () => undefined,
      );
      if (answer?.ok && ((await answer.json()) as { count: number }).count > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
    const peak = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
    process.stderr.write(
      `  serve, first recommendation: ${seconds.toFixed(1)} s, peak ${peak.toFixed(0)} MB\n`,
    );
    return { step: 'serve: first recommendation', seconds, peak_rss_mb: peak };
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}

const results: { interactions: number; users: number; movies: number; steps: Step[] }[] = [];
for (const size of values.sizes.split(',').map(Number)) {
  const { users, movies } = shapeOf(size);
  const home = mkdtempSync(path.join(tmpdir(), `mlops-bench-scale-${size}-`));
  process.stderr.write(
    `${size.toLocaleString('en')} interactions: ${users} users × ${movies} movies in ${home}\n`,
  );
  try {
    const generate = run(home, 'data generate (version, validate)', [
      'data',
      'generate',
      '--users',
      String(users),
      '--movies',
      String(movies),
      '--interactions',
      String(size),
    ]);
    const features = [
      run(home, 'features apply', ['features', 'apply']),
      run(home, 'features build', ['features', 'build']),
      run(home, 'features materialize', ['features', 'materialize']),
    ];
    const train = run(home, 'train ALS (read, fit, evaluate, register)', [
      'train',
      '-a',
      'als',
      '--factors',
      '64',
      '--iterations',
      values.iterations,
      '--threads',
      values.threads,
    ]);
    const steps = [
      ...[generate, ...features, train].map(strip),
      ...trainPhases(train),
      strip(run(home, 'models promote', ['models', 'promote', 'movie_predictor', '1', '--force'])),
      await serveFirstAnswer(home),
    ];
    results.push({ interactions: size, users, movies, steps });
  } finally {
    if (!values.keep) rmSync(home, { recursive: true, force: true });
  }
}

console.log(
  `\n| step | ${results.map((r) => `${r.interactions.toLocaleString('en')}: s / peak MB`).join(' | ')} |`,
);
console.log(`|---|${results.map(() => '---:').join('|')}|`);
for (const [index, { step }] of (results[0]?.steps ?? []).entries()) {
  const cells = results.map((r) => {
    const figures = r.steps[index];
    if (figures === undefined) return '–';
    const peak = Number.isNaN(figures.peak_rss_mb) ? '' : ` / ${figures.peak_rss_mb.toFixed(0)}`;
    return `${figures.seconds.toFixed(1)}${peak}`;
  });
  console.log(`| ${step} | ${cells.join(' | ')} |`);
}
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(results, null, 2));

/**
 * Benchmark: synthetic data generation and Parquet writing.
 *
 *   npx tsx bench/data-generate.ts [--interactions 1000000] [--users 6000] [--movies 4000] [--runs 3]
 *
 * Prints rows per second for the catalogue + watch-log generator, the Parquet write (DuckDB, zstd) and
 * the validation suite, each the median of several runs. There is no reference tool to compare against
 * for this step (the reference system's watch-log builder makes ~1,000 rows), so no ratio is printed.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { WATCH_LOG_SUITE } from '../src/data/expectations/index.js';
import { validateParquet } from '../src/data/expectations/validate.js';
import { generateSyntheticData, writeInteractionsParquet } from '../src/data/index.js';

const { values } = parseArgs({
  options: {
    interactions: { type: 'string', default: '1000000' },
    users: { type: 'string', default: '6000' },
    movies: { type: 'string', default: '4000' },
    runs: { type: 'string', default: '3' },
  },
});
const interactions = Number(values.interactions);
const runs = Number(values.runs);
const dir = mkdtempSync(path.join(tmpdir(), 'mlops-bench-'));

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? 0;
const timings = { generate: [] as number[], write: [] as number[], validate: [] as number[] };
let size = 0;

for (let run = 0; run < runs; run++) {
  let startedAt = performance.now();
  const { watchLog } = generateSyntheticData({
    users: Number(values.users),
    movies: Number(values.movies),
    interactions,
    seed: 42 + run,
    endDate: '2026-11-01',
    days: 180,
  });
  timings.generate.push(performance.now() - startedAt);

  const file = path.join(dir, `watch_log-${run}.parquet`);
  startedAt = performance.now();
  await writeInteractionsParquet(file, watchLog);
  timings.write.push(performance.now() - startedAt);
  size = statSync(file).size;

  startedAt = performance.now();
  await validateParquet(file, WATCH_LOG_SUITE);
  timings.validate.push(performance.now() - startedAt);
}
rmSync(dir, { recursive: true, force: true });

const rate = (ms: number) => `${Math.round(interactions / (ms / 1000)).toLocaleString('en-US')} rows/s`;
console.log(
  `data-generate: ${interactions.toLocaleString('en-US')} interactions, ${values.users} users, ${values.movies} movies, median of ${runs} runs (Node ${process.version})`,
);
console.log(
  `  generate (catalogue + watch log)  ${median(timings.generate).toFixed(0).padStart(6)} ms  ${rate(median(timings.generate))}`,
);
console.log(
  `  write Parquet (DuckDB, zstd)      ${median(timings.write).toFixed(0).padStart(6)} ms  ${rate(median(timings.write))}  ${(size / 1024 / 1024).toFixed(1)} MiB`,
);
console.log(
  `  validate (12 expectations)        ${median(timings.validate).toFixed(0).padStart(6)} ms  ${rate(median(timings.validate))}`,
);
const total = median(timings.generate) + median(timings.write);
console.log(`  generate + write                  ${total.toFixed(0).padStart(6)} ms  ${rate(total)}`);

/**
 * Benchmark: stage 9's closed loop, drift alert → new model serving, on the embedded event log (default) or
 * on Kafka (`--bus kafka`). Per run, on a fresh platform in a temporary home: a stable synthetic watch log
 * is published and `movie_training_pipeline` makes v1 champion; serving (registry poll 500 ms, no cache),
 * the automations and the HTTP server start, and a steady load of recommendation requests begins; the
 * drifted watch log is published, then a `model.drift_detected` alert is published straight onto
 * `model-drift-alerts` (no drift-check pipeline: the figure is alert → serving). Recorded against the
 * alert's publish time: the automation's `triggered` record, the retrain run's start and end, the champion
 * alias moving to v2, and the first HTTP answer served by v2; and every request's status on the way.
 *
 *   npm run bench:closed-loop [-- --bus kafka --runs 1]
 *   (Kafka: brokers from MLOPS_TEST_KAFKA_BROKERS, default 127.0.0.1:59092; topics under a prefix of their
 *   own, deleted at the end)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { pino } from 'pino';
import { listActions } from '../src/automations/index.js';
import { type Config, loadConfig } from '../src/config/index.js';
import {
  generateSyntheticData,
  publicMovies,
  publishDatasets,
  type SyntheticOptions,
} from '../src/data/index.js';
import { TOPICS } from '../src/events/index.js';
import { createLogger } from '../src/logging/index.js';
import type { PipelineEngine, RunRecord } from '../src/pipelines/index.js';
import { contextOf, type Platform } from '../src/platform/index.js';
import { type Runtime, startRuntime } from '../src/runtime/index.js';
import { getVersionByAlias, listTransitions } from '../src/tracking/index.js';
import { printTable as printRows } from './helpers.js';

const { values } = parseArgs({
  options: {
    bus: { type: 'string', default: 'embedded' },
    runs: { type: 'string', default: '1' },
  },
});
const RUNS = Number(values.runs);
const MODEL = 'movie_predictor';
const KAFKA_BROKERS = process.env.MLOPS_TEST_KAFKA_BROKERS || '127.0.0.1:59092';
/** One recommendation request, then this pause, then the next: about 100 requests a second. */
const REQUEST_PAUSE_MS = 10;
/** How often the database is polled for the automation's record, the run's state and the alias. */
const PROBE_MS = 50;
/** How long the loop may take, alert → v2 answering, before the run is given up. */
const LOOP_TIMEOUT_MS = 900_000;
const RETRAIN_PIPELINE = 'movie_training_pipeline';
const AUTOMATION_GROUPS = ['mlops-retrain-on-drift', 'mlops-overload-response', 'mlops-personalize'];
const END_DATE = new Date().toISOString().slice(0, 10);
const STABLE: SyntheticOptions = {
  users: 2000,
  movies: 800,
  interactions: 200_000,
  days: 60,
  seed: 21,
  endDate: END_DATE,
};
const DRIFT_DATE = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
const DRIFTED: SyntheticOptions = {
  ...STABLE,
  seed: 22,
  drift: { date: DRIFT_DATE, tasteShift: 0.9, popularityShift: 0.9 },
};
// Warnings go to stderr: stdout is kept for the figures.
const logger = createLogger({
  level: 'warn',
  format: 'json',
  destination: pino.destination({ dest: 2, sync: true }),
});

type Bus = 'embedded' | 'kafka';

interface Answer {
  /** Wall clock (ms) when the request was sent and when its answer was read. */
  sent: number;
  answered: number;
  status: number;
  version: string;
  latencyMs: number;
  error?: string;
}

/** Milliseconds after the alert's publish call started. */
interface Timeline {
  alert_published_ms: number;
  retrain_triggered_ms: number;
  run_started_ms: number;
  promoted_ms: number;
  alias_seen_ms: number;
  run_finished_ms: number;
  first_v2_answer_ms: number;
}

interface Figures {
  bus: Bus;
  run: number;
  location: string;
  retrain_run_id: string;
  timeline: Timeline;
  /** Requests sent from the alert to the first v2 answer (included). */
  loop_requests: number;
  loop_failed: number;
  loop_latency_p50_ms: number;
  loop_latency_p99_ms: number;
  loop_latency_max_ms: number;
  /** The whole load, from serving v1 until shortly after v2 answered. */
  load_requests: number;
  load_failed: number;
  load_first_failure: string | null;
  /** Answers from v1 after the first v2 answer (the swap should be one-way). */
  v1_after_v2: number;
  v1_train_seconds: number;
  drifted_publish_seconds: number;
}

function progress(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${message}\n`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function busEnv(bus: Bus, prefix: string): Record<string, string> {
  if (bus === 'kafka') return { MLOPS_EVENT_BUS: 'kafka', KAFKA_BROKERS, MLOPS_EVENT_TOPIC_PREFIX: prefix };
  return { MLOPS_EVENT_BUS: 'embedded' };
}

/** Publishes a synthetic catalogue and watch log; resolves with the watch log's row count. */
async function publishSynthetic(platform: Platform, options: SyntheticOptions): Promise<number> {
  const { movies, watchLog } = generateSyntheticData(options);
  await publishDatasets(contextOf(platform), {
    source: 'synthetic',
    params: { ...options },
    movies: publicMovies(movies),
    watchLog,
  });
  return watchLog.length;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(PROBE_MS);
  }
}

/** Waits for a run to end; a failed run throws with its failed task's error. */
async function runToEnd(engine: PipelineEngine, run: RunRecord): Promise<RunRecord> {
  const finished = await until(
    `${run.pipeline_id} ${run.run_id}`,
    async () => {
      const current = await engine.run(run.run_id);
      return current.state === 'success' || current.state === 'failed' ? current : undefined;
    },
    LOOP_TIMEOUT_MS,
  );
  if (finished.state === 'failed') {
    const failed = (await engine.tasks(run.run_id)).find((task) => task.state === 'failed');
    throw new Error(`${run.pipeline_id} failed at ${failed?.task_id}: ${failed?.error}`);
  }
  return finished;
}

/** One request, then a pause, then the next, until stopped; every answer recorded, none thrown. */
function startLoad(baseUrl: string, users: number): { answers: Answer[]; stop(): Promise<void> } {
  const answers: Answer[] = [];
  let isLoading = true;
  const loop = (async () => {
    let user = 1;
    while (isLoading) {
      const sent = Date.now();
      const started = performance.now();
      try {
        const response = await fetch(`${baseUrl}/api/v1/recommendations?user_id=${user}&k=5`);
        const text = await response.text();
        let version = '';
        try {
          version = (JSON.parse(text) as { model?: { version?: string } }).model?.version ?? '';
        } catch {
          // not JSON: counted by its status
        }
        answers.push({
          sent,
          answered: Date.now(),
          status: response.status,
          version,
          latencyMs: performance.now() - started,
          ...(response.status === 200 ? {} : { error: `${response.status}: ${text.slice(0, 300)}` }),
        });
      } catch (error) {
        answers.push({
          sent,
          answered: Date.now(),
          status: 0,
          version: '',
          latencyMs: performance.now() - started,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      user = (user % users) + 1;
      await sleep(REQUEST_PAUSE_MS);
    }
  })();
  return {
    answers,
    async stop() {
      isLoading = false;
      await loop;
    },
  };
}

/** Deletes the run's topics and the automations' consumer groups: the broker keeps nothing of the bench. */
async function dropKafkaState(prefix: string): Promise<void> {
  const admin = new Admin({
    clientId: 'bench-closed-loop-cleanup',
    bootstrapBrokers: KAFKA_BROKERS.split(','),
  });
  // Best effort: a run that failed early has no groups, and the failure is what should be reported.
  await admin
    .deleteGroups({ groups: AUTOMATION_GROUPS.map((group) => `${prefix}${group}`) })
    .catch(() => undefined);
  await admin
    .deleteTopics({ topics: TOPICS.map((topic) => `${prefix}${topic}`) })
    .catch((error: unknown) => progress(`kafka: ${error}`));
  await admin.close();
}

/** One closed loop on a fresh platform; everything it started is stopped and its home removed. */
async function measure(bus: Bus, run: number, prefix: string): Promise<Figures> {
  const home = mkdtempSync(path.join(tmpdir(), 'mlops-bench-closed-loop-'));
  // The system as `mlops up` assembles it (src/runtime), on this home: no demo data or alerts, uncached
  // answers, serving following promotion events (and a 1 s registry poll), a 200 ms pipeline tick with two
  // slots.
  const config: Config = loadConfig({
    env: {
      MLOPS_HOME: home,
      MLOPS_DEMO_DATA: 'false',
      MLOPS_ALERTS: 'false',
      MLOPS_SERVING_CACHE_SIZE: '0',
      MLOPS_SERVING_POLL_SECONDS: '1',
      MLOPS_PIPELINES_TICK_MS: '200',
      MLOPS_PIPELINES_CONCURRENCY: '2',
      MLOPS_RETRAIN_COOLDOWN_SECONDS: '600',
      ...busEnv(bus, prefix),
    },
    cwd: home,
  });
  let runtime: Runtime | undefined;
  let load: ReturnType<typeof startLoad> | undefined;
  try {
    runtime = await startRuntime(config, logger, {
      surface: 'all',
      isFirstStart: false,
      automations: { lagIntervalMs: 1000 },
    });
    const { platform, bus: events, app } = runtime;
    const ticking = runtime.pipelines?.engine;
    if (ticking === undefined || app === undefined) throw new Error('the runtime started no pipelines');
    const db = platform.database.db;

    progress(`${bus} run ${run} (${events.location}): publishing the stable watch log, training v1`);
    await publishSynthetic(platform, STABLE);
    const v1Started = performance.now();
    await runToEnd(ticking, await ticking.trigger(RETRAIN_PIPELINE));
    const v1TrainSeconds = (performance.now() - v1Started) / 1000;
    const v1 = await getVersionByAlias(db, MODEL, 'champion');
    if (v1.version !== '1') throw new Error(`champion after the first training is v${v1.version}, not v1`);

    // Serving follows the promotion event on its own; the load starts once v1 is loaded, not before.
    await runtime.serving?.refresh();
    const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    load = startLoad(baseUrl, STABLE.users);
    const { answers } = load;
    await until('the first v1 answer', async () => (answers.length > 0 ? true : undefined), 60_000);

    progress(`${bus} run ${run}: v1 serving under load; publishing the drifted watch log`);
    const driftedStarted = performance.now();
    await publishSynthetic(platform, DRIFTED);
    const driftedPublishSeconds = (performance.now() - driftedStarted) / 1000;

    progress(`${bus} run ${run}: drift alert published; waiting for v2 to answer`);
    const t0 = Date.now();
    const alert = await events.publish('model-drift-alerts', {
      type: 'model.drift_detected',
      source: 'bench',
      data: { model_name: MODEL, model_version: '1', drift_score: 0.8, threshold: 0.5, drift_type: 'data' },
    });
    const alertPublished = Date.now();

    // The automation's record of the alert: it names the run it started.
    const action = await until(
      'the automation to act on the alert',
      async () =>
        (await listActions(db, { automation: 'retrain_on_drift' })).find(
          (item) => item.event_id === alert.id,
        ),
      LOOP_TIMEOUT_MS,
    );
    if (action.outcome !== 'triggered' || action.run_id === null)
      throw new Error(`the automation did not retrain: ${action.outcome} (${action.detail})`);
    const runId = action.run_id;

    // The run, the champion alias and the first v2 answer, each as soon as it happens.
    let aliasSeen: number | undefined;
    let finished: RunRecord | undefined;
    const firstV2 = await until(
      'serving v2',
      async () => {
        if (finished === undefined) {
          const current = await ticking.run(runId);
          if (current.state === 'failed') await runToEnd(ticking, current); // throws with the failed task
          if (current.state === 'success') finished = current;
        }
        if (aliasSeen === undefined) {
          const champion = await getVersionByAlias(db, MODEL, 'champion');
          if (champion.version === '2') aliasSeen = Date.now();
          else if (finished !== undefined) {
            const promote = (await ticking.tasks(runId)).find((task) => task.task_id === 'promote');
            throw new Error(`the retrain finished without promoting v2: ${JSON.stringify(promote?.output)}`);
          }
        }
        return answers.find((answer) => answer.sent >= t0 && answer.version === '2');
      },
      LOOP_TIMEOUT_MS,
    );
    const retrain = await runToEnd(ticking, await ticking.run(runId));
    await sleep(500); // a few more answers: none may come from v1 again
    await load.stop();
    const promotedAt = (await listTransitions(db, MODEL)).find(
      (change) => change.change === 'alias:champion' && change.to_value === '2',
    )?.created_at;

    const loop = answers.filter((answer) => answer.sent >= t0 && answer.sent <= firstV2.sent);
    const latencies = loop.map((answer) => answer.latencyMs).sort((a, b) => a - b);
    const failed = answers.filter((answer) => answer.status !== 200);
    const firstV2Index = answers.indexOf(firstV2);
    return {
      bus,
      run,
      location: events.location,
      retrain_run_id: runId,
      timeline: {
        alert_published_ms: alertPublished - t0,
        retrain_triggered_ms: action.created_at.getTime() - t0,
        run_started_ms: (retrain.start_date?.getTime() ?? Number.NaN) - t0,
        promoted_ms: (promotedAt === undefined ? Number.NaN : Number(promotedAt)) - t0,
        alias_seen_ms: (aliasSeen ?? Number.NaN) - t0,
        run_finished_ms: (retrain.end_date?.getTime() ?? Number.NaN) - t0,
        first_v2_answer_ms: firstV2.answered - t0,
      },
      loop_requests: loop.length,
      loop_failed: loop.filter((answer) => answer.status !== 200).length,
      loop_latency_p50_ms: percentile(latencies, 50),
      loop_latency_p99_ms: percentile(latencies, 99),
      loop_latency_max_ms: latencies.at(-1) ?? Number.NaN,
      load_requests: answers.length,
      load_failed: failed.length,
      load_first_failure: failed[0]?.error ?? null,
      v1_after_v2: answers.slice(firstV2Index + 1).filter((answer) => answer.version === '1').length,
      v1_train_seconds: v1TrainSeconds,
      drifted_publish_seconds: driftedPublishSeconds,
    };
  } finally {
    await load?.stop();
    await runtime?.stop(); // the app, automations, serving, pipelines, then storage and the bus
    rmSync(home, { recursive: true, force: true });
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(2);
}

function printTable(figures: Figures[]): void {
  const columns: [string, (row: Figures) => string][] = [
    ['bus', (row) => (RUNS > 1 ? `${row.bus} #${row.run}` : row.bus)],
    ['alert→retrain started s', (row) => seconds(row.timeline.retrain_triggered_ms)],
    ['training run s', (row) => seconds(row.timeline.run_finished_ms - row.timeline.run_started_ms)],
    [
      'promotion→first v2 answer s',
      (row) => seconds(row.timeline.first_v2_answer_ms - row.timeline.promoted_ms),
    ],
    ['alert→v2 serving s', (row) => seconds(row.timeline.first_v2_answer_ms)],
    ['requests', (row) => row.loop_requests.toLocaleString('en-US')],
    ['failed', (row) => String(row.loop_failed)],
    ['p50 ms', (row) => row.loop_latency_p50_ms.toFixed(1)],
    ['p99 ms', (row) => row.loop_latency_p99_ms.toFixed(1)],
    ['max ms', (row) => row.loop_latency_max_ms.toFixed(1)],
  ];
  printRows(columns, figures);
  for (const row of figures.filter((figure) => figure.load_failed > 0 || figure.v1_after_v2 > 0))
    process.stdout.write(
      `* ${row.bus} #${row.run}: ${row.load_failed} of ${row.load_requests} requests failed over the whole load` +
        ` (first: ${row.load_first_failure ?? '-'}); ${row.v1_after_v2} answers from v1 after the first from v2\n`,
    );
}

async function main(): Promise<void> {
  const buses = values.bus.split(',').map((bus) => bus.trim());
  for (const bus of buses)
    if (bus !== 'embedded' && bus !== 'kafka') throw new Error(`--bus ${bus}: embedded or kafka`);
  if (!(Number.isInteger(RUNS) && RUNS >= 1)) throw new Error(`--runs ${values.runs}: a whole number ≥ 1`);
  const figures: Figures[] = [];
  for (const bus of buses as Bus[])
    for (let run = 1; run <= RUNS; run++) {
      const prefix = `bench${randomBytes(4).toString('hex')}.`;
      try {
        figures.push(await measure(bus, run, prefix));
      } finally {
        if (bus === 'kafka') await dropKafkaState(prefix);
      }
    }

  const cpu = cpus();
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n\n`);
  process.stdout.write(
    `closed loop: ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; ` +
      `PGlite + local artifacts; ${figures
        .map((row) => `${row.bus} bus at ${row.location}`)
        .filter((item, index, all) => all.indexOf(item) === index)
        .join(', ')}\n`,
  );
  process.stdout.write(
    `data: ${STABLE.users.toLocaleString('en-US')} users, ${STABLE.movies.toLocaleString('en-US')} movies, ` +
      `${STABLE.interactions.toLocaleString('en-US')} interactions over ${STABLE.days} days to ${END_DATE} (seed ${STABLE.seed}) for v1; ` +
      `the same sizes with seed ${DRIFTED.seed} and drift from ${DRIFT_DATE} (taste shift 0.9, popularity shift 0.9) for v2; ALS, default hyperparameters\n`,
  );
  printTable(figures);
  process.stdout.write(
    `\nmethod: one fresh platform per run (PGlite, local artifacts, temporary home), started as \`mlops up\` starts it (src/runtime): the pipeline engine with the in-process executor (2 slots, tick 200 ms), ` +
      `serving (following model.promoted events, registry poll 1 s, no cache), the automations (retrain_on_drift) and the HTTP server in this process. ` +
      `v1 trained by movie_training_pipeline on the stable log and champion; then a load of GET /api/v1/recommendations (k 5, users in turn), one request at a time with ${REQUEST_PAUSE_MS} ms between them; ` +
      `the drifted log published; then t0 = the publish call of one model.drift_detected event on model-drift-alerts (score 0.8 > threshold 0.5). ` +
      `alert→retrain started: t0 → the automation's 'triggered' record (automation_actions.created_at). ` +
      `training run: the retrain run's start_date → end_date (prepare, train, evaluate, champion re-evaluated, promote). ` +
      `promotion→first v2 answer: the champion alias moving to v2 (model_transitions.created_at) → the first answer with model.version 2 read by the load. ` +
      `alert→v2 serving: t0 → that answer. requests, failed, p50/p99/max: the requests sent from t0 to the first v2 answer (non-200 and network errors failed). ` +
      `Database probes every ${PROBE_MS} ms; same process and clock throughout.\n`,
  );
}

await main();

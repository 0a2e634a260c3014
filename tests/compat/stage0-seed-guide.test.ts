import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningCli, runCli, startCli } from '../helpers/cli.js';
import { GUIDE_CALLS } from './seed-guide-calls.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const GUIDE_DIR = path.resolve(REPO, '../shared/seeds');
const ADMIN_TOKEN = 'seed-guide-admin-token-0123456789abcdef';
const DATA = ['--users', '400', '--movies', '300', '--interactions', '30000', '--seed', '4', '--days', '60'];

type Json = Record<string, unknown>;

/** What each answer must say, beyond a 2xx: the guide's calls give these back to a user. */
const CHECKS: Record<string, (body: Json) => void> = {
  'stage 1: trigger movie_data_collection through the Airflow API': (body) =>
    expect(body).toMatchObject({ dag_id: 'movie_data_collection', state: expect.any(String) }),
  'stage 2: one movie’s features': (body) =>
    expect(body).toMatchObject({ entity_id: 123, found: true, features: { popularity: expect.any(Number) } }),
  'stage 2: batch features with the guide’s short names': (body) => {
    expect(body.feature_names).toEqual(['rating', 'popularity', 'genre']);
    const first = (body.results as { features: Json; found: boolean }[])[0];
    expect(first?.found).toBe(true);
    expect(first?.features.rating).toEqual(expect.any(Number));
    expect(first?.features.genre).toEqual(expect.any(Array));
  },
  'stage 5: trigger movie_training_pipeline': (body) =>
    expect(body).toMatchObject({ dag_id: 'movie_training_pipeline' }),
  'stage 6: create an experiment with a description': (body) =>
    expect((body.experiment as { tags: unknown[] }).tags).toContainEqual({
      key: 'mlflow.note.content',
      value: '영화 추천 모델 실험',
    }),
  'stage 6: list experiments': (body) =>
    expect(JSON.stringify(body.experiments)).toContain('movie_recommendation_experiment'),
  'stage 6: list registered models': (body) =>
    expect((body.models as { name: string }[]).map((model) => model.name)).toContain('movie_predictor'),
  'stage 6: the guide’s model, movie_predictor': (body) =>
    expect(body).toMatchObject({ name: 'movie_predictor', versions: expect.any(Array) }),
  'stage 6: stage transition with model_name in the body': (body) =>
    expect(body.model_version).toMatchObject({ version: '1', current_stage: 'Production' }),
  'stage 6: promote to production with the version in the body': (body) =>
    expect(body.model_version).toMatchObject({ name: 'movie_predictor', version: '1' }),
  'stage 7: predict (PyTorch API port)': (body) =>
    expect((body.predictions as unknown[]).length + (body.unknown as unknown[]).length).toBe(5),
  'stage 7: recommend': (body) => expect(body).toMatchObject({ user_id: 1, count: 10 }),
  'stage 7: similar movies': (body) => expect(body).toMatchObject({ movie_id: 123, count: 5 }),
  'stage 7: legacy top-k': (body) => expect(body.recommended_content_id).toHaveLength(10),
  'stage 7: anonymous recommendations': (body) =>
    expect(body).toMatchObject({ user_id: null, count: 10, strategy: 'popular' }),
  'stage 7: recommend, short body': (body) => expect(body).toMatchObject({ user_id: 1, count: 10 }),
  'stage 8 (loop): legacy top-5': (body) => expect(body.recommended_content_id).toHaveLength(5),
  'stage 8 (loop): anonymous top-3': (body) => expect(body).toMatchObject({ user_id: null, count: 3 }),
  'stage 9: model drift trigger, the guide’s body': (body) =>
    expect(body).toMatchObject({ status: 'accepted', alert_triggered: true }),
  'stage 9: system overload trigger, the guide’s body': (body) => {
    expect(body).toMatchObject({ status: 'accepted', overloaded: true });
    expect(body.events).toHaveLength(2);
  },
  'stage 9 (loop): user interaction with string ids': (body) =>
    expect(body).toMatchObject({ status: 'accepted', type: 'user.interaction' }),
  'scenario 1: a new user’s recommendations': (body) =>
    expect(body).toMatchObject({ user_id: 'test_user_001', count: 10 }),
  'scenario 2: the user’s feedback': (body) =>
    expect(body).toMatchObject({ user_id: 'test_user_001', movie_id: 123, status: 'recorded' }),
  'final check: Airflow health': (body) => expect(body).toMatchObject({ status: 'ok' }),
  'final check: Feast health': (body) => expect(body).toMatchObject({ status: 'ok' }),
  'final check: MLflow health': (body) => expect(body).toMatchObject({ status: 'ok' }),
  'final check: PyTorch API health': (body) => expect(body).toMatchObject({ status: 'ok' }),
};

/** Runs one of the guide's commands with the platform's port for 8000, and a token when one is given. */
function replay(command: string, port: number, isPipeline: boolean, token?: string) {
  let shell = command.replaceAll('http://localhost:8000', `http://127.0.0.1:${port}`);
  if (token !== undefined) shell = shell.replace(/\bcurl /, `curl -H 'Authorization: Bearer ${token}' `);
  const out = path.join(tmpdir(), `seed-guide-${process.pid}-${Math.random().toString(36).slice(2)}`);
  if (!isPipeline) shell += ` -s -o '${out}' -w '%{http_code}'`;
  return new Promise<{ code: number; status: string; body: string }>((resolve) => {
    execFile('bash', ['-c', shell], { timeout: 30_000 }, (error, stdout) => {
      const body = existsSync(out) ? readFileSync(out, 'utf8') : '';
      rmSync(out, { force: true });
      resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? 1), status: stdout, body });
    });
  });
}

async function runGuide(
  port: number,
  token?: string,
): Promise<{ problems: string[]; bodies: Map<string, Json> }> {
  const problems: string[] = [];
  const bodies = new Map<string, Json>();
  for (const call of GUIDE_CALLS) {
    const answer = await replay(call.command, port, call.isPipeline === true, token);
    if (call.isPipeline) {
      if (answer.code !== 0) problems.push(`${call.name}: exit ${answer.code}`);
      continue;
    }
    if (!/^2\d\d$/.test(answer.status)) {
      problems.push(`${call.name}: HTTP ${answer.status} ${answer.body.slice(0, 300)}`);
      continue;
    }
    try {
      const body = JSON.parse(answer.body) as Json;
      bodies.set(call.name, body);
      CHECKS[call.name]?.(body);
    } catch (error) {
      problems.push(
        `${call.name}: ${(error as Error).message.slice(0, 400)} in ${answer.body.slice(0, 300)}`,
      );
    }
  }
  return { problems, bodies };
}

async function getJson(url: string, token?: string): Promise<Json> {
  const response = await fetch(
    url,
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
  );
  return (await response.json()) as Json;
}

/** Until `/ready` says the model is loaded (a later start loads it in the background). */
async function waitForReady(port: number, token?: string): Promise<void> {
  await expect
    .poll(async () => (await getJson(`http://127.0.0.1:${port}/ready`, token)).status, {
      timeout: 60_000,
      interval: 250,
    })
    .toBe('ready');
}

describe('the seed guide, verbatim, against one running platform', () => {
  let home = '';
  let port = 0;
  let up: RunningCli | undefined;
  const env = () => ({
    MLOPS_HOME: home,
    MLOPS_PORT: String(port),
    MLOPS_EXTRA_PORTS: 'guide',
    MLOPS_SERVING: 'true',
    MLOPS_FEATURES_BOOTSTRAP: 'true',
    MLOPS_SERVING_POLL_SECONDS: '1',
  });

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'mlops-guide-'));
    port = await freePort();
    const generated = await runCli(['data', 'generate', ...DATA], env());
    expect(generated.code, generated.stderr).toBe(0);
  });

  afterAll(async () => {
    up?.child.kill('SIGTERM');
    await up?.exited;
    rmSync(home, { recursive: true, force: true });
  });

  it('answers every curl example and the usage scenario with a 2xx and the answer a user expects', async () => {
    up = startCli(['up'], env());
    await up.waitFor(/movie-mlops is up/, 120_000);
    await waitForReady(port);
    const { problems, bodies } = await runGuide(port);
    expect(problems).toEqual([]);

    // The two runs the guide triggered finish green, as its Airflow check expects.
    const base = `http://127.0.0.1:${port}`;
    for (const name of [
      'stage 1: trigger movie_data_collection through the Airflow API',
      'stage 5: trigger movie_training_pipeline',
    ]) {
      const run = bodies.get(name) as { dag_id: string; dag_run_id: string };
      await expect
        .poll(
          async () =>
            (await getJson(`${base}/api/v1/dags/${run.dag_id}/dagRuns/${encodeURIComponent(run.dag_run_id)}`))
              .state,
          { timeout: 150_000, interval: 1000 },
        )
        .toBe('success');
    }
    // The string user's like is theirs: their feedback history says so, and the next list is personal.
    const history = await getJson(`${base}/api/v1/feedback/test_user_001`);
    expect(history).toMatchObject({ user_id: 'test_user_001', feedback_count: 1 });
    const next = await getJson(`${base}/api/v1/recommendations?k=10&user_id=test_user_001`);
    expect(next.strategy).not.toBe('popular');
  }, 300_000);

  afterEach(async () => {
    up?.child.kill('SIGTERM');
    await up?.exited;
    up = undefined;
  });

  it('answers them again with tokens required, the token sent with each call', async () => {
    up = startCli(['up'], { ...env(), MLOPS_AUTH: 'on', MLOPS_ADMIN_TOKEN: ADMIN_TOKEN });
    await up.waitFor(/movie-mlops is up/, 120_000);
    await waitForReady(port, ADMIN_TOKEN);
    const refused = await replay(GUIDE_CALLS[1]?.command ?? '', port, false);
    expect(refused.status).toBe('401');
    const { problems } = await runGuide(port, ADMIN_TOKEN);
    expect(problems).toEqual([]);
  }, 300_000);

  it('lists every HTTP call the guide makes to the platform', () => {
    const guide = readdirSync(GUIDE_DIR).find((file) => file.startsWith('004_'));
    const text = readFileSync(path.join(GUIDE_DIR, guide ?? ''), 'utf8');
    const ours = /(?:localhost):(8000|8080|8001|6566|5000)(\/[^\s"']*)?/g;
    const urls = new Set([...text.matchAll(ours)].map((match) => `${match[1]}${match[2] ?? ''}`));
    const replayed = GUIDE_CALLS.map((call) => call.command).join('\n');
    const missing = [...urls].filter((url) => !replayed.includes(`localhost:${url}`));
    expect(missing).toEqual([]);
  });
});

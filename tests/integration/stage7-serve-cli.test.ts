import { describe, expect, it } from 'vitest';
import { freePort, runCli, startCli } from '../helpers/cli.js';
import { createPostgresDatabase, createTestHome, testS3Env } from '../helpers/services.js';

const DATA = [
  '--users',
  '300',
  '--movies',
  '200',
  '--interactions',
  '15000',
  '--seed',
  '8',
  '--end-date',
  '2026-11-01',
];

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('serving from the command line', () => {
  it('mlops up bootstraps a first model when there is data but no champion, serving popularity until it is promoted', async () => {
    const { home, remove } = createTestHome();
    const port = await freePort();
    const env = { MLOPS_HOME: home, MLOPS_PORT: String(port), MLOPS_SERVING: 'true' };
    expect((await runCli(['data', 'generate', ...DATA], env)).code).toBe(0);
    const up = startCli(['up'], env);
    // The server answers while the first model trains: from the watch log's popularity, then from the
    // first champion once it is promoted. "is up" waits for the model.
    await up.waitFor(/movie-mlops is listening/, 90_000);
    expect(up.output()).not.toContain('movie-mlops is up');
    const answers: string[] = [];
    for (const deadline = Date.now() + 90_000; Date.now() < deadline; ) {
      const { status, body } = await getJson(`http://127.0.0.1:${port}/api/v1/recommendations?user_id=3&k=5`);
      const model = body.model as { variant: string; algorithm: string } | undefined;
      const answer = status === 200 ? `${model?.variant}:${model?.algorithm}` : `status ${status}`;
      if (answers.at(-1) !== answer) answers.push(answer);
      if (answer.startsWith('champion')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // A 503 may come first, while serving loads the data: never after an answer.
    expect(answers.filter((answer) => answer !== 'status 503')).toEqual([
      'baseline:popularity',
      'champion:als',
    ]);
    expect(answers.lastIndexOf('status 503')).toBeLessThanOrEqual(0);
    await up.waitFor(/movie-mlops is up/, 90_000);
    const ready = await until(async () => {
      const answer = await getJson(`http://127.0.0.1:${port}/ready`);
      return answer.status === 200 ? answer.body : undefined;
    });
    expect(ready.components).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'model',
          status: 'up',
          backend: 'als',
          location: 'movie_predictor v1',
        }),
      ]),
    );
    const recommendations = await getJson(`http://127.0.0.1:${port}/api/v1/recommendations?user_id=3&k=5`);
    expect(recommendations.status).toBe(200);
    expect(recommendations.body).toMatchObject({
      count: 5,
      model: { version: '1', variant: 'champion', algorithm: 'als' },
    });
    // The first start trains through the pipeline, recorded as a run with its tasks.
    expect(up.output()).toContain('no champion model yet: running movie_training_pipeline');
    expect(up.output()).toMatch(
      /"action":"RUN_FINISHED","pipeline":"movie_training_pipeline"[^\n]*"state":"success"/,
    );
    up.child.kill('SIGTERM');
    expect(await up.exited).toBe(0);
    remove();
  }, 240_000);

  it('mlops serve replicas follow the registry: a version promoted by another process is served within seconds', async () => {
    const database = await createPostgresDatabase();
    const { home, remove } = createTestHome({ withDatabase: false });
    const port = await freePort();
    const env = {
      MLOPS_HOME: home,
      MLOPS_PORT: String(port),
      MLOPS_DATABASE_URL: database.url,
      ...testS3Env(`serve-${port}`),
      MLOPS_SERVING: 'true',
      MLOPS_SERVING_POLL_SECONDS: '1',
    };
    expect((await runCli(['data', 'generate', ...DATA], env)).code).toBe(0);

    const serve = startCli(['serve'], env);
    await serve.waitFor(/serving is up/);
    const empty = await fetch(`http://127.0.0.1:${port}/api/v1/recommendations?user_id=1`);
    expect(empty.status).toBe(503);
    expect(empty.headers.get('retry-after')).toBe('5');
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/movies`)).status).toBe(404); // serving only

    expect((await runCli(['train', '-a', 'als', '--factors', '8', '--iterations', '3'], env)).code).toBe(0);
    expect((await runCli(['models', 'promote', 'movie_predictor', '1'], env)).code).toBe(0);
    const first = await until(async () => {
      const answer = await getJson(`http://127.0.0.1:${port}/api/v1/recommendations?user_id=1&k=3`);
      return answer.status === 200 ? answer.body : undefined;
    });
    expect(first.model).toMatchObject({ version: '1', algorithm: 'als' });

    expect((await runCli(['train', '-a', 'item-knn', '--neighbours', '20'], env)).code).toBe(0);
    expect((await runCli(['models', 'promote', 'movie_predictor', '2', '--force'], env)).code).toBe(0);
    const second = await until(async () => {
      const answer = await getJson(`http://127.0.0.1:${port}/api/v1/recommendations?user_id=1&k=3`);
      return (answer.body.model as { version?: string } | undefined)?.version === '2'
        ? answer.body
        : undefined;
    });
    expect(second.model).toMatchObject({ version: '2', algorithm: 'item-knn' });

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    await database.drop();
    remove();
  }, 180_000);
});

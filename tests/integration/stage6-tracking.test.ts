import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logging/index.js';
import { openPlatform, type Platform } from '../../src/platform/index.js';
import { listProxiedArtifacts, proxyPathOf } from '../../src/tracking/artifact-proxy.js';
import {
  createModelVersion,
  createRegisteredModel,
  DEFAULT_POLICY,
  decidePromotion,
  getRegisteredModel,
  getRun,
  listTransitions,
  parseThreshold,
  promote,
  rollback,
  Tracker,
} from '../../src/tracking/index.js';
import { runCli } from '../helpers/cli.js';
import { createTestHome } from '../helpers/services.js';

describe('tracking SDK, promotion policy and CLI', () => {
  let platform: Platform;
  let home: string;
  let remove: () => void;
  let tracker: Tracker;

  beforeAll(async () => {
    ({ home, remove } = createTestHome());
    platform = await openPlatform(
      loadConfig({ env: { MLOPS_HOME: home }, cwd: home }),
      createLogger({ level: 'silent', format: 'json' }),
    );
    tracker = new Tracker({ db: platform.database.db, artifacts: platform.artifacts });
  });
  afterAll(async () => {
    await platform?.close();
    remove?.();
  });

  async function trainedVersion(ndcg: number, evalDataset: string): Promise<string> {
    const run = await tracker.startRun({ experiment: 'promotion', runName: `als-${ndcg}` });
    await run.logParams({ algorithm: 'als', eval_dataset_version: evalDataset });
    await run.logMetrics({ ndcg_at_10: ndcg, recall_at_10: ndcg / 2 });
    await run.end();
    const version = await createModelVersion(platform.database.db, {
      name: 'recommender',
      source: `${run.artifactUri}/model`,
      artifacts: platform.artifacts,
      runId: run.runId,
    });
    return version.version;
  }

  it('logs a run from TypeScript: params in batches, metric history, tags and artifacts', async () => {
    const run = await tracker.startRun({ experiment: 'sdk', runName: 'first', tags: { team: 'recsys' } });
    await run.logParams(Object.fromEntries(Array.from({ length: 150 }, (_, index) => [`p${index}`, index])));
    for (let step = 0; step < 3; step++) await run.logMetric('loss', 1 / (step + 1), { step });
    await run.setTags({ stage: 'test' });
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-sdk-'));
    writeFileSync(path.join(dir, 'report.json'), '{}');
    mkdirSync(path.join(dir, 'model', 'weights'), { recursive: true });
    writeFileSync(path.join(dir, 'model', 'weights', 'w.bin'), Buffer.alloc(1000, 7));
    await run.logArtifact(path.join(dir, 'report.json'));
    expect(await run.logArtifacts(path.join(dir, 'model'), 'model')).toEqual(['model/weights/w.bin']);
    const ended = await run.end();
    expect(ended.info.status).toBe('FINISHED');
    expect(ended.data.params).toHaveLength(150);
    expect(ended.data.metrics.find((metric) => metric.key === 'loss')?.value).toBeCloseTo(1 / 3);
    expect(ended.data.tags).toEqual(
      expect.arrayContaining([
        { key: 'team', value: 'recsys' },
        { key: 'stage', value: 'test' },
      ]),
    );
    const listed = await listProxiedArtifacts(platform.artifacts, proxyPathOf(run.artifactUri), '');
    expect(listed).toEqual([
      { path: 'model', is_dir: true },
      { path: 'report.json', is_dir: false, file_size: 2 },
    ]);
  });

  it('promotes only past the thresholds and the champion, archives the old one, and rolls back', async () => {
    const db = platform.database.db;
    await createRegisteredModel(db, { name: 'recommender' });
    const policy = {
      ...DEFAULT_POLICY,
      minImprovement: 0.01,
      thresholds: [parseThreshold('ndcg_at_10>=0.1')],
    };

    const weak = await trainedVersion(0.05, 'ds-1');
    const weakDecision = await decidePromotion(db, 'recommender', weak, policy);
    expect(weakDecision.isPromoted).toBe(false);
    expect(weakDecision.reasons).toContain('fails ndcg_at_10 >= 0.1 (is 0.05)');

    const first = await trainedVersion(0.2, 'ds-1');
    const firstDecision = await decidePromotion(db, 'recommender', first, policy);
    expect(firstDecision.isPromoted).toBe(true);
    await promote(db, 'recommender', first, { actor: 'test', reason: 'first champion' });

    const slightlyBetter = await trainedVersion(0.205, 'ds-1');
    const slight = await decidePromotion(db, 'recommender', slightlyBetter, policy);
    expect(slight.isPromoted).toBe(false);
    expect(slight.reasons.at(-1)).toMatch(
      /does not beat champion version \d+ on ndcg_at_10: 0.205 vs 0.2 \(needs \+0.01\)/,
    );

    const otherData = await trainedVersion(0.5, 'ds-2');
    expect((await decidePromotion(db, 'recommender', otherData, policy)).reasons.at(-1)).toMatch(
      /not comparable/,
    );

    const better = await trainedVersion(0.3, 'ds-1');
    expect((await decidePromotion(db, 'recommender', better, policy)).isPromoted).toBe(true);
    await promote(db, 'recommender', better, { actor: 'test', reason: 'better ndcg' });
    const model = await getRegisteredModel(db, 'recommender');
    expect(model.aliases).toContainEqual({ alias: 'champion', version: better });
    const stages = await db
      .selectFrom('model_versions')
      .select(['version', 'current_stage'])
      .where('name', '=', 'recommender')
      .orderBy('version')
      .execute();
    expect(stages.find((row) => String(row.version) === first)?.current_stage).toBe('Archived');
    expect(stages.find((row) => String(row.version) === better)?.current_stage).toBe('Production');

    expect(await rollback(db, 'recommender', { actor: 'test', reason: 'bad online metrics' })).toEqual({
      from: better,
      to: first,
    });
    expect((await getRegisteredModel(db, 'recommender')).aliases).toContainEqual({
      alias: 'champion',
      version: first,
    });
    const history = await listTransitions(db, 'recommender');
    expect(history[0]).toMatchObject({
      change: 'alias:champion',
      from_value: better,
      to_value: first,
      actor: 'test',
    });
    expect(history[0]?.reason).toMatch(/rollback from version \d+: bad online metrics/);
    const run = await getRun(
      db,
      (
        await db
          .selectFrom('model_versions')
          .select('run_id')
          .where('name', '=', 'recommender')
          .where('version', '=', Number(better))
          .executeTakeFirstOrThrow()
      ).run_id ?? '',
    );
    expect(run.data.metrics.find((metric) => metric.key === 'ndcg_at_10')?.value).toBe(0.3);
  });

  it('drives runs and models from the CLI', async () => {
    await platform.close();
    const env = { MLOPS_HOME: home };
    const list = await runCli(
      [
        'runs',
        'list',
        '--experiment',
        'promotion',
        '--filter',
        'metrics.ndcg_at_10 > 0.25',
        '--order-by',
        'metrics.ndcg_at_10 DESC',
      ],
      env,
    );
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/als-0\.5[\s\S]*als-0\.3/);
    expect(list.stdout).not.toMatch(/als-0\.2\b/);

    const runs = JSON.parse(
      (await runCli(['runs', 'list', '--experiment', 'promotion', '--json'], env)).stdout,
    ) as { info: { run_id: string } }[];
    const compare = await runCli(
      ['runs', 'compare', runs[0]?.info.run_id ?? '', runs[1]?.info.run_id ?? ''],
      env,
    );
    expect(compare.stdout).toMatch(/\* metrics\.ndcg_at_10/);
    expect(compare.stdout).toMatch(/ {2}params\.algorithm/);

    const refused = await runCli(
      ['models', 'promote', 'recommender', '1', '--threshold', 'ndcg_at_10>=0.1'],
      env,
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/not promoted: version 1 stays as it is/);
    const promoted = await runCli(['models', 'promote', 'recommender', '5', '--reason', 'best offline'], env);
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toMatch(/promoted: recommender version 5 is now the champion/);
    const show = await runCli(['models', 'show', 'recommender'], env);
    expect(show.stdout).toMatch(/best offline/);
    const back = await runCli(['models', 'rollback', 'recommender'], env);
    expect(back.stdout).toMatch(/rolled back: recommender champion is version \d+ again \(was 5\)/);
    const models = await runCli(['models', 'list'], env);
    expect(models.stdout).toMatch(/recommender/);
    const compareVersions = await runCli(['models', 'compare', 'recommender', '2', '5'], env);
    expect(compareVersions.stdout).toMatch(/v2 Archived|v2 Production|v2 None/);
    const missing = await runCli(['runs', 'show', 'f'.repeat(32)], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^mlops: Run with id=f{32} not found/);
    platform = await openPlatform(
      loadConfig({ env: { MLOPS_HOME: home }, cwd: home }),
      createLogger({ level: 'silent', format: 'json' }),
    );
  });
});

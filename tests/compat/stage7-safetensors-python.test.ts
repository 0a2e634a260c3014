import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AlsModel,
  decodeSafetensors,
  loadModelVersion,
  type ModelsContext,
  resolveModelVersion,
  trainModel,
} from '../../src/models/index.js';
import type { Platform } from '../../src/platform/index.js';
import { buildApp, type RunningServer, startServer } from '../../src/server/index.js';
import { contextOf, openBackend, publishSynthetic } from '../helpers/platform.js';
import { serviceValue } from '../helpers/services.js';

const run = promisify(execFile);
const DATA = { users: 300, movies: 150, interactions: 12_000, seed: 3, endDate: '2026-11-01', days: 60 };

describe('model tensors exchanged with Python (official mlflow client + numpy + safetensors)', () => {
  let platform: Platform;
  let dispose: () => Promise<void>;
  let server: RunningServer;
  let context: ModelsContext;

  beforeAll(async () => {
    ({ platform, dispose } = await openBackend('PGlite + local folder'));
    server = await startServer(await buildApp(platform), platform);
    context = contextOf(platform);
    await publishSynthetic(platform, DATA);
    await trainModel(context, { algorithm: 'als', hyperparameters: { factors: 12, iterations: 4 } });
  });
  afterAll(async () => {
    await server?.shutdown('test over');
    await dispose?.();
  });

  it('Python downloads a registered version, reads its tensors and gets our scores; we read Python’s file', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'mlops-py-'));
    const python = serviceValue('MLOPS_TEST_MLFLOW_PYTHON');
    const { stdout } = await run(
      python,
      [
        path.resolve(import.meta.dirname, 'safetensors_peer.py'),
        server.url,
        'movie_predictor',
        '1',
        '5',
        out,
      ],
      { timeout: 120_000, env: { ...process.env, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' } },
    );
    const peer = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      algorithm: string;
      tensors: Record<string, [string, number[]]>;
      item_ids: number[];
      scores: number[];
      written: string;
    };
    const trained = await loadModelVersion(context, await resolveModelVersion(context, '1'));
    const model = trained.model as AlsModel;
    expect(peer.algorithm).toBe('als');
    expect(peer.tensors).toEqual({
      item_factors: ['float32', [trained.items.size, 12]],
      item_ids: ['int32', [trained.items.size]],
      user_factors: ['float32', [trained.users.size, 12]],
      user_ids: ['int32', [trained.users.size]],
    });
    expect(peer.item_ids).toEqual([...trained.items.ids.subarray(0, 5)]);
    const scores = new Float32Array(model.itemCount);
    model.scoreUser(5, { items: new Int32Array(0), counts: new Float32Array(0) }, scores);
    peer.scores.forEach((score, item) => {
      expect(score).toBeCloseTo(scores[item] as number, 5);
    });

    const fromPython = decodeSafetensors(readFileSync(peer.written), 'from-python.safetensors');
    expect(fromPython.metadata).toEqual({ producer: 'python' });
    expect(fromPython.tensors.embeddings).toMatchObject({ dtype: 'F32', shape: [3, 4] });
    expect([...(fromPython.tensors.embeddings?.data ?? [])]).toEqual(
      Array.from({ length: 12 }, (_, i) => i / 4),
    );
    expect([...(fromPython.tensors.ids?.data ?? [])]).toEqual([7, -1, 2_000_000_000]);
    expect([...(fromPython.tensors.weights?.data ?? [])]).toEqual([0.1, 1e-300, -2.5]);
  });
});

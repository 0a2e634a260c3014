import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactStore, MetadataDb } from '../storage/index.js';
import { proxyPathOf, putProxiedArtifact } from './artifact-proxy.js';
import { createExperiment, getExperimentByName } from './experiment-store.js';
import { logBatch } from './run-logging.js';
import { createRun, getRun, type Run, type RunStatus, updateRun } from './run-store.js';

export interface TrackerDependencies {
  db: MetadataDb;
  artifacts: ArtifactStore;
}

/**
 * Experiment tracking from TypeScript, writing to the same store the MLflow API serves, so runs logged
 * here show up for the `mlflow` client and the UI alike.
 *
 * @example
 * const run = await new Tracker(deps).startRun({ experiment: 'movie-recommender', runName: 'als-64' });
 * await run.logParams({ factors: 64 });
 * await run.logMetric('loss', 0.4, { step: 3 });
 * await run.end();
 */
export class Tracker {
  constructor(private readonly deps: TrackerDependencies) {}

  /** Starts a run in `experiment` (by name, created when missing; default experiment "0" otherwise). */
  async startRun(
    options: { experiment?: string; runName?: string; tags?: Record<string, string> } = {},
  ): Promise<ActiveRun> {
    let experimentId = '0';
    if (options.experiment !== undefined) {
      experimentId = await getExperimentByName(this.deps.db, options.experiment).then(
        (experiment) => experiment.experiment_id,
        () => createExperiment(this.deps.db, { name: options.experiment ?? '' }),
      );
    }
    const run = await createRun(this.deps.db, {
      experimentId,
      ...(options.runName === undefined ? {} : { runName: options.runName }),
      tags: Object.entries({
        'mlflow.source.type': 'LOCAL',
        'mlflow.source.name': 'movie-mlops',
        ...options.tags,
      }).map(([key, value]) => ({ key, value })),
    });
    return new ActiveRun(this.deps, run);
  }

  /** An existing run, to log more to it (e.g. a later re-evaluation). */
  async resumeRun(runId: string): Promise<ActiveRun> {
    return new ActiveRun(this.deps, await getRun(this.deps.db, runId));
  }
}

export class ActiveRun {
  readonly runId: string;
  readonly experimentId: string;
  readonly artifactUri: string;

  constructor(
    private readonly deps: TrackerDependencies,
    run: Run,
  ) {
    this.runId = run.info.run_id;
    this.experimentId = run.info.experiment_id;
    this.artifactUri = run.info.artifact_uri;
  }

  async logParams(params: Record<string, string | number | boolean>): Promise<void> {
    const entries = Object.entries(params).map(([key, value]) => ({ key, value: String(value) }));
    for (let start = 0; start < entries.length; start += 100)
      await logBatch(this.deps.db, this.runId, { params: entries.slice(start, start + 100) });
  }

  async logMetric(
    key: string,
    value: number,
    options: { step?: number; timestamp?: number } = {},
  ): Promise<void> {
    await logBatch(this.deps.db, this.runId, {
      metrics: [{ key, value, step: options.step ?? 0, timestamp: options.timestamp ?? Date.now() }],
    });
  }

  async logMetrics(metrics: Record<string, number>, options: { step?: number } = {}): Promise<void> {
    const timestamp = Date.now();
    const entries = Object.entries(metrics).map(([key, value]) => ({
      key,
      value,
      step: options.step ?? 0,
      timestamp,
    }));
    for (let start = 0; start < entries.length; start += 1000)
      await logBatch(this.deps.db, this.runId, { metrics: entries.slice(start, start + 1000) });
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    await logBatch(this.deps.db, this.runId, {
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
  }

  /** Uploads a local file under the run's artifacts, optionally inside `artifactPath`. */
  async logArtifact(localFile: string, artifactPath = ''): Promise<string> {
    const relative = [artifactPath.replace(/^\/+|\/+$/g, ''), path.basename(localFile)]
      .filter(Boolean)
      .join('/');
    await putProxiedArtifact(
      this.deps.artifacts,
      `${proxyPathOf(this.artifactUri)}/${relative}`,
      createReadStream(localFile),
    );
    return relative;
  }

  /** Uploads every file of a local folder, keeping its layout, under `artifactPath`. */
  async logArtifacts(localDir: string, artifactPath = ''): Promise<string[]> {
    const uploaded: string[] = [];
    for (const entry of await readdir(localDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      const inner = path.relative(localDir, entry.parentPath).split(path.sep).filter(Boolean).join('/');
      uploaded.push(
        await this.logArtifact(
          file,
          [artifactPath.replace(/^\/+|\/+$/g, ''), inner].filter(Boolean).join('/'),
        ),
      );
    }
    if (uploaded.length === 0 && !(await stat(localDir)).isDirectory())
      throw new Error(`${localDir} is not a folder`);
    return uploaded;
  }

  /** Ends the run (FINISHED unless told otherwise). */
  async end(status: RunStatus = 'FINISHED'): Promise<Run> {
    await updateRun(this.deps.db, this.runId, { status, endTime: Date.now() });
    return getRun(this.deps.db, this.runId);
  }
}

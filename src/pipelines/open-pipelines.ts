import type { Platform } from '../platform/index.js';
import { PipelineEngine } from './engine.js';
import type { BullMqExecutor } from './executors/bullmq-executor.js';
import { InProcessExecutor } from './executors/in-process-executor.js';
import { loadPipelines } from './load-pipelines.js';

export interface RunningPipelines {
  engine: PipelineEngine;
  executor: InProcessExecutor | BullMqExecutor;
  stop(): Promise<void>;
}

/**
 * The pipeline engine of a process with the configured executor (MLOPS_EXECUTOR). `role: 'server'`
 * schedules (cron, recovery, advancing runs) and, in-process, runs the tasks; `role: 'worker'` runs
 * queued tasks from BullMQ and schedules too, so any worker keeps runs moving.
 */
export async function openPipelines(
  platform: Platform,
  options: { role: 'server' | 'worker'; schedule?: boolean } = { role: 'server' },
): Promise<RunningPipelines> {
  const config = platform.config.pipelines;
  const pipelines = await loadPipelines(config.repoFile);
  const engine = new PipelineEngine(platform, pipelines, {
    logger: platform.logger,
    leaseMs: config.leaseMs,
  });
  let worker: { close(): Promise<void> } | undefined;
  let executor: InProcessExecutor | BullMqExecutor;
  if (config.executor === 'bullmq') {
    // BullMQ and its Redis client load only for this executor.
    const { BullMqExecutor, startBullMqWorker } = await import('./executors/bullmq-executor.js');
    executor = await BullMqExecutor.open({ redisUrl: config.redisUrl, queueName: config.queueName });
    if (options.role === 'worker')
      worker = await startBullMqWorker(engine, {
        redisUrl: config.redisUrl,
        queueName: config.queueName,
        concurrency: config.concurrency,
      });
  } else {
    executor = new InProcessExecutor(engine, config.concurrency);
  }
  engine.setExecutor(executor);
  await engine.register();
  if (options.schedule ?? true) {
    // With the embedded database this process is the only one that can be running tasks: whatever the
    // database says is running was cut short by the last stop, and is retried at once.
    const orphanAll = platform.database.backend === 'pglite' && config.executor === 'in_process';
    await engine.start(config.tickMs, { orphanAll });
  }
  return {
    engine,
    executor,
    async stop() {
      await worker?.close();
      await engine.stop();
    },
  };
}

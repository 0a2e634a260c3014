import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { UnavailableError } from '../../errors/index.js';
import type { PipelineEngine, TaskExecutor } from '../engine.js';

export interface BullMqOptions {
  redisUrl: string;
  /** Queue name; every process of one installation must use the same. */
  queueName?: string;
}

const DEFAULT_QUEUE = 'mlops-pipeline-tasks';

// BullMQ job ids may not contain ':' (run ids hold ISO times): encode them.
const jobIdOf = (runId: string, taskId: string, tryNumber: number) =>
  Buffer.from(`${runId}\u0000${taskId}\u0000${tryNumber}`).toString('base64url');

async function connect(url: string): Promise<Redis> {
  // BullMQ's blocking commands need maxRetriesPerRequest: null.
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: 5000 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new UnavailableError(
      `cannot reach Redis for the BullMQ executor (REDIS_URL): ${error instanceof Error ? error.message : String(error)}`,
      { field: 'REDIS_URL', cause: error },
    );
  }
  return redis;
}

/**
 * Queues tasks in Redis for `mlops worker` processes (any number, on any machine). One job per attempt;
 * the task's state in the database decides whether it runs, so a job delivered twice runs once.
 */
export class BullMqExecutor implements TaskExecutor {
  readonly kind = 'bullmq';

  private constructor(
    private readonly queue: Queue,
    private readonly connection: Redis,
  ) {}

  static async open(options: BullMqOptions): Promise<BullMqExecutor> {
    const connection = await connect(options.redisUrl);
    return new BullMqExecutor(new Queue(options.queueName ?? DEFAULT_QUEUE, { connection }), connection);
  }

  async dispatch(runId: string, taskId: string, tryNumber: number): Promise<void> {
    await this.queue.add(
      'task',
      { runId, taskId },
      { jobId: jobIdOf(runId, taskId, tryNumber), removeOnComplete: true, removeOnFail: 1000, attempts: 1 },
    );
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}

/**
 * A worker taking tasks from the queue and running them with the engine, `concurrency` at a time. A worker
 * that dies mid-task stops its heartbeat; a scheduler pass elsewhere then retries the attempt, so BullMQ's
 * own stalled-job retry is off (it would run the attempt twice).
 */
export async function startBullMqWorker(
  engine: PipelineEngine,
  options: BullMqOptions & { concurrency: number },
): Promise<{ close(): Promise<void> }> {
  const connection = await connect(options.redisUrl);
  const worker = new Worker(
    options.queueName ?? DEFAULT_QUEUE,
    async (job) => {
      const { runId, taskId } = job.data as { runId: string; taskId: string };
      await engine.executeTask(runId, taskId);
    },
    { connection, concurrency: options.concurrency, maxStalledCount: 0, autorun: true },
  );
  worker.on('error', () => undefined);
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}

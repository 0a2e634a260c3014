import { ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { MlopsError } from '../errors/index.js';

/** The Kafka bus's client helpers: the producer, key partitioning, closing clients, error messages. */

export function createProducer(options: {
  brokers: string[];
  clientId?: string | undefined;
}): Producer<string, string, string, string> {
  return new Producer({
    bootstrapBrokers: options.brokers,
    retries: 3,
    retryDelay: 500,
    timeout: 10_000,
    clientId: `${options.clientId ?? 'movie-mlops'}-producer`,
    serializers: stringSerializers,
    acks: ProduceAcks.ALL,
    // Without it, a retried batch right after topic creation can write its messages twice.
    idempotent: true,
  });
}

/** A key's partition: the same key always lands on the same partition, so its events keep their order. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index += 1) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/** Closes a client at once (in-flight fetches dropped), never throwing: used on the way out. */
export function closeNow(client: { close(force: boolean, callback: (error?: Error | null) => void): void }) {
  return new Promise<void>((resolve) => client.close(true, () => resolve()));
}

/** An error and its causes as one line (a broker's AggregateError names each address once). */
export function describe(error: unknown): string {
  if (error instanceof AggregateError)
    return [...new Set(error.errors.map((inner: unknown) => describe(inner)))].join('; ') || error.message;
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause === undefined ? error.message : `${error.message} (${describe(cause)})`;
  }
  return String(error);
}

/** The bus's error for a broker it cannot reach (an MlopsError passes through as it is). */
export function unreachable(brokers: string[], error: unknown): MlopsError {
  if (error instanceof MlopsError) return error;
  return new MlopsError(
    'MLOPS_ERR_EVENT_BUS_UNAVAILABLE',
    `cannot reach Kafka at ${brokers.join(',')} (KAFKA_BROKERS): ${describe(error)}`,
    { field: 'KAFKA_BROKERS', cause: error },
  );
}

import { Redis } from 'ioredis';
import { UnavailableError } from '../../errors/index.js';
import type { OnlineHit, OnlineRow, OnlineStore } from './online-store.js';

const TIMESTAMP_FIELD = '__event_ts';
const WRITE_BATCH = 1000;

// Replaces an entity's hash only when the new row is not older than the stored one, atomically.
const WRITE_IF_NEWER = `
local current = redis.call('HGET', KEYS[1], '${TIMESTAMP_FIELD}')
if current and tonumber(current) > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '${TIMESTAMP_FIELD}', ARGV[1], unpack(ARGV, 2))
return 1`;

type RedisWithWrite = Redis & {
  writeIfNewer(key: string, timestamp: string, ...fields: string[]): Promise<number>;
};

/**
 * Online features in Redis: one hash per entity of a view (`<prefix><view>:<entity key>`), a field per
 * feature holding its JSON value plus the event timestamp. Reads are one pipelined HMGET per entity.
 */
export class RedisOnlineStore implements OnlineStore {
  readonly backend = 'redis';

  private constructor(
    private readonly redis: RedisWithWrite,
    private readonly prefix: string,
    readonly location: string,
  ) {}

  static async open(url: string, options: { keyPrefix?: string } = {}): Promise<RedisOnlineStore> {
    const redis = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      connectTimeout: 5000,
    }) as RedisWithWrite;
    redis.defineCommand('writeIfNewer', { numberOfKeys: 1, lua: WRITE_IF_NEWER });
    const location = redactUrl(url);
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      throw new UnavailableError(
        `cannot reach the Redis online store at ${location} (REDIS_URL): ${error instanceof Error ? error.message : String(error)}`,
        { field: 'REDIS_URL', cause: error },
      );
    }
    return new RedisOnlineStore(redis, options.keyPrefix ?? 'mlops:features:', location);
  }

  private key(view: string, entityKey: string): string {
    return `${this.prefix}${view}:${entityKey}`;
  }

  async write(view: string, rows: readonly OnlineRow[]): Promise<number> {
    let written = 0;
    for (let start = 0; start < rows.length; start += WRITE_BATCH) {
      const pipeline = this.redis.pipeline() as unknown as RedisWithWrite & {
        exec(): Promise<[Error | null, unknown][] | null>;
      };
      for (const row of rows.slice(start, start + WRITE_BATCH)) {
        const fields: string[] = [];
        for (const [name, value] of Object.entries(row.values)) fields.push(name, JSON.stringify(value));
        void pipeline.writeIfNewer(this.key(view, row.entityKey), String(row.eventTimestamp), ...fields);
      }
      for (const [error, result] of (await pipeline.exec()) ?? []) {
        if (error !== null) throw error;
        written += Number(result);
      }
    }
    return written;
  }

  async read(
    view: string,
    entityKeys: readonly string[],
    features: readonly string[],
  ): Promise<(OnlineHit | undefined)[]> {
    if (entityKeys.length === 1) {
      const values = await this.redis.hmget(
        this.key(view, entityKeys[0] ?? ''),
        TIMESTAMP_FIELD,
        ...features,
      );
      return [toHit(values)];
    }
    const pipeline = this.redis.pipeline();
    for (const key of entityKeys) pipeline.hmget(this.key(view, key), TIMESTAMP_FIELD, ...features);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, values]) => {
      if (error !== null) throw error;
      return toHit(values as (string | null)[]);
    });
  }

  async deleteView(view: string): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}${view}:*`, 'COUNT', 1000);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  /** Every read goes to Redis: there is nothing to catch up with. */
  async catchUp(): Promise<void> {}

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function toHit(values: (string | null)[]): OnlineHit | undefined {
  const [timestamp, ...features] = values;
  if (timestamp === null || timestamp === undefined) return undefined;
  return {
    eventTimestamp: Number(timestamp),
    values: features.map((value) => (value === null ? null : JSON.parse(value))),
  };
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis';
  }
}

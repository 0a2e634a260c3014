import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { DatabaseSchema } from '../storage/index.js';
import {
  directUserKey,
  type ExternalUserId,
  MAPPED_KEY_BASE,
  UNKNOWN_USER_KEY,
  userIdSchema,
} from './external-ids.js';

/** Rows per insert when many new ids arrive at once (a MovieLens import). */
const CHUNK = 5000;

/**
 * The persistent identity map between external user ids and the integer keys the models index. Small
 * numbers are their own keys and never touch the table; any other id is given a key the first time it is
 * assigned, once, even when several processes see it at the same moment (`on conflict do nothing` on the
 * id, then a read). Keys are cached in memory both ways; ids nobody has seen are remembered for a moment
 * only, since another process may give them a key.
 */
export class UserIdentities {
  private readonly keys = new LRUCache<string, number>({ max: 200_000 });
  private readonly externals = new LRUCache<number, string>({ max: 200_000 });
  private readonly unseen = new LRUCache<string, true>({ max: 10_000, ttl: 2000 });

  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** The key of an id if it has one (from memory, no database read), else undefined. */
  cachedKey(id: ExternalUserId): number | undefined {
    return directUserKey(id) ?? this.keys.get(id as string);
  }

  /** The key of an id, or undefined for a user never seen (nothing is assigned). */
  async find(id: ExternalUserId): Promise<number | undefined> {
    const known = this.cachedKey(id);
    if (known !== undefined || this.unseen.has(id as string)) return known;
    const row = await this.db
      .selectFrom('user_identities')
      .select('user_key')
      .where('external_id', '=', id as string)
      .executeTakeFirst();
    if (row === undefined) {
      this.unseen.set(id as string, true);
      return undefined;
    }
    this.remember(id as string, row.user_key);
    return row.user_key;
  }

  /** The key of an id, assigning the next free one to an id seen for the first time. */
  async assign(id: ExternalUserId): Promise<number> {
    const [key] = await this.assignAll([id]);
    return key as number;
  }

  /** Keys for many ids at once, in order, assigning new ones in a few statements. */
  async assignAll(ids: readonly ExternalUserId[]): Promise<number[]> {
    const missing = [
      ...new Set(ids.filter((id): id is string => this.cachedKey(id) === undefined) as string[]),
    ];
    for (let start = 0; start < missing.length; start += CHUNK) {
      const chunk = missing.slice(start, start + CHUNK);
      await this.db
        .insertInto('user_identities')
        .values(chunk.map((external_id) => ({ external_id })))
        .onConflict((conflict) => conflict.column('external_id').doNothing())
        .execute();
      const rows = await this.db
        .selectFrom('user_identities')
        .select(['external_id', 'user_key'])
        .where('external_id', 'in', chunk)
        .execute();
      for (const row of rows) this.remember(row.external_id, row.user_key);
    }
    return ids.map((id) => {
      const key = directUserKey(id) ?? this.keys.get(id as string);
      if (key === undefined) throw new Error(`user id ${id} was not given a key`);
      return key;
    });
  }

  /**
   * A column of user ids to look features up by (Feast's `user_id` entity column): string ids become their
   * keys (UNKNOWN_USER_KEY when never seen, so they read as not found); a value that is no user id is kept
   * for the feature store to refuse by its index.
   */
  async lookupKeys(values: readonly unknown[]): Promise<unknown[]> {
    return Promise.all(
      values.map(async (value) => {
        const parsed = userIdSchema.safeParse(value);
        if (!parsed.success) return value;
        return (await this.find(parsed.data)) ?? UNKNOWN_USER_KEY;
      }),
    );
  }

  /** The external id of each key (a key below MAPPED_KEY_BASE is its own id). */
  async externalIds(keys: readonly number[]): Promise<Map<number, ExternalUserId>> {
    const answer = new Map<number, ExternalUserId>();
    const missing: number[] = [];
    for (const key of new Set(keys)) {
      if (key < MAPPED_KEY_BASE) answer.set(key, key);
      else {
        const external = this.externals.get(key);
        if (external === undefined) missing.push(key);
        else answer.set(key, external);
      }
    }
    for (let start = 0; start < missing.length; start += CHUNK) {
      const rows = await this.db
        .selectFrom('user_identities')
        .select(['external_id', 'user_key'])
        .where('user_key', 'in', missing.slice(start, start + CHUNK))
        .execute();
      for (const row of rows) {
        this.remember(row.external_id, row.user_key);
        answer.set(row.user_key, row.external_id);
      }
    }
    return answer;
  }

  /** The external id of one key; a key the map does not hold is answered as itself. */
  async externalId(key: number): Promise<ExternalUserId> {
    return (await this.externalIds([key])).get(key) ?? key;
  }

  /** How many string ids the map holds (for status and tests). */
  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('user_identities')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private remember(external: string, key: number): void {
    this.keys.set(external, key);
    this.externals.set(key, external);
    this.unseen.delete(external);
  }
}

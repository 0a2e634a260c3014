import { sql } from 'kysely';
import type { MetadataDb } from '../../storage/index.js';
import type { OnlineHit, OnlineRow, OnlineStore } from './online-store.js';

interface Entry {
  values: Record<string, unknown>;
  eventTimestamp: number;
}

const WRITE_BATCH = 500;
const SYNC_BATCH = 10_000;
/** The advisory lock every writer of `online_features` holds while its batch takes seqs and commits. */
const WRITER_LOCK = 'mlops.online_features.writer';

/**
 * The embedded online store: the `online_features` table of the metadata database is the truth, and each
 * process keeps a copy in memory so a read is a map lookup (a database round trip costs more than the
 * whole read budget). Every write takes the next `seq`; a process catches up with what other processes
 * (or its own pipeline tasks) wrote by reading rows past the last `seq` it saw, every `syncIntervalMs`
 * whether or not anything reads, so an idle server's first read is never older than that.
 */
export class EmbeddedOnlineStore implements OnlineStore {
  readonly backend = 'embedded';
  readonly location = 'metadata database (online_features)';
  private readonly views = new Map<string, Map<string, Entry>>();
  private lastSeq = 0;
  private syncing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly db: MetadataDb,
    private readonly syncIntervalMs: number,
  ) {}

  static async open(db: MetadataDb, options: { syncIntervalMs?: number } = {}): Promise<EmbeddedOnlineStore> {
    const store = new EmbeddedOnlineStore(db, options.syncIntervalMs ?? 1000);
    await store.sync();
    // A failed sync (the database restarting) is retried at the next tick; reads serve the last copy.
    if (store.syncIntervalMs > 0) {
      store.timer = setInterval(() => void store.sync().catch(() => undefined), store.syncIntervalMs);
      store.timer.unref();
    }
    return store;
  }

  async write(view: string, rows: readonly OnlineRow[]): Promise<number> {
    let written = 0;
    for (let start = 0; start < rows.length; start += WRITE_BATCH) {
      const batch = rows.slice(start, start + WRITE_BATCH);
      written += await this.db.transaction().execute(async (trx) => {
        // One writer at a time, across processes: a batch takes its `seq` values only once the previous
        // batch has committed, so seqs become visible in order and a reader's "past the last seq I saw"
        // never skips a batch that committed late.
        await sql`select pg_advisory_xact_lock(hashtext(${WRITER_LOCK}))`.execute(trx);
        const result = await trx
          .insertInto('online_features')
          .values(
            batch.map((row) => ({
              feature_view: view,
              entity_key: row.entityKey,
              feature_values: JSON.stringify(row.values),
              event_timestamp: new Date(row.eventTimestamp),
            })),
          )
          .onConflict((conflict) =>
            conflict
              .columns(['feature_view', 'entity_key'])
              .doUpdateSet((eb) => ({
                feature_values: eb.ref('excluded.feature_values'),
                event_timestamp: eb.ref('excluded.event_timestamp'),
                // `seq` is not updatable through the typed table (never written by callers): set it here.
                ...({ seq: sql`nextval('online_features_seq')` } as object),
              }))
              .whereRef('online_features.event_timestamp', '<=', 'excluded.event_timestamp'),
          )
          .executeTakeFirst();
        return Number(result.numInsertedOrUpdatedRows ?? 0);
      });
    }
    // What this process wrote is visible to its own reads at once.
    await this.freshSync();
    return written;
  }

  async read(
    view: string,
    entityKeys: readonly string[],
    features: readonly string[],
  ): Promise<(OnlineHit | undefined)[]> {
    const entries = this.views.get(view);
    return entityKeys.map((key) => {
      const entry = entries?.get(key);
      if (entry === undefined) return undefined;
      return {
        values: features.map((feature) => entry.values[feature] ?? null),
        eventTimestamp: entry.eventTimestamp,
      };
    });
  }

  async deleteView(view: string): Promise<void> {
    await this.db.deleteFrom('online_features').where('feature_view', '=', view).execute();
    this.views.delete(view);
  }

  async ping(): Promise<void> {
    await this.db.selectFrom('online_features').select('seq').limit(1).execute();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.syncing?.catch(() => undefined);
    this.views.clear();
  }

  catchUp(): Promise<void> {
    return this.freshSync();
  }

  /** A sync that starts now: one already under way may have read before the latest writes committed. */
  private async freshSync(): Promise<void> {
    await this.syncing?.catch(() => undefined);
    await this.sync();
  }

  /** Copies rows written since the last sync into memory (one sync at a time). */
  private sync(): Promise<void> {
    this.syncing ??= (async () => {
      try {
        for (;;) {
          const rows = await this.db
            .selectFrom('online_features')
            .select(['feature_view', 'entity_key', 'feature_values', 'event_timestamp', 'seq'])
            .where('seq', '>', this.lastSeq)
            .orderBy('seq')
            .limit(SYNC_BATCH)
            .execute();
          for (const row of rows) {
            let entries = this.views.get(row.feature_view);
            if (entries === undefined) {
              entries = new Map();
              this.views.set(row.feature_view, entries);
            }
            const values =
              typeof row.feature_values === 'string'
                ? (JSON.parse(row.feature_values) as Record<string, unknown>)
                : (row.feature_values as Record<string, unknown>);
            entries.set(row.entity_key, { values, eventTimestamp: new Date(row.event_timestamp).getTime() });
            this.lastSeq = Math.max(this.lastSeq, Number(row.seq));
          }
          if (rows.length < SYNC_BATCH) break;
        }
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }
}

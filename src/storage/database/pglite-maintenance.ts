import { type Kysely, sql } from 'kysely';
import { describeError } from '../../errors/index.js';
import type { Logger } from '../../logging/index.js';
import type { DatabaseSchema } from './schema.js';

/**
 * PGlite runs no autovacuum. Without one, the planner never learns how big a table has grown (every
 * table stays "a few rows", so a search over 10,000 runs probes an index 10,000 times instead of hashing),
 * and the old versions of updated rows are never reclaimed. This does autovacuum's job on PostgreSQL's
 * default thresholds, from the same counters, one statement at a time through the shared connection.
 */

/** What one pass did to one table. */
export interface TableUpkeep {
  table: string;
  action: 'analyze' | 'vacuum';
  durationMs: number;
}

interface TableCounts {
  table: string;
  live: number;
  dead: number;
  modifiedSinceAnalyze: number;
  insertedSinceVacuum: number;
  /** The planner's row count: -1 until the table is first analyzed. */
  plannerRows: number;
  bytes: number;
}

/**
 * One pass: analyzes the tables changed by over 10 % since their last analysis, vacuums those with over
 * 20 % dead rows or 20 % new rows since their last vacuum (PostgreSQL's defaults, each plus a floor), and
 * analyzes any table with data the planner has never measured (counters start at zero in a new process).
 */
export async function maintainPglite(db: Kysely<DatabaseSchema>): Promise<TableUpkeep[]> {
  const { rows } = await sql<TableCounts>`
    select s.relname as "table", s.n_live_tup::float8 as live, s.n_dead_tup::float8 as dead,
      s.n_mod_since_analyze::float8 as "modifiedSinceAnalyze", s.n_ins_since_vacuum::float8 as "insertedSinceVacuum",
      c.reltuples::float8 as "plannerRows", pg_relation_size(c.oid)::float8 as bytes
    from pg_stat_user_tables s join pg_class c on c.oid = s.relid
    where s.schemaname = 'public'
    order by s.relname`.execute(db);
  const done: TableUpkeep[] = [];
  for (const counts of rows) {
    const action = actionFor(counts);
    if (action === undefined) continue;
    const startedAt = performance.now();
    const table = sql.table(counts.table);
    await (action === 'vacuum' ? sql`vacuum (analyze) ${table}` : sql`analyze ${table}`).execute(db);
    done.push({ table: counts.table, action, durationMs: performance.now() - startedAt });
  }
  return done;
}

function actionFor(counts: TableCounts): TableUpkeep['action'] | undefined {
  const rowsKnown = Math.max(counts.plannerRows, counts.live, 0);
  if (counts.dead > 50 + 0.2 * rowsKnown || counts.insertedSinceVacuum > 1000 + 0.2 * rowsKnown)
    return 'vacuum';
  if (counts.modifiedSinceAnalyze > 50 + 0.1 * rowsKnown) return 'analyze';
  if (counts.plannerRows < 0 && counts.bytes > 0) return 'analyze';
  return undefined;
}

/** Runs `maintainPglite` every `intervalMs` in the background; a pass never overlaps the next, and `stop` waits for it. */
export class PgliteMaintenance {
  private readonly timer: NodeJS.Timeout;
  private pass: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    intervalMs: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => {
      this.pass ??= this.runPass().finally(() => {
        this.pass = undefined;
      });
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pass;
  }

  private async runPass(): Promise<void> {
    try {
      for (const upkeep of await maintainPglite(this.db))
        this.logger.debug(
          {
            action: 'DATABASE_MAINTENANCE',
            table: upkeep.table,
            upkeep: upkeep.action,
            duration_ms: Math.round(upkeep.durationMs),
          },
          `${upkeep.action} ${upkeep.table}`,
        );
    } catch (error) {
      // The next pass tries again; nothing is lost by a missed one but planning quality.
      this.logger.warn(
        { action: 'DATABASE_MAINTENANCE_FAILED', err: error },
        `embedded database upkeep failed: ${describeError(error)}`,
      );
    }
  }
}

import type { ColumnType, Generated } from 'kysely';

/** Tables owned by events/ (the embedded event log and its consumer groups): other capabilities go through its service, not these tables. */
export interface EventTables {
  events: EventsTable;
  event_consumer_offsets: {
    group_id: string;
    topic: string;
    position: string | number;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  event_consumer_leases: { group_id: string; owner: string; lease_until: Date };
  event_processed: {
    group_id: string;
    event_id: string;
    processed_at: ColumnType<Date, Date | undefined, Date>;
  };
}

export interface EventsTable {
  /** bigint: comes back as a string from PostgreSQL. */
  seq: Generated<string>;
  topic: string;
  event_id: string | null;
  type: string | null;
  key: string;
  payload: string;
  published_at: ColumnType<Date, Date | undefined, never>;
}

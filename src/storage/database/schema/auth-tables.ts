import type { ColumnType } from 'kysely';

/** Tables owned by auth/ (API tokens and live-stream tickets): other capabilities go through its service, not these tables. */
export interface AuthTables {
  api_tokens: ApiTokensTable;
  stream_tickets: StreamTicketsTable;
}

export interface ApiTokensTable {
  token_id: string;
  name: string;
  role: string;
  secret_hash: string;
  created_by: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** Single-use tickets for the live event stream: who asked (a snapshot of their token) and until when. */
export interface StreamTicketsTable {
  ticket_hash: string;
  token_id: string;
  name: string;
  role: string;
  expires_at: Date;
}

/**
 * The outbox table `proposalevents` in TypeScript, once: each column with its PostgreSQL type and
 * whether it may be NULL, as sql/001_schema.sql and sql/003_outbox_parking.sql create it (the SQL is
 * the source of truth; outbox-table.spec.ts fails when the two disagree). The row type, the outbox
 * insert and the relay's reads all derive from it.
 */
export const OUTBOX_COLUMNS = {
  event_id: { type: 'bigint' },
  proposal_id: { type: 'integer' },
  event_guid: { type: 'uuid' },
  event_type: { type: 'varchar' },
  aggregate_version: { type: 'integer' },
  payload: { type: 'jsonb' },
  processed: { type: 'boolean' },
  created_date: { type: 'timestamptz' },
  processed_date: { type: 'timestamptz', nullable: true },
  attempts: { type: 'integer' },
  last_error: { type: 'text', nullable: true },
  trace_headers: { type: 'jsonb' },
  parked_at: { type: 'timestamptz', nullable: true },
} as const;

/** What node-postgres returns for each type (a bigint as a string: it may not fit a JS number). */
interface PgValue {
  bigint: string;
  integer: number;
  uuid: string;
  varchar: string;
  text: string;
  jsonb: unknown;
  boolean: boolean;
  timestamptz: Date;
}

type Columns = typeof OUTBOX_COLUMNS;

/** A `proposalevents` row as node-postgres returns it (`SELECT *`). */
export type OutboxRecord = {
  [K in keyof Columns]: PgValue[Columns[K]['type']] | (Columns[K] extends { nullable: true } ? null : never);
};

/** The columns a command writes; the database fills in the rest (identity, defaults). */
export type NewOutboxRecord = Pick<OutboxRecord, 'proposal_id' | 'event_guid' | 'event_type' | 'aggregate_version' | 'payload' | 'trace_headers'>;

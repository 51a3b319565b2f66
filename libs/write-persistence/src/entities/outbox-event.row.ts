import type { ProposalEvent } from '@acme/contracts';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A row of the `proposalevents` outbox (course column names). */
@Entity({ name: 'proposalevents' })
export class OutboxEventRow {
  @PrimaryGeneratedColumn('identity', { name: 'event_id', type: 'bigint', generatedIdentity: 'ALWAYS' })
  eventId!: string;

  @Column({ name: 'proposal_id', type: 'integer' })
  proposalId!: number;

  @Column({ name: 'event_guid', type: 'uuid' })
  eventGuid!: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType!: string;

  @Column({ name: 'aggregate_version', type: 'integer' })
  aggregateVersion!: number;

  @Column({ type: 'jsonb' })
  payload!: ProposalEvent;

  @Column({ type: 'boolean', default: false })
  processed!: boolean;

  @Column({ name: 'created_date', type: 'timestamptz', insert: false, update: false })
  createdDate!: Date;

  @Column({ name: 'processed_date', type: 'timestamptz', nullable: true })
  processedDate!: Date | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** Set when the relay parked the row (it cannot be published); see sql/003_outbox_parking.sql. */
  @Column({ name: 'parked_at', type: 'timestamptz', nullable: true, insert: false })
  parkedAt!: Date | null;

  @Column({ name: 'trace_headers', type: 'jsonb' })
  traceHeaders!: Record<string, string>;
}

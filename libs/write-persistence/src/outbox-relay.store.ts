import type { ProposalEvent } from '@acme/contracts';
import { Client, type Pool, type PoolClient } from 'pg';

export interface OutboxEvent {
  eventId: number;
  eventGuid: string;
  eventType: string;
  proposalId: number;
  version: number;
  payload: ProposalEvent;
  traceHeaders: Record<string, string>;
}

/**
 * A claimed batch: an open transaction that holds row locks on unprocessed outbox rows.
 * Other relays skip locked rows (SKIP LOCKED), so no two relays publish the same claimed row.
 * It ends in exactly one of two ways: `markProcessed` (after the broker confirmed every message)
 * or `release` (anything went wrong: the rows stay unprocessed and are published again later).
 */
export class OutboxBatch {
  private ended = false;

  constructor(
    private readonly client: PoolClient,
    readonly events: readonly OutboxEvent[],
  ) {}

  async markProcessed(): Promise<void> {
    this.ensureOpen();
    try {
      await this.client.query(
        'UPDATE proposalevents SET processed = true, processed_date = now() WHERE event_id = ANY($1::bigint[])',
        [this.events.map((e) => e.eventId)],
      );
      await this.client.query('COMMIT');
      this.end();
    } catch (error) {
      this.end(error);
      throw error;
    }
  }

  async release(reason: string): Promise<void> {
    if (this.ended) return;
    try {
      await this.client.query('ROLLBACK');
      // Outside the rolled-back transaction, so the operator can see why rows are stuck.
      await this.client.query(
        'UPDATE proposalevents SET attempts = attempts + 1, last_error = $2 WHERE event_id = ANY($1::bigint[]) AND NOT processed',
        [this.events.map((e) => e.eventId), reason.slice(0, 1000)],
      );
      this.end();
    } catch (error) {
      this.end(error);
    }
  }

  private ensureOpen(): void {
    if (this.ended) throw new Error('outbox batch already ended');
  }

  private end(error?: unknown): void {
    this.ended = true;
    // A client whose connection failed mid-transaction must not go back to the pool.
    this.client.release(error instanceof Error ? error : undefined);
  }
}

interface OutboxRow {
  event_id: string;
  event_guid: string;
  event_type: string;
  proposal_id: number;
  aggregate_version: number;
  payload: ProposalEvent;
  trace_headers: Record<string, string>;
}

export class OutboxRelayStore {
  constructor(private readonly pool: Pool) {}

  /** Claims up to `limit` unprocessed rows in event_id order, skipping rows another relay holds. */
  async claim(limit: number): Promise<OutboxBatch | null> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<OutboxRow>(
        `SELECT event_id, event_guid, event_type, proposal_id, aggregate_version, payload, trace_headers
           FROM proposalevents
          WHERE NOT processed
          ORDER BY event_id
          LIMIT $1
            FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) {
        await client.query('COMMIT');
        client.release();
        return null;
      }
      return new OutboxBatch(
        client,
        rows.map((r) => ({
          eventId: Number(r.event_id),
          eventGuid: r.event_guid,
          eventType: r.event_type,
          proposalId: r.proposal_id,
          version: r.aggregate_version,
          payload: r.payload,
          traceHeaders: r.trace_headers,
        })),
      );
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(error instanceof Error ? error : undefined);
      throw error;
    }
  }

  async backlog(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM proposalevents WHERE NOT processed');
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * The duplicate lab: marks processed events unprocessed again so the relay republishes them —
   * the course's `UPDATE proposalevents SET processed = false WHERE event_id = N`.
   * Returns the affected event_ids.
   */
  async replay(target: { eventId: number } | { eventGuid: string } | { last: number }): Promise<number[]> {
    const [where, param] =
      'last' in target
        ? ['event_id IN (SELECT event_id FROM proposalevents WHERE processed ORDER BY event_id DESC LIMIT $1)', target.last]
        : 'eventId' in target
          ? ['event_id = $1', target.eventId]
          : ['event_guid = $1', target.eventGuid];
    const { rows } = await this.pool.query<{ event_id: string }>(
      `UPDATE proposalevents SET processed = false WHERE ${where} AND processed RETURNING event_id`,
      [param],
    );
    return rows.map((r) => Number(r.event_id)).sort((a, b) => a - b);
  }

  /** Housekeeping: deletes at most `limit` processed rows older than `hours`; returns how many. */
  async deleteProcessedOlderThan(hours: number, limit: number): Promise<number> {
    const result = await this.pool.query(
      `DELETE FROM proposalevents WHERE event_id IN (
         SELECT event_id FROM proposalevents
          WHERE processed AND processed_date < now() - make_interval(hours => $1)
          ORDER BY event_id LIMIT $2)`,
      [hours, limit],
    );
    return result.rowCount ?? 0;
  }
}

/**
 * Listens for the outbox trigger's NOTIFY on a dedicated connection (LISTEN does not work through a
 * pool). Returns a function that stops listening. `onError` is told when the connection drops.
 */
export async function listenForOutboxInserts(
  databaseUrl: string,
  onNotify: () => void,
  onError: (error: Error) => void,
): Promise<() => Promise<void>> {
  const client = new Client({ connectionString: databaseUrl });
  client.on('error', onError);
  client.on('end', () => onError(new Error('LISTEN connection ended')));
  client.on('notification', onNotify);
  await client.connect();
  await client.query('LISTEN proposalevents');
  return async () => {
    client.removeAllListeners('end');
    await client.end().catch(() => undefined);
  };
}

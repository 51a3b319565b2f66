import { Client, Pool, type PoolClient } from 'pg';
import type { OutboxRecord } from './outbox-table';

/**
 * An outbox row as the relay works with it, read from its OutboxRecord (toOutboxRow): the payload is
 * whatever is in the table, checked by the relay before publishing.
 */
export interface OutboxRow {
  eventId: number;
  eventGuid: string;
  eventType: string;
  proposalId: number;
  version: number;
  payload: unknown;
  traceHeaders: unknown;
}

/** What the relay learnt of each row of a batch; the rows not named in it stay as they were. */
export interface BatchSettlement {
  /** A queue took them: mark processed. */
  processed: readonly number[];
  /**
   * Not published. `ownFault`: the row's own publish failed (it counts towards parking);
   * `park`: set it aside now (it can never be published as it is).
   */
  failed: readonly { eventId: number; reason: string; ownFault: boolean; park: boolean }[];
}

/**
 * A claimed batch: an open transaction that holds row locks on unprocessed outbox rows.
 * Other relays skip locked rows (SKIP LOCKED), so no two relays publish the same claimed row.
 * It ends in exactly one of two ways: `settle` (after the broker answered for the messages) or
 * `release` (anything went wrong before that: the rows stay as they were and are published again later).
 */
export class OutboxBatch {
  private ended = false;

  constructor(
    private readonly client: PoolClient,
    readonly rows: readonly OutboxRow[],
    private readonly maxAttempts: number,
    private readonly stopWatching: () => void,
  ) {}

  /**
   * Marks the confirmed rows processed and records why the others were not, in the claim's own
   * transaction. Returns the rows that are parked from now on.
   */
  async settle(settlement: BatchSettlement): Promise<number[]> {
    this.ensureOpen();
    try {
      if (settlement.processed.length > 0) {
        await this.client.query(
          'UPDATE proposalevents SET processed = true, processed_date = now(), last_error = NULL WHERE event_id = ANY($1::bigint[])',
          [settlement.processed],
        );
      }
      let parked: number[] = [];
      if (settlement.failed.length > 0) {
        const { rows } = await this.client.query<Pick<OutboxRecord, 'event_id' | 'parked_at'>>(
          `UPDATE proposalevents p
              SET attempts = p.attempts + f.own::int,
                  last_error = f.reason,
                  parked_at = CASE WHEN f.park OR (f.own AND p.attempts + 1 >= $5) THEN now() END
             FROM unnest($1::bigint[], $2::text[], $3::boolean[], $4::boolean[]) AS f(id, reason, own, park)
            WHERE p.event_id = f.id
        RETURNING p.event_id, p.parked_at`,
          [
            settlement.failed.map((f) => f.eventId),
            settlement.failed.map((f) => f.reason.slice(0, 1000)),
            settlement.failed.map((f) => f.ownFault),
            settlement.failed.map((f) => f.park),
            this.maxAttempts,
          ],
        );
        parked = rows.filter((r) => r.parked_at !== null).map((r) => Number(r.event_id));
      }
      await this.client.query('COMMIT');
      this.end();
      return parked.sort((a, b) => a - b);
    } catch (error) {
      this.end(error);
      throw error;
    }
  }

  async release(reason: string): Promise<void> {
    if (this.ended) return;
    try {
      await this.client.query('ROLLBACK');
      // Outside the rolled-back transaction, so the operator can see why rows wait.
      await this.client.query('UPDATE proposalevents SET last_error = $2 WHERE event_id = ANY($1::bigint[]) AND NOT processed', [
        this.rows.map((e) => e.eventId),
        reason.slice(0, 1000),
      ]);
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
    this.stopWatching();
    // A client whose connection failed mid-transaction must not go back to the pool.
    this.client.release(error instanceof Error ? error : undefined);
  }
}

/** The columns the relay reads to publish a row. */
const RELAY_COLUMNS = ['event_id', 'event_guid', 'event_type', 'proposal_id', 'aggregate_version', 'payload', 'trace_headers'] as const;

function toOutboxRow(r: Pick<OutboxRecord, (typeof RELAY_COLUMNS)[number]>): OutboxRow {
  return {
    eventId: Number(r.event_id),
    eventGuid: r.event_guid,
    eventType: r.event_type,
    proposalId: r.proposal_id,
    version: r.aggregate_version,
    payload: r.payload,
    traceHeaders: r.trace_headers,
  };
}

/** A parked row, as the lab console lists it. */
export interface ParkedRow {
  eventId: number;
  proposalId: number;
  eventType: string;
  version: number;
  attempts: number;
  reason: string | null;
  parkedAt: Date;
}

export interface PgPoolOptions {
  DATABASE_URL: string;
  PG_POOL_SIZE: number;
  PG_CONNECT_TIMEOUT_MS: number;
  PG_QUERY_TIMEOUT_MS: number;
}

/**
 * node-postgres settings for connections that cannot hang: connecting and every query are bounded
 * (a silent link fails them, and the caller answers 503 or retries), and TCP keepalive is on.
 * Shared by the relay's pool and the command API's TypeORM pool.
 */
export function boundedPgSettings(options: Omit<PgPoolOptions, 'DATABASE_URL'>) {
  return {
    max: options.PG_POOL_SIZE,
    connectionTimeoutMillis: options.PG_CONNECT_TIMEOUT_MS,
    query_timeout: options.PG_QUERY_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/**
 * A pg pool with bounded connections (boundedPgSettings) whose server also ends a transaction left
 * idle longer than `idleInTransactionMs` (a relay that lost its link mid-claim must not hold row locks
 * for ever). Errors of idle connections are reported to `onIdleError`; unheard, they would end the process.
 */
export function createPgPool(options: PgPoolOptions, onIdleError: (error: Error) => void, idleInTransactionMs?: number): Pool {
  const pool = new Pool({
    connectionString: options.DATABASE_URL,
    ...boundedPgSettings(options),
    ...(idleInTransactionMs ? { idle_in_transaction_session_timeout: idleInTransactionMs } : {}),
  });
  pool.on('error', onIdleError);
  return pool;
}

const CLAIMABLE = 'NOT processed AND parked_at IS NULL';

export class OutboxRelayStore {
  constructor(
    private readonly pool: Pool,
    /** A row whose own publish failed this many times is parked. */
    private readonly maxAttempts = 5,
  ) {}

  /** Claims up to `limit` unprocessed, unparked rows in event_id order, skipping rows another relay holds. */
  async claim(limit: number): Promise<OutboxBatch | null> {
    const client = await this.pool.connect();
    // Checked out, the client is no longer watched by the pool: a connection that drops now emits
    // 'error' on it, and an 'error' nobody listens to ends the process. The query in flight (or the
    // next one) fails with the same error, so here it only needs to be heard.
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost = error;
    };
    client.on('error', onError);
    const stopWatching = () => client.removeListener('error', onError);
    try {
      // THE CLAIM HOLDS ITS ROW LOCKS ACROSS THE PUBLISH. This transaction stays open while the relay
      // publishes the rows and waits for the broker's confirms; it ends in settle() or release(). The
      // locks are what keep a second relay (SKIP LOCKED) from publishing the same rows at the same time.
      // Bound: one confirm wait, PUBLISH_CONFIRM_TIMEOUT_MS (10 s by default); a relay that goes silent
      // mid-claim is ended by the server after PUBLISH_CONFIRM_TIMEOUT_MS + PG_QUERY_TIMEOUT_MS
      // (idle_in_transaction_session_timeout, see createPgPool). Acceptable, because nothing else
      // waits on these locks: commands only INSERT new outbox rows (never touching locked ones), other
      // relays skip them, and the lab's UPDATEs wait at most that bound. The cost of a slow broker is
      // delay for the rows of this batch, never a blocked command.
      await client.query('BEGIN');
      const { rows } = await client.query<Pick<OutboxRecord, (typeof RELAY_COLUMNS)[number]>>(
        `SELECT ${RELAY_COLUMNS.join(', ')}
           FROM proposalevents
          WHERE ${CLAIMABLE}
          ORDER BY event_id
          LIMIT $1
            FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) {
        await client.query('COMMIT');
        stopWatching();
        client.release();
        return null;
      }
      return new OutboxBatch(
        client,
        rows.map(toOutboxRow),
        this.maxAttempts,
        stopWatching,
      );
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      stopWatching();
      client.release(lost ?? (error instanceof Error ? error : new Error(String(error))));
      throw error;
    }
  }

  /** Rows waiting to be published (parked rows are not waiting: they wait for an operator). */
  async backlog(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM proposalevents WHERE ${CLAIMABLE}`);
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * The outbox as a whole, whichever relay works on it: rows waiting, rows parked, and whether work
   * waits without anyone making progress — the oldest waiting row and the last processed one are
   * both older than `stuckAfterMs` (so a relay idle beside a busy one is not stuck, and a backlog
   * that is draining is not either).
   */
  async progress(stuckAfterMs: number): Promise<{ backlog: number; parked: number; stuck: boolean }> {
    const { rows } = await this.pool.query<{ backlog: string; parked: string; stuck: boolean }>(
      `SELECT (SELECT count(*) FROM proposalevents WHERE ${CLAIMABLE}) AS backlog,
              (SELECT count(*) FROM proposalevents WHERE parked_at IS NOT NULL) AS parked,
              COALESCE((SELECT min(created_date) FROM proposalevents WHERE ${CLAIMABLE}) < now() - make_interval(secs => $1)
                AND COALESCE((SELECT max(processed_date) FROM proposalevents WHERE processed) < now() - make_interval(secs => $1), true),
                false) AS stuck`,
      [stuckAfterMs / 1000],
    );
    const row = rows[0];
    return { backlog: Number(row?.backlog ?? 0), parked: Number(row?.parked ?? 0), stuck: row?.stuck ?? false };
  }

  async parked(limit = 100): Promise<ParkedRow[]> {
    const { rows } = await this.pool.query<
      Pick<OutboxRecord, 'event_id' | 'proposal_id' | 'event_type' | 'aggregate_version' | 'attempts' | 'last_error'> & { parked_at: Date }
    >(
      `SELECT event_id, proposal_id, event_type, aggregate_version, attempts, last_error, parked_at
         FROM proposalevents WHERE parked_at IS NOT NULL ORDER BY event_id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      eventId: Number(r.event_id),
      proposalId: r.proposal_id,
      eventType: r.event_type,
      version: r.aggregate_version,
      attempts: r.attempts,
      reason: r.last_error,
      parkedAt: r.parked_at,
    }));
  }

  /** Gives parked rows back to the relay (after a fix), with a fresh attempt count. Returns their event_ids. */
  async redriveParked(target: { all: true } | { eventIds: readonly number[] }): Promise<number[]> {
    const { rows } = await this.pool.query<Pick<OutboxRecord, 'event_id'>>(
      `UPDATE proposalevents SET parked_at = NULL, attempts = 0
        WHERE parked_at IS NOT NULL ${'all' in target ? '' : 'AND event_id = ANY($1::bigint[])'}
    RETURNING event_id`,
      'all' in target ? [] : [target.eventIds],
    );
    return rows.map((r) => Number(r.event_id)).sort((a, b) => a - b);
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
    const { rows } = await this.pool.query<Pick<OutboxRecord, 'event_id'>>(
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
 * pool). Returns a function that stops listening. `onError` is told, once, when the connection drops
 * or stops answering: a silent link never says so, so the connection is pinged every `pingEveryMs`.
 */
export async function listenForOutboxInserts(
  options: { databaseUrl: string; connectTimeoutMs: number; queryTimeoutMs: number; pingEveryMs?: number },
  onNotify: () => void,
  onError: (error: Error) => void,
): Promise<() => Promise<void>> {
  const client = new Client({
    connectionString: options.databaseUrl,
    connectionTimeoutMillis: options.connectTimeoutMs,
    query_timeout: options.queryTimeoutMs,
    keepAlive: true,
  });
  let failed = false;
  const pinger: { timer?: NodeJS.Timeout } = {};
  const fail = (error: Error) => {
    clearInterval(pinger.timer);
    if (failed) return;
    failed = true;
    onError(error);
    void client.end().catch(() => undefined);
  };
  client.on('error', fail);
  client.on('end', () => fail(new Error('LISTEN connection ended')));
  client.on('notification', onNotify);
  try {
    await client.connect();
    await client.query('LISTEN proposalevents');
  } catch (error) {
    failed = true; // the caller is told by the rejection
    client.removeAllListeners('end');
    await client.end().catch(() => undefined);
    throw error;
  }
  pinger.timer = setInterval(() => void client.query('SELECT 1').catch(fail), options.pingEveryMs ?? 10_000).unref();
  return async () => {
    clearInterval(pinger.timer);
    failed = true;
    client.removeAllListeners('end');
    await client.end().catch(() => undefined);
  };
}

import { HEADERS } from '@acme/contracts';
import type { ConfirmPublisher, OutgoingMessage, PublishOutcome } from '@acme/messaging';
import { SpanKind, SpanStatusCode, startSpanFrom, traceparentOf, type Span } from '@acme/telemetry';
import type { BatchSettlement, OutboxBatch, OutboxRelayStore } from '@acme/write-persistence';
import { Counter, Histogram } from 'prom-client';
import { backoffDelay, sleep } from './backoff';
import { toPublishableMessage } from './publishable-message';

export interface RelayLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RelayOptions {
  batchSize: number;
  pollIntervalMs: number;
  /** Test seam: runs after the broker answered for a batch and before the rows are marked. */
  afterConfirm?: (batch: OutboxBatch) => Promise<void>;
}

const metrics = {
  published: new Counter({ name: 'acme_events_published_total', help: 'Outbox events published and confirmed' }),
  unroutable: new Counter({
    name: 'acme_events_unroutable_total',
    help: 'Publishes the broker returned because no queue was bound for them (the rows stay unprocessed)',
  }),
  parked: new Counter({ name: 'acme_outbox_parked_total', help: 'Outbox rows parked: malformed, or failing RELAY_MAX_ATTEMPTS times' }),
  confirmLatency: new Histogram({
    name: 'acme_publish_confirm_seconds',
    help: 'Per batch: from the first publish to the last broker confirm',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }),
};

/**
 * `publishing`: the last batch went out (or there was nothing to do); `unroutable`: the broker took
 * events that no queue is bound for, so they wait in the outbox; `failing`: RabbitMQ or PostgreSQL
 * cannot be reached or did not answer.
 */
export type RelayState = 'starting' | 'publishing' | 'unroutable' | 'failing' | 'stopped';

export interface RelayStatus {
  state: RelayState;
  lastError: string | undefined;
  /** Events this relay process has published and marked. */
  publishedByThisRelay: number;
}

function publishSpan(eventId: number, message: OutgoingMessage): Span {
  const headers = (message.options.headers ?? {}) as Record<string, unknown>;
  const stored = typeof headers[HEADERS.traceparent] === 'string' ? (headers[HEADERS.traceparent] as string) : undefined;
  const span = startSpanFrom(`${message.exchange} publish`, stored, SpanKind.PRODUCER, {
    'messaging.system': 'rabbitmq',
    'messaging.operation.type': 'send',
    'messaging.destination.name': message.exchange,
    'messaging.rabbitmq.destination.routing_key': message.routingKey,
    'messaging.message.id': String(message.options.messageId ?? ''),
    'acme.outbox.event_id': eventId,
  });
  const traceparent = traceparentOf(span);
  if (traceparent) message.options.headers = { ...headers, [HEADERS.traceparent]: traceparent };
  return span;
}

function endPublishSpan(span: Span | undefined, outcome: PublishOutcome): void {
  if (!span) return;
  span.setAttribute('acme.publish.outcome', outcome.status);
  if (outcome.status !== 'confirmed') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.reason });
  span.end();
}

/** One batch's result, for the loop and the tests. */
export interface BatchResult {
  claimed: number;
  processed: number;
  unroutable: number;
  parked: number[];
  /** Why rows stayed unpublished: the first reason of each kind. */
  problems: string[];
}

/**
 * The outbox relay ("Events Processor"): moves committed events from `proposalevents` to RabbitMQ.
 *
 *   claim a batch (FOR UPDATE SKIP LOCKED) → check each row against the event contract (a malformed
 *   row is parked, never published) → publish every row, mandatory and pipelined → wait for every
 *   publisher confirm → mark processed exactly the rows that a queue took → commit.
 *
 * A row is never marked processed without a confirm, nor when the broker returned it as unroutable
 * (a confirm only says the broker has it, not that a queue does). If the relay dies after the
 * confirms but before the commit, the rows are published again on restart: delivery is
 * at-least-once, and the read side deduplicates by event id — that is the duplicate lab.
 *
 * The claim holds its row locks across the publish, for at most the confirm timeout
 * (PUBLISH_CONFIRM_TIMEOUT_MS): that is what stops a second relay publishing the same rows at the
 * same time. The server ends a claim whose relay went silent (idle_in_transaction_session_timeout).
 */
export class OutboxRelay {
  private state: RelayState = 'starting';
  private lastError: string | undefined;
  private wake: (() => void) | undefined;
  private pendingWake = false;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private publishedByThisRelay = 0;
  /**
   * After a batch failed with the broker closing the channel, the next rows go one per batch, so that
   * a row that breaks the channel pays for it alone (and is parked) instead of failing its neighbours.
   */
  private isolateNext = 0;

  constructor(
    private readonly store: OutboxRelayStore,
    private readonly publisher: ConfirmPublisher,
    private readonly options: RelayOptions,
    private readonly logger: RelayLogger,
  ) {}

  get status(): RelayStatus {
    return { state: this.state, lastError: this.lastError, publishedByThisRelay: this.publishedByThisRelay };
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Called on NOTIFY from the outbox trigger: there is something new to publish. */
  notify(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  /** Graceful stop: the batch in flight is settled or released (rolled back), never left claimed. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.loop;
    this.state = 'stopped';
  }

  /** Claims and relays one batch. Throws when the batch could not be published at all. */
  async relayOnce(): Promise<BatchResult> {
    // Not even claim rows while the broker is away: they would only be held, then released.
    await this.publisher.ready();
    const isolating = this.isolateNext > 0;
    const batch = await this.store.claim(isolating ? 1 : this.options.batchSize);
    if (!batch) return { claimed: 0, processed: 0, unroutable: 0, parked: [], problems: [] };
    if (isolating) this.isolateNext--;
    try {
      const { settlement, unroutable, problems } = await this.publish(batch, isolating);
      await this.options.afterConfirm?.(batch);
      const parked = await batch.settle(settlement);
      this.count(settlement.processed.length, unroutable, parked);
      return { claimed: batch.rows.length, processed: settlement.processed.length, unroutable, parked, problems };
    } catch (error) {
      await batch.release((error as Error).message);
      throw error;
    }
  }

  /** Checks, publishes and sorts every row of the batch into what happens to it. */
  private async publish(batch: OutboxBatch, isolating: boolean): Promise<{ settlement: BatchSettlement; unroutable: number; problems: string[] }> {
    const failed: BatchSettlement['failed'][number][] = [];
    const toPublish: { eventId: number; message: OutgoingMessage }[] = [];
    for (const row of batch.rows) {
      const check = toPublishableMessage(row);
      if (check.ok) toPublish.push({ eventId: row.eventId, message: check.message });
      else failed.push({ eventId: row.eventId, reason: check.reason, ownFault: true, park: true });
    }

    // One producer span per event, continuing the trace stored in its row (the request that wrote it),
    // carried on in the message's headers; it ends with the event's outcome.
    const spans = toPublish.map(({ eventId, message }) => publishSpan(eventId, message));
    const confirmed = metrics.confirmLatency.startTimer();
    // All publishes go out at once; the outcomes arrive with the confirms: one round trip per batch.
    const outcomes: PublishOutcome[] = toPublish.length > 0 ? await this.publisher.publishAll(toPublish.map((p) => p.message)) : [];
    confirmed();
    outcomes.forEach((outcome, i) => endPublishSpan(spans[i], outcome));

    const processed: number[] = [];
    let unroutable = 0;
    let unconfirmed = 0;
    let channelClosedByBroker = false;
    outcomes.forEach((outcome, i) => {
      const { eventId } = toPublish[i]!;
      switch (outcome.status) {
        case 'confirmed':
          processed.push(eventId);
          break;
        case 'unroutable':
          unroutable++;
          failed.push({ eventId, reason: outcome.reason, ownFault: false, park: false });
          break;
        case 'rejected':
          failed.push({ eventId, reason: outcome.reason, ownFault: true, park: false });
          break;
        case 'unconfirmed':
          unconfirmed++;
          channelClosedByBroker ||= outcome.brokerClosedChannel;
          // Alone in its batch, a row whose publish made the broker close the channel is at fault.
          failed.push({ eventId, reason: outcome.reason, ownFault: isolating && outcome.brokerClosedChannel, park: false });
          break;
      }
    });
    if (channelClosedByBroker && !isolating) this.isolateNext = unconfirmed;
    if (processed.length === 0 && unconfirmed > 0 && unconfirmed === outcomes.length) {
      // Nothing went out: a connection or channel fault, not the rows'. Release and back off.
      throw new Error((outcomes[0] as { reason: string }).reason);
    }
    const problems = [...new Set(failed.map((f) => f.reason))].slice(0, 3);
    return { settlement: { processed, failed }, unroutable, problems };
  }

  private count(processed: number, unroutable: number, parked: number[]): void {
    this.publishedByThisRelay += processed;
    metrics.published.inc(processed);
    if (unroutable > 0) metrics.unroutable.inc(unroutable);
    if (parked.length > 0) {
      metrics.parked.inc(parked.length);
      this.logger.warn(`parked outbox row(s) ${parked.join(', ')}: see npm run lab -- outbox parked`);
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      try {
        this.pendingWake = false;
        const result = await this.relayOnce();
        if (result.unroutable > 0) {
          this.report('unroutable', result.problems.find((p) => p.startsWith('unroutable')) ?? 'unroutable');
          await sleep(backoffDelay(failures++), this.stopping.signal);
          continue;
        }
        if (this.state !== 'publishing') this.logger.log(failures > 0 ? 'relay recovered: publishing again' : 'relay publishing');
        this.state = 'publishing';
        this.lastError = undefined;
        failures = 0;
        if (result.claimed < this.options.batchSize && this.isolateNext === 0) await this.waitForWork(this.options.pollIntervalMs);
      } catch (error) {
        this.report('failing', (error as Error).message);
        await sleep(backoffDelay(failures++), this.stopping.signal);
      }
    }
  }

  private report(state: 'failing' | 'unroutable', reason: string): void {
    if (this.state !== state || this.lastError !== reason) {
      this.logger.warn(
        state === 'unroutable'
          ? `relay: RabbitMQ returned events as unroutable (${reason}); they stay in the outbox and are published again once a queue is bound`
          : `relay cannot publish (${reason}); backing off and retrying`,
      );
    }
    this.state = state;
    this.lastError = reason;
  }

  /** Sleeps until a NOTIFY arrives or the poll interval passes (the fallback if a NOTIFY is missed). */
  private waitForWork(ms: number): Promise<void> {
    if (this.pendingWake) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      this.wake = done;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    }).finally(() => {
      this.wake = undefined;
    });
  }
}

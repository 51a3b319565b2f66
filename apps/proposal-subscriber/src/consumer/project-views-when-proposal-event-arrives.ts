import { HEADERS, parseProposalEvent, TOPOLOGY, type ProposalEvent } from '@acme/contracts';
import { isMongoUnavailable, type ProposalProjector, type ProposalQueries } from '@acme/read-model';
import { inSpanFrom, SpanKind } from '@acme/telemetry';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { Counter, Gauge, Histogram } from 'prom-client';
import { KeyedSerialQueue } from './keyed-serial-queue';

/** Structured: a message, or an object with `msg` and fields (traceId, eventId, …). */
export interface ConsumerLogger {
  log(message: string | Record<string, unknown>): void;
  warn(message: string | Record<string, unknown>): void;
  error(message: string | Record<string, unknown>): void;
  debug?(message: string | Record<string, unknown>): void;
}

const metrics = {
  projected: new Counter({ name: 'acme_events_projected_total', help: 'Events applied to the views' }),
  duplicates: new Counter({ name: 'acme_duplicates_total', help: 'Duplicate deliveries detected and ignored' }),
  deadLettered: new Counter({ name: 'acme_dead_lettered_total', help: 'Messages sent to the DLQ' }),
  retried: new Counter({ name: 'acme_events_retried_total', help: 'Messages sent to the retry queue' }),
  waitedInPlace: new Counter({ name: 'acme_gap_waits_total', help: 'Early events that waited in place for their predecessor' }),
  lag: new Histogram({
    name: 'acme_projection_lag_seconds',
    help: 'From the event (command committed) to its projection: end-to-end lag',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  }),
  lastLag: new Gauge({ name: 'acme_projection_last_lag_seconds', help: 'End-to-end lag of the last projected event' }),
};

const traceOf = (event: ProposalEvent) => event.traceparent?.split('-')[1];

export interface ConsumerOptions {
  maxAttempts: number;
  maxMessageBytes: number;
  /** A gap waits for its predecessor this long (from the first time it was seen), then goes to the DLQ. */
  gapTimeoutMs: number;
  /** A gap first waits in place this long for its predecessor before it takes the retry queue. */
  gapWaitMs: number;
}

const FIRST_SEEN = 'x-acme-first-seen';

export interface ConsumerCounters {
  projected: number;
  duplicates: number;
  retried: number;
  deadLettered: number;
  /** Early events that waited in place for their predecessor (GAP_WAIT_MS) before one more try. */
  waitedInPlace: number;
}

/**
 * The read side's policy: when a proposal event arrives, project it into the views — once.
 *
 * Every message ends in exactly one of four ways, and is acked only after that end is safe:
 *   projected (or a duplicate, logged)      → ack
 *   a gap or a failure worth retrying       → copy to the retry queue (confirmed), then ack
 *   too many attempts, or malformed         → copy to the DLQ with the reason (confirmed), then ack
 *   the channel died before the ack         → RabbitMQ redelivers it; the projector deduplicates
 */
export class ProjectViewsWhenProposalEventArrives {
  private readonly serial = new KeyedSerialQueue();
  readonly counters: ConsumerCounters = { projected: 0, duplicates: 0, retried: 0, deadLettered: 0, waitedInPlace: 0 };
  private mongoDown = false;

  constructor(
    private readonly projector: ProposalProjector,
    private readonly views: ProposalQueries,
    private readonly options: ConsumerOptions,
    private readonly logger: ConsumerLogger,
    /** Called once an event is applied: wakes whoever waits for the proposal's new version. */
    private readonly announce: (event: ProposalEvent) => void = () => undefined,
  ) {}

  /**
   * Consumes the work queue on `channel` (called again by the connection manager after every reconnect).
   * `onCancelled` runs when the broker cancels the consumer — the queue was deleted, e.g. by
   * `lab reset --topology` — so the caller can declare the queues again and consume anew.
   */
  async consume(channel: ConfirmChannel, prefetch: number, onCancelled?: () => void): Promise<void> {
    await channel.prefetch(prefetch);
    await channel.consume(TOPOLOGY.workQueue, (message) => {
      if (message) return void this.settle(channel, message);
      this.logger.warn('RabbitMQ cancelled the consumer (queue deleted?); subscribing again');
      onCancelled?.();
    });
  }

  /** Messages being handled now, and when a message last ended (or the subscriber last was idle). */
  private inFlight = 0;
  private lastProgressAt = Date.now();

  /**
   * Messages are being handled and none has ended for `stuckAfterMs`: the subscriber makes no
   * progress, whatever its connections say (a store that accepts connections but never answers).
   */
  isStuck(stuckAfterMs: number): boolean {
    return this.inFlight > 0 && Date.now() - this.lastProgressAt > stuckAfterMs;
  }

  private async settle(channel: ConfirmChannel, message: ConsumeMessage): Promise<void> {
    if (this.inFlight++ === 0) this.lastProgressAt = Date.now();
    try {
      // One consumer span per delivery, continuing the trace the message carries (the relay's publish
      // of the request that wrote the event); the MongoDB operations below it are its children.
      const traceparent = message.properties.headers?.[HEADERS.traceparent] as string | undefined;
      await inSpanFrom(`${TOPOLOGY.workQueue} process`, traceparent, SpanKind.CONSUMER, {
        'messaging.system': 'rabbitmq',
        'messaging.operation.type': 'process',
        'messaging.destination.name': TOPOLOGY.workQueue,
        'messaging.message.id': String(message.properties.messageId ?? ''),
        'messaging.rabbitmq.message.delivery_tag': message.fields.deliveryTag,
      }, () => this.handle(channel, message));
    } finally {
      this.inFlight--;
      this.lastProgressAt = Date.now();
    }
  }

  async handle(channel: ConfirmChannel, message: ConsumeMessage): Promise<void> {
    if (message.content.length > this.options.maxMessageBytes) {
      return this.deadLetter(channel, message, `message of ${message.content.length} bytes exceeds ${this.options.maxMessageBytes}`);
    }
    const parsed = parseProposalEvent(message.content);
    if (!parsed.ok) return this.deadLetter(channel, message, parsed.reason);
    const event = parsed.event;

    // Only on first arrival: a message back from the retry queue has waited for its predecessor already.
    const mayWait = this.options.gapWaitMs > 0 && message.properties.headers?.[FIRST_SEEN] === undefined;
    const first = await this.serial.run(event.proposalId, () => this.attempt(channel, message, event, mayWait));
    if (first === 'predecessor-missing') {
      // With several subscribers, consecutive events of one proposal often reach different subscribers
      // at the same moment: the predecessor is being applied elsewhere right now. Waiting a moment
      // (message unacked) spares a trip through the retry queue; then one more try, retry queue or not.
      this.counters.waitedInPlace++;
      metrics.waitedInPlace.inc();
      await this.views.awaitVersion(event.proposalId, event.version - 1, this.options.gapWaitMs).catch(() => null);
      await this.serial.run(event.proposalId, () => this.attempt(channel, message, event, false));
    }
  }

  /**
   * One try at projecting the message's event. A gap either ends in the retry queue or, when `mayWait`,
   * is handed back ('predecessor-missing') so that the caller can wait for the predecessor *outside*
   * the proposal's serial queue — the predecessor may be the next message of this very subscriber.
   */
  private async attempt(
    channel: ConfirmChannel,
    message: ConsumeMessage,
    event: ProposalEvent,
    mayWait: boolean,
  ): Promise<'done' | 'predecessor-missing'> {
    try {
      const outcome = await this.projector.project(event, { settleOnGap: !mayWait });
      this.mongoIsBack();
      if (outcome.kind === 'gap') {
        if (mayWait) return 'predecessor-missing';
        await this.waitForPredecessor(channel, message, event, outcome.expectedVersion);
        return 'done';
      }
      if (outcome.kind === 'duplicate') {
        this.counters.duplicates++;
        metrics.duplicates.inc();
        this.logger.warn({
          msg:
            `duplicate event ${event.eventId} (${event.type} v${event.version} of proposal ${event.proposalId}) ` +
            `seen ${outcome.count} time(s) again: ignored, logged in duplicateevents`,
          traceId: traceOf(event),
          eventId: event.eventId,
          proposalId: event.proposalId,
        });
      } else {
        this.counters.projected++;
        metrics.projected.inc();
        this.announce(event);
        const lag = Math.max(0, (Date.now() - Date.parse(event.occurredAt)) / 1000);
        metrics.lag.observe(lag);
        metrics.lastLag.set(lag);
        this.logger.debug?.({
          msg: `projected ${event.type} v${event.version} of proposal ${event.proposalId}`,
          traceId: traceOf(event),
          eventId: event.eventId,
          lagMs: Math.round(lag * 1000),
        });
      }
      ack(channel, message);
    } catch (error) {
      // MongoDB being away is not the message's fault: retry without counting an attempt.
      const unavailable = isMongoUnavailable(error);
      if (unavailable && !this.mongoDown) {
        this.mongoDown = true;
        this.logger.warn(`MongoDB unavailable (${(error as Error).message}); messages wait in the retry queue`);
      }
      await this.retryLater(channel, message, (error as Error).message, !unavailable);
    }
    return 'done';
  }

  private mongoIsBack(): void {
    if (this.mongoDown) {
      this.mongoDown = false;
      this.logger.log('MongoDB available again: projecting');
    }
  }

  /**
   * A gap is not the message's fault: its predecessor is late (another relay holds it, or it waits in
   * a retry). It waits, retry after retry, without using up attempts — up to gapTimeoutMs from the
   * first time it was seen; only then does it go to the DLQ, where an operator can redrive it.
   */
  private async waitForPredecessor(channel: ConfirmChannel, message: ConsumeMessage, event: ProposalEvent, expected: number): Promise<void> {
    const seen: unknown = message.properties.headers?.[FIRST_SEEN];
    const firstSeen = typeof seen === 'number' ? seen : Date.now();
    const reason = `proposal ${event.proposalId} v${event.version} waits for v${expected}`;
    if (Date.now() - firstSeen > this.options.gapTimeoutMs) {
      return this.deadLetter(channel, message, `${reason}: not applied within ${this.options.gapTimeoutMs} ms`);
    }
    return this.retryLater(channel, message, reason, false, { [FIRST_SEEN]: firstSeen });
  }

  /** Delayed retry: a copy waits out the retry queue's TTL, then dead-letters back to the work queue. */
  private async retryLater(
    channel: ConfirmChannel,
    message: ConsumeMessage,
    reason: string,
    countsAsAttempt: boolean,
    extraHeaders: Record<string, unknown> = {},
  ): Promise<void> {
    const attempts = attemptsOf(message) + (countsAsAttempt ? 1 : 0);
    if (attempts >= this.options.maxAttempts) {
      return this.deadLetter(channel, message, `gave up after ${attempts} attempts: ${reason}`);
    }
    try {
      await publishConfirmed(channel, '', TOPOLOGY.retryQueue, message, {
        [HEADERS.attempts]: attempts,
        'x-acme-last-error': reason.slice(0, 500),
        ...extraHeaders,
      });
      this.counters.retried++;
      metrics.retried.inc();
      ack(channel, message);
    } catch {
      // Channel gone: no ack either, so RabbitMQ redelivers the original. Nothing is lost.
    }
  }

  /** Poison goes to the DLQ with the reason in a header; the consumer moves on to the next message. */
  private async deadLetter(channel: ConfirmChannel, message: ConsumeMessage, reason: string): Promise<void> {
    try {
      await publishConfirmed(channel, TOPOLOGY.deadLetterExchange, TOPOLOGY.deadLetterQueue, message, {
        [HEADERS.deadLetterReason]: reason.slice(0, 1_000),
        [HEADERS.deadLetteredAt]: new Date().toISOString(),
        'x-acme-original-routing-key': message.fields.routingKey,
      });
      this.counters.deadLettered++;
      metrics.deadLettered.inc();
      const traceparent: unknown = message.properties.headers?.[HEADERS.traceparent];
      this.logger.warn({
        msg: `dead-lettered message ${String(message.properties.messageId ?? '(no id)')}: ${reason}`,
        traceId: typeof traceparent === 'string' ? traceparent.split('-')[1] : undefined,
      });
      ack(channel, message);
    } catch {
      // Channel gone: the original is redelivered and judged again.
    }
  }
}

function attemptsOf(message: ConsumeMessage): number {
  const value: unknown = message.properties.headers?.[HEADERS.attempts];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

function ack(channel: ConfirmChannel, message: ConsumeMessage): void {
  try {
    channel.ack(message);
  } catch {
    // The channel closed after we finished: the message is redelivered and deduplicated.
  }
}

/** Republishes a copy of `message` (same body and properties, extra headers) and waits for the confirm. */
function publishConfirmed(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  message: ConsumeMessage,
  headers: Record<string, unknown>,
): Promise<void> {
  const p = message.properties;
  const options: Options.Publish = {
    persistent: true,
    contentType: p.contentType as string | undefined,
    messageId: p.messageId as string | undefined,
    type: p.type as string | undefined,
    timestamp: p.timestamp as number | undefined,
    appId: p.appId as string | undefined,
    headers: { ...stripDeathHeaders(p.headers), ...headers },
  };
  return new Promise((resolve, reject) => {
    channel.publish(exchange, routingKey, message.content, options, (error: unknown) =>
      error ? reject(error instanceof Error ? error : new Error('publish nacked')) : resolve(),
    );
  });
}

/** Our copies start a fresh RabbitMQ dead-letter history; our own headers carry what matters. */
function stripDeathHeaders(headers: Record<string, unknown> | undefined): Record<string, unknown> {
  const { 'x-death': _death, 'x-first-death-exchange': _e, 'x-first-death-queue': _q, 'x-first-death-reason': _r, ...rest } =
    headers ?? {};
  return rest;
}

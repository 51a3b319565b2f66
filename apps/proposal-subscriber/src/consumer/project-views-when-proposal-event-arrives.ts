import { HEADERS, parseProposalEvent, TOPOLOGY, type ProposalEvent } from '@acme/contracts';
import { isMongoUnavailable, withinDeadline, type InboxOutcome, type InboxProjector } from '@acme/read-model';
import { inSpanFrom, SpanKind } from '@acme/telemetry';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { Counter, Gauge, Histogram } from 'prom-client';

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
  batchSize: new Histogram({ name: 'acme_projection_batch_size', help: 'Events projected together', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }),
  lag: new Histogram({
    name: 'acme_projection_lag_seconds',
    help: 'From the event (command committed) to its projection: end-to-end lag',
    // Fine enough at the top for the lab page's p50 (a 70 s lag between 60 and 300 read as 180 s).
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600],
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

/** While an early event waits in place, how often it is tried again (with the next batch). */
const GAP_RECHECK_MS = 50;

export interface ConsumerCounters {
  projected: number;
  duplicates: number;
  retried: number;
  deadLettered: number;
  /** Early events that waited in place for their predecessor (GAP_WAIT_MS) before one more try. */
  waitedInPlace: number;
}

/** A valid message being handled, with the channel it came on (its ack goes back there). */
interface Delivery {
  channel: ConfirmChannel;
  message: ConsumeMessage;
  event: ProposalEvent;
  receivedAt: number;
  waitedInPlace: boolean;
}

/**
 * The read side's policy: when a proposal event arrives, project it into the views — once.
 *
 * Valid messages are projected in batches: what arrived while the previous batch was written (up to
 * the prefetch window) goes to the InboxProjector together, one batch at a time. Every message then
 * ends in exactly one of these ways, and is acked only after that end is safe:
 *   applied, or a duplicate (logged)         → ack
 *   a gap (its predecessor not stored yet)   → wait in place a moment, then the retry queue (confirmed), ack
 *   MongoDB away, or a failure worth retrying → copy to the retry queue (confirmed), then ack
 *   malformed, corrupt, or out of attempts   → copy to the DLQ with the reason (confirmed), then ack
 *   the channel died before the ack          → RabbitMQ redelivers it; the inbox finds the duplicate
 */
export class ProjectViewsWhenProposalEventArrives {
  readonly counters: ConsumerCounters = { projected: 0, duplicates: 0, retried: 0, deadLettered: 0, waitedInPlace: 0 };
  private mongoDown = false;
  private readonly pending: Delivery[] = [];
  private projecting = false;
  private scheduled = false;
  /** Messages received and not yet ended, and when a message last ended (or the subscriber was idle). */
  private inFlight = 0;
  private lastProgressAt = Date.now();

  constructor(
    private readonly projector: InboxProjector,
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
      if (message) return this.receive(channel, message);
      this.logger.warn('RabbitMQ cancelled the consumer (queue deleted?); subscribing again');
      onCancelled?.();
    });
  }

  /**
   * Messages are being handled and none has ended for `stuckAfterMs`: the subscriber makes no
   * progress, whatever its connections say (a store that accepts connections but never answers).
   */
  isStuck(stuckAfterMs: number): boolean {
    return this.inFlight > 0 && Date.now() - this.lastProgressAt > stuckAfterMs;
  }

  private receive(channel: ConfirmChannel, message: ConsumeMessage): void {
    if (this.inFlight++ === 0) this.lastProgressAt = Date.now();
    if (message.content.length > this.options.maxMessageBytes) {
      return void this.deadLetter(channel, message, `message of ${message.content.length} bytes exceeds ${this.options.maxMessageBytes}`);
    }
    const parsed = parseProposalEvent(message.content);
    if (!parsed.ok) return void this.deadLetter(channel, message, parsed.reason);
    this.enqueue({ channel, message, event: parsed.event, receivedAt: Date.now(), waitedInPlace: false });
  }

  private enqueue(delivery: Delivery): void {
    this.pending.push(delivery);
    if (this.projecting || this.scheduled) return;
    this.scheduled = true;
    // The end of this tick: deliveries that arrived together go into one batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.projectPending();
    });
  }

  /** One batch in flight: while it is written, the next one fills. */
  private async projectPending(): Promise<void> {
    if (this.projecting || this.pending.length === 0) return;
    this.projecting = true;
    try {
      await this.projectBatch(this.pending.splice(0));
    } finally {
      this.projecting = false;
      if (this.pending.length > 0) void this.projectPending();
    }
  }

  private projectBatch(batch: Delivery[]): Promise<void> {
    metrics.batchSize.observe(batch.length);
    // One consumer span per batch, continuing the trace of its first message (the relay's publish of
    // the request that wrote the event); the MongoDB operations below it are its children.
    const first = batch[0]!.message;
    const traceparent = first.properties.headers?.[HEADERS.traceparent] as string | undefined;
    return inSpanFrom(`${TOPOLOGY.workQueue} process`, traceparent, SpanKind.CONSUMER, {
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'process',
      'messaging.destination.name': TOPOLOGY.workQueue,
      'messaging.batch.message_count': batch.length,
      'messaging.message.id': String(first.properties.messageId ?? ''),
    }, () => this.projectAndSettle(batch));
  }

  private async projectAndSettle(batch: Delivery[]): Promise<void> {
    let outcomes: InboxOutcome[];
    try {
      // Bounded: a write in flight while MongoDB was killed can stay pending for good, and one batch in
      // flight would then stop the subscriber. Past the deadline it is "MongoDB unavailable": retried.
      outcomes = await withinDeadline(this.projector.project(batch.map((d) => d.event)), `projecting ${batch.length} event(s)`);
      this.mongoIsBack();
    } catch (error) {
      // MongoDB being away is not the messages' fault: retry without counting an attempt.
      if (isMongoUnavailable(error)) {
        this.mongoIsDown(error as Error);
        await Promise.all(batch.map((d) => this.retryLater(d.channel, d.message, (error as Error).message, false)));
        return;
      }
      // Anything else may be one event's fault: each tries alone, so only that one uses up attempts.
      if (batch.length > 1) {
        for (const delivery of batch) await this.projectAndSettle([delivery]);
        return;
      }
      await this.retryLater(batch[0]!.channel, batch[0]!.message, (error as Error).message, true);
      return;
    }
    await Promise.all(batch.map((delivery, i) => this.settle(delivery, outcomes[i]!)));
  }

  private async settle(delivery: Delivery, outcome: InboxOutcome): Promise<void> {
    const { channel, message, event } = delivery;
    switch (outcome.kind) {
      case 'applied':
        return this.applied(delivery);
      case 'duplicate':
        this.counters.duplicates++;
        metrics.duplicates.inc();
        this.logger.warn({
          msg: `duplicate event ${event.eventId} (${event.type} v${event.version} of proposal ${event.proposalId}): ignored, logged in duplicateevents`,
          traceId: traceOf(event),
          eventId: event.eventId,
          proposalId: event.proposalId,
        });
        return this.ack(channel, message);
      case 'corrupt':
        return this.deadLetter(channel, message, `corrupt stream: ${outcome.reason}`);
      case 'gap':
        if (this.mayWaitInPlace(delivery)) {
          // With several subscribers, consecutive events of one proposal often reach different
          // subscribers at once: the predecessor is being applied elsewhere right now. Waiting a moment
          // (unacked) spares a trip through the retry queue.
          if (!delivery.waitedInPlace) {
            delivery.waitedInPlace = true;
            this.counters.waitedInPlace++;
            metrics.waitedInPlace.inc();
          }
          setTimeout(() => this.enqueue(delivery), GAP_RECHECK_MS).unref();
          return;
        }
        return this.waitForPredecessor(channel, message, event, outcome.waitsFor);
    }
  }

  /** Only on first arrival: a message back from the retry queue has waited for its predecessor already. */
  private mayWaitInPlace({ message, receivedAt }: Delivery): boolean {
    return message.properties.headers?.[HEADERS.firstSeen] === undefined && Date.now() - receivedAt < this.options.gapWaitMs;
  }

  private applied({ channel, message, event }: Delivery): void {
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
    this.ack(channel, message);
  }

  private mongoIsDown(error: Error): void {
    if (this.mongoDown) return;
    this.mongoDown = true;
    this.logger.warn(`MongoDB unavailable (${error.message}); messages wait in the retry queue`);
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
    const seen: unknown = message.properties.headers?.[HEADERS.firstSeen];
    const firstSeen = typeof seen === 'number' ? seen : Date.now();
    const reason = `proposal ${event.proposalId} v${event.version} waits for v${expected}`;
    if (Date.now() - firstSeen > this.options.gapTimeoutMs) {
      return this.deadLetter(channel, message, `${reason}: not applied within ${this.options.gapTimeoutMs} ms`);
    }
    return this.retryLater(channel, message, reason, false, { [HEADERS.firstSeen]: firstSeen });
  }

  /** The message has ended here: acked, or left to RabbitMQ to redeliver (its channel is gone). */
  private ended(): void {
    this.inFlight--;
    this.lastProgressAt = Date.now();
  }

  private ack(channel: ConfirmChannel, message: ConsumeMessage): void {
    this.ended();
    try {
      channel.ack(message);
    } catch {
      // The channel closed after we finished: the message is redelivered and deduplicated.
    }
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
        [HEADERS.lastError]: reason.slice(0, 500),
        ...extraHeaders,
      });
      this.counters.retried++;
      metrics.retried.inc();
      this.ack(channel, message);
    } catch {
      // Channel gone: no ack either, so RabbitMQ redelivers the original. Nothing is lost.
      this.ended();
    }
  }

  /** Poison goes to the DLQ with the reason in a header; the consumer moves on to the next message. */
  private async deadLetter(channel: ConfirmChannel, message: ConsumeMessage, reason: string): Promise<void> {
    try {
      await publishConfirmed(channel, TOPOLOGY.deadLetterExchange, TOPOLOGY.deadLetterQueue, message, {
        [HEADERS.deadLetterReason]: reason.slice(0, 1_000),
        [HEADERS.deadLetteredAt]: new Date().toISOString(),
        [HEADERS.originalRoutingKey]: message.fields.routingKey,
      });
      this.counters.deadLettered++;
      metrics.deadLettered.inc();
      const traceparent: unknown = message.properties.headers?.[HEADERS.traceparent];
      this.logger.warn({
        msg: `dead-lettered message ${String(message.properties.messageId ?? '(no id)')}: ${reason}`,
        traceId: typeof traceparent === 'string' ? traceparent.split('-')[1] : undefined,
      });
      this.ack(channel, message);
    } catch {
      // Channel gone: the original is redelivered and judged again.
      this.ended();
    }
  }
}

function attemptsOf(message: ConsumeMessage): number {
  const value: unknown = message.properties.headers?.[HEADERS.attempts];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
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

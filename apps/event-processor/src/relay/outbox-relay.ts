import { toProposalMessage } from '@acme/messaging';
import type { OutboxBatch, OutboxRelayStore } from '@acme/write-persistence';
import type { ChannelWrapper } from 'amqp-connection-manager';
import { Counter, Histogram } from 'prom-client';
import { backoffDelay, sleep } from './backoff';

export interface RelayLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RelayOptions {
  batchSize: number;
  pollIntervalMs: number;
  /** Test seam: runs after the broker confirmed a batch and before the rows are marked processed. */
  afterConfirm?: (batch: OutboxBatch) => Promise<void>;
}

const published = new Counter({ name: 'acme_events_published_total', help: 'Outbox events published and confirmed' });
const confirmLatency = new Histogram({
  name: 'acme_publish_confirm_seconds',
  help: 'Per batch: from the first publish to the last broker confirm',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

export type RelayState = 'starting' | 'publishing' | 'failing' | 'stopped';

/**
 * The outbox relay ("Events Processor"): moves committed events from `proposalevents` to RabbitMQ.
 *
 *   claim a batch (FOR UPDATE SKIP LOCKED) → publish every row (persistent, pipelined)
 *   → wait for every publisher confirm → mark the rows processed → commit.
 *
 * A row is never marked processed without a confirm. If anything fails in between, the transaction
 * rolls back and the rows are published again later: delivery is at-least-once, and the read side
 * deduplicates by event id. If the relay dies after the confirms but before the commit, the same
 * thing happens on restart — that is the duplicate lab.
 */
export class OutboxRelay {
  private state: RelayState = 'starting';
  private lastError: string | undefined;
  private wake: (() => void) | undefined;
  private pendingWake = false;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  published = 0;

  constructor(
    private readonly store: OutboxRelayStore,
    private readonly channel: ChannelWrapper,
    private readonly isBrokerConnected: () => boolean,
    private readonly options: RelayOptions,
    private readonly logger: RelayLogger,
  ) {}

  get status(): { state: RelayState; lastError: string | undefined; published: number } {
    return { state: this.state, lastError: this.lastError, published: this.published };
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Called on NOTIFY from the outbox trigger: there is something new to publish. */
  notify(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  /** Graceful stop: the batch in flight is finished (marked) or released (rolled back), never left claimed. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.loop;
    this.state = 'stopped';
  }

  /** Publishes one batch; returns how many events were relayed (0 when the outbox is empty). */
  async relayOnce(): Promise<number> {
    // Do not even claim rows while the broker is away: they would only be held, then released.
    if (!this.isBrokerConnected()) throw new Error('RabbitMQ is not connected');
    const batch = await this.store.claim(this.options.batchSize);
    if (!batch) return 0;
    try {
      await this.markEventsProcessedAfterPublishConfirmed(batch);
      this.published += batch.events.length;
      return batch.events.length;
    } catch (error) {
      await batch.release((error as Error).message);
      throw error;
    }
  }

  private async markEventsProcessedAfterPublishConfirmed(batch: OutboxBatch): Promise<void> {
    // All publishes go out at once; each promise resolves on the broker's confirm (ack) and rejects
    // on a nack, a timeout or a lost channel. One round trip of confirms for the whole batch.
    const confirmed = confirmLatency.startTimer();
    await Promise.all(
      batch.events.map((event) => {
        const message = toProposalMessage(event.payload, 'acme.event-processor', event);
        return this.channel.publish(message.exchange, message.routingKey, message.content, message.options);
      }),
    );
    confirmed();
    await this.options.afterConfirm?.(batch);
    await batch.markProcessed();
    published.inc(batch.events.length);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      try {
        this.pendingWake = false;
        const relayed = await this.relayOnce();
        if (this.state !== 'publishing') {
          this.logger.log(failures > 0 ? 'relay recovered: publishing again' : 'relay publishing');
        }
        this.state = 'publishing';
        this.lastError = undefined;
        failures = 0;
        if (relayed < this.options.batchSize) await this.waitForWork(this.options.pollIntervalMs);
      } catch (error) {
        const message = (error as Error).message;
        if (this.state !== 'failing' || this.lastError !== message) {
          this.logger.warn(`relay cannot publish (${message}); backing off and retrying`);
        }
        this.state = 'failing';
        this.lastError = message;
        await sleep(backoffDelay(failures++), this.stopping.signal);
      }
    }
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

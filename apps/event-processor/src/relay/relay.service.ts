import type { EventProcessorConfig } from '@acme/config';
import { ConfirmPublisher, declareTopology, topologyOptions } from '@acme/messaging';
import { observedGauge } from '@acme/telemetry';
import { applySchema, createPgPool, ensureDatabase, listenForOutboxInserts, OutboxRelayStore } from '@acme/write-persistence';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { EVENT_PROCESSOR_CONFIG } from '../tokens';
import { OutboxRelay, type RelayStatus } from './outbox-relay';

const RELISTEN_DELAY_MS = 2_000;
const HOUSEKEEPING_INTERVAL_MS = 60_000;
const HOUSEKEEPING_BATCH = 1_000;
const PROGRESS_MAX_AGE_MS = 1_000;

export interface OutboxProgress {
  backlog: number;
  parked: number;
  /** Work waits and nobody has published anything for STUCK_AFTER_MS. */
  stuck: boolean;
}

/** Wires the relay to Postgres (pool + LISTEN) and RabbitMQ (a confirm publisher), and runs housekeeping. */
@Injectable()
export class RelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private readonly pool: Pool;
  private readonly publisher: ConfirmPublisher;
  private readonly relay: OutboxRelay;
  private readonly store: OutboxRelayStore;
  private stopListening: (() => Promise<void>) | undefined;
  private housekeeping: NodeJS.Timeout | undefined;
  private shuttingDown = false;
  private progress: { at: number; reading: Promise<OutboxProgress> } | undefined;

  constructor(@Inject(EVENT_PROCESSOR_CONFIG) private readonly config: EventProcessorConfig) {
    // A claim stays open across one publish: the server may end it once it has been idle for longer.
    const idleInTransactionMs = config.PUBLISH_CONFIRM_TIMEOUT_MS + config.PG_QUERY_TIMEOUT_MS;
    this.pool = createPgPool(config, (error) => this.logger.warn(`idle Postgres connection failed: ${error.message}`), idleInTransactionMs);
    this.publisher = new ConfirmPublisher(
      config.AMQP_URL,
      'acme.event-processor',
      { setup: (channel) => declareTopology(channel, topologyOptions(config)), confirmTimeoutMs: config.PUBLISH_CONFIRM_TIMEOUT_MS },
      this.logger,
    );
    this.store = new OutboxRelayStore(this.pool, config.RELAY_MAX_ATTEMPTS);
    const readProgress = this.outboxProgress.bind(this);
    observedGauge({
      name: 'acme_outbox_backlog',
      help: 'Rows in proposalevents waiting to be published, and parked rows (read when scraped)',
      labelNames: ['state'],
      read: async () => {
        const { backlog, parked } = await readProgress();
        return [
          { labels: { state: 'waiting' }, value: backlog },
          { labels: { state: 'parked' }, value: parked },
        ];
      },
    });
    observedGauge({
      name: 'acme_relay_stuck',
      help: '1 while work waits in the outbox and nothing has been published for STUCK_AFTER_MS',
      read: async () => [{ value: (await readProgress()).stuck ? 1 : 0 }],
    });
    this.relay = new OutboxRelay(
      this.store,
      this.publisher,
      { batchSize: config.RELAY_BATCH_SIZE, pollIntervalMs: config.RELAY_POLL_INTERVAL_MS },
      this.logger,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureDatabase(this.config.DATABASE_URL);
    await applySchema(this.config.DATABASE_URL);
    await this.listen();
    this.relay.start();
    if (this.config.OUTBOX_RETENTION_HOURS > 0) {
      this.housekeeping = setInterval(() => void this.deleteOldProcessedRows(), HOUSEKEEPING_INTERVAL_MS);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.housekeeping);
    await this.relay.stop();
    await this.stopListening?.();
    await this.publisher.close();
    await this.pool.end().catch(() => undefined);
  }

  get status(): RelayStatus {
    return this.relay.status;
  }

  /**
   * The outbox as a whole, whichever relay works on it (needs Postgres). One query serves every
   * reader within a second: a scrape reads two gauges from it, and /health is polled too.
   */
  outboxProgress(): Promise<OutboxProgress> {
    if (!this.progress || Date.now() - this.progress.at > PROGRESS_MAX_AGE_MS) {
      const reading = this.store.progress(this.config.STUCK_AFTER_MS);
      this.progress = { at: Date.now(), reading };
      reading.catch(() => {
        if (this.progress?.reading === reading) this.progress = undefined; // a failed reading is not kept
      });
    }
    return this.progress.reading;
  }

  get brokerConnected(): boolean {
    return this.publisher.connected;
  }

  async pingPostgres(): Promise<boolean> {
    await this.pool.query('SELECT 1');
    return true;
  }

  /** The duplicate lab: marks processed events unprocessed again, and wakes the relay. */
  async replay(target: { eventId: number } | { last: number }): Promise<number[]> {
    const replayed = await this.store.replay(target);
    this.relay.notify();
    return replayed;
  }

  /** LISTEN for the outbox trigger; if that connection drops, polling carries on and we listen again. */
  private async listen(): Promise<void> {
    try {
      this.stopListening = await listenForOutboxInserts(
        { databaseUrl: this.config.DATABASE_URL, connectTimeoutMs: this.config.PG_CONNECT_TIMEOUT_MS, queryTimeoutMs: this.config.PG_QUERY_TIMEOUT_MS },
        () => this.relay.notify(),
        (error) => {
          if (this.shuttingDown) return;
          this.logger.warn(`LISTEN connection lost (${error.message}); polling until it is back`);
          this.stopListening = undefined;
          setTimeout(() => void this.listen(), RELISTEN_DELAY_MS).unref();
        },
      );
    } catch {
      if (!this.shuttingDown) setTimeout(() => void this.listen(), RELISTEN_DELAY_MS).unref();
    }
  }

  private async deleteOldProcessedRows(): Promise<void> {
    try {
      let deleted = 0;
      let batch: number;
      do {
        batch = await this.store.deleteProcessedOlderThan(this.config.OUTBOX_RETENTION_HOURS, HOUSEKEEPING_BATCH);
        deleted += batch;
      } while (batch === HOUSEKEEPING_BATCH);
      if (deleted > 0) this.logger.log(`housekeeping: deleted ${deleted} processed outbox rows`);
    } catch (error) {
      this.logger.warn(`housekeeping failed: ${(error as Error).message}`);
    }
  }
}
